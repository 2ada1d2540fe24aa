# One image recipe for every service and the gateway; build from the repository root:
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=queue -t mpp-queue .
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=gateway \
#     --build-arg PACKAGE_DIR=gateway -t mpp-gateway .

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ARG PACKAGE_DIR=services/${SERVICE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<name>" >&2; exit 1; }
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY libs/kit ./libs/kit
COPY ${PACKAGE_DIR} ./${PACKAGE_DIR}
# Non-editable installs, so the runtime stage needs only the virtualenv.
RUN pip install -c constraints.txt ./libs/kit "./${PACKAGE_DIR}"

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    UVICORN_APP=mpp_${SERVICE}.main:app
RUN groupadd --system --gid 10001 mpp \
 && useradd --system --uid 10001 --gid mpp --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin mpp
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
# uvicorn takes the app (mpp_<service>.main:app) from UVICORN_APP, so it runs as PID 1 without a
# shell and gets SIGTERM directly; in-flight requests get 20 s to finish.
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "8080", "--timeout-graceful-shutdown", "20"]
