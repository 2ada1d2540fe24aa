"""The FastAPI app factory every service uses.

It gives each service the same edges: RFC 9457 problem documents for every error, request id and
trace context in and out, a body size limit, RED metrics, ``/healthz``, ``/readyz``, ``/metrics``,
JSON logs, and a lifespan that starts and gracefully stops the :class:`ServiceRuntime`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mpp_kit.auth import TokenKeys
from mpp_kit.logging import configure_logging, get_logger
from mpp_kit.metrics import HTTP_DURATION, HTTP_REQUESTS
from mpp_kit.problems import PROBLEM_JSON, Problem
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.settings import KitSettings
from mpp_kit.tracing import accept_request_id, child_traceparent, request_id_var, traceparent_var

_log = get_logger(__name__)


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.document(instance),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = [
        {
            "field": _field_name(err.get("loc", ())),
            "location": str(err.get("loc", ("body",))[0]),
            "message": err.get("msg", "invalid"),
            "type": err.get("type", "value_error"),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return Problem(
        422, "Invalid request", f"Invalid input in: {fields}.", kind="validation", errors=errors
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Every error a client can meet becomes ``application/problem+json``."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
        title = titles.get(exc.status_code, "HTTP error")
        detail = (
            f"No route {request.method} {request.url.path}."
            if exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed")
            else str(exc.detail)
        )
        problem = Problem(exc.status_code, title, detail, headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


class _BodyTooLarge(Problem):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "Payload too large", f"The request body exceeds {limit} bytes.")


class RequestContextMiddleware:
    """Request id, trace context, body limit, access log and RED metrics — one pass per request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = accept_request_id(headers.get("x-request-id"))
        traceparent = child_traceparent(headers.get("traceparent"))
        rid_token = request_id_var.set(request_id)
        tp_token = traceparent_var.set(traceparent)
        started = time.perf_counter()
        status = 500  # until a response starts
        limit = self.max_body_bytes

        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await problem_response(_BodyTooLarge(limit))(
                scope, receive, self._with_ids(send, request_id, traceparent)
            )
            status = 413
            self._observe(scope, status, started)
            return

        seen = 0
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _BodyTooLarge(limit)
            return message

        responded = False

        async def send_with_status(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
            if exceeded:
                # Whatever the framework made of the aborted body read, the answer is 413.
                if message["type"] == "http.response.start":
                    status = 413
                    await problem_response(_BodyTooLarge(limit))(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(
                    scope,
                    limited_receive,
                    self._with_ids(send_with_status, request_id, traceparent),
                )
            except Exception:
                # The trace goes to our log; the client gets a problem document, never the trace.
                _log.exception("unhandled error", path=scope.get("path"))
                if not responded:
                    status = 500
                    problem = Problem(
                        500,
                        "Internal error",
                        "Something went wrong on our side. Quote the request id when you ask.",
                        request_id=request_id,
                    )
                    await problem_response(problem, scope.get("path"))(
                        scope, receive, self._with_ids(send, request_id, traceparent)
                    )
            finally:
                self._observe(scope, status, started)
                request_id_var.reset(rid_token)
                traceparent_var.reset(tp_token)

    @staticmethod
    def _with_ids(send: Send, request_id: str, traceparent: str) -> Send:
        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    (b"traceparent", traceparent.encode()),
                ]
            await send(message)

        return send_with_ids

    @staticmethod
    def _observe(scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        elapsed = time.perf_counter() - started
        method = scope.get("method", "GET")
        HTTP_REQUESTS.labels(method, template, str(status)).inc()
        HTTP_DURATION.labels(method, template).observe(elapsed)
        if template not in ("/healthz", "/readyz", "/metrics"):
            _log.info(
                "request",
                method=method,
                route=template,
                status=status,
                ms=round(elapsed * 1000, 1),
            )


def operational_router(runtime: ServiceRuntime | None = None) -> APIRouter:
    """``/healthz``, ``/readyz`` and ``/metrics`` (left out of the public OpenAPI)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> Response:
        checks = await runtime.readiness() if runtime is not None else {}
        if all(checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        problem = Problem(503, "Not ready", f"Not reachable: {failing}.", checks=checks)
        return problem_response(problem, "/readyz")

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    settings: KitSettings,
    *,
    title: str,
    routers: Sequence[APIRouter],
    runtime: ServiceRuntime | None = None,
    description: str = "",
    version: str = "1.0.0",
) -> FastAPI:
    """A service's web app: its routers plus everything every service must have."""
    configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            await runtime.start()
        _log.info("started", service=settings.service_name)
        try:
            yield
        finally:
            if runtime is not None:
                await runtime.stop()
            _log.info("stopped", service=settings.service_name)

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.token_keys = TokenKeys(settings)
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    app.include_router(operational_router(runtime))
    for router in routers:
        app.include_router(router)
    return app
