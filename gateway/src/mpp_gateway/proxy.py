"""The reverse proxy: ``/api/v1/<service>/...`` goes to that service, path and query unchanged.

Bodies stream both ways (server-sent events flow through as the service writes them). Who the
caller is gets settled here: an agency API key becomes a short-lived agency_system JWT, a staff
bearer token must verify, and callers with neither share the public rate limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from mpp_gateway.api_keys import ApiKeyVerifier, agency_token
from mpp_gateway.rate_limit import PublicRateLimit, client_ip
from mpp_gateway.upstreams import Upstreams
from mpp_kit.auth import token_keys
from mpp_kit.logging import get_logger
from mpp_kit.problems import Problem, bad_request, too_many_requests
from mpp_kit.tracing import request_id_var, traceparent_var

_log = get_logger(__name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Set by the gateway itself, so the caller's or the service's copy must not pass.
_NOT_TO_SERVICE = frozenset({"host", "expect", "x-api-key", "x-request-id", "traceparent"})
_FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
_NOT_TO_CALLER = frozenset({"x-request-id", "traceparent", "server", "date"})


def _dropped(headers: list[tuple[bytes, bytes]], own: frozenset[str]) -> set[bytes]:
    names = {n.encode() for n in HOP_BY_HOP | own}
    for name, value in headers:
        if name.lower() == b"connection":
            names.update(token.strip().lower() for token in value.split(b","))
    return names


def headers_to_service(request: Request, *, authorization: str | None) -> list[tuple[bytes, bytes]]:
    """The caller's headers minus hop-by-hop ones, plus forwarding and trace headers."""
    raw = request.headers.raw
    dropped = _dropped(raw, _NOT_TO_SERVICE | _FORWARDED)
    if authorization is not None:
        dropped.add(b"authorization")
    headers = [(n.lower(), v) for n, v in raw if n.lower() not in dropped]
    forwarded_for = ", ".join([*request.headers.getlist("x-forwarded-for"), client_ip(request)])
    headers.append((b"x-forwarded-for", forwarded_for.encode("latin-1")))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode()))
    if "host" in request.headers:
        headers.append((b"x-forwarded-host", request.headers["host"].encode("latin-1")))
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    for name, var in ((b"x-request-id", request_id_var), (b"traceparent", traceparent_var)):
        value = var.get()
        if value:
            headers.append((name, value.encode()))
    return headers


def headers_to_caller(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    raw = response.headers.raw
    dropped = _dropped(raw, _NOT_TO_CALLER)
    return [(n.lower(), v) for n, v in raw if n.lower() not in dropped]


def _has_body(request: Request) -> bool:
    return "content-length" in request.headers or "transfer-encoding" in request.headers


def _wants_event_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def _relay(upstream: httpx.Response) -> AsyncIterator[bytes]:
    """The service's bytes as they come (still compressed if they were)."""
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        # The status line is gone already; ending the stream is all that is left to do.
        _log.warning("upstream stream broke", url=str(upstream.url), error=repr(exc))
    finally:
        await upstream.aclose()


def proxy_router(
    upstreams: Upstreams,
    api_keys: ApiKeyVerifier,
    public_limit: PublicRateLimit,
    agency_token_lifetime_seconds: int,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def authorization_for(request: Request) -> str | None:
        """The Authorization header the service gets (None: pass the caller's, if any)."""
        api_key = request.headers.get("x-api-key")
        keys = token_keys(request)
        if api_key:
            try:
                agency = await api_keys.verify(api_key)
            except Problem as refused:
                if refused.status == 401:
                    # Guessing keys costs the guesser's public budget.
                    charge_public(request)
                raise
            return f"Bearer {agency_token(keys, agency, agency_token_lifetime_seconds)}"
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            keys.verify(token.strip())  # a bad or expired token stops here (401)
        else:
            charge_public(request)
        return None

    def charge_public(request: Request) -> None:
        wait = public_limit.retry_after(client_ip(request))
        if wait is not None:
            raise too_many_requests(wait)

    @router.api_route("/api/v1/{service}/{path:path}", methods=METHODS)
    async def forward(request: Request, service: str, path: str) -> StreamingResponse:
        base = httpx.URL(upstreams.url_of(service))
        if {".", ".."} & set(request.scope["path"].split("/")):
            # Dot segments could climb out of /api/v1/<service>/ at a service that resolves them.
            raise bad_request("Paths with '.' or '..' segments are not forwarded.")
        authorization = await authorization_for(request)
        query = request.scope.get("query_string", b"")
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        url = base.copy_with(
            raw_path=base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        )
        outgoing = upstreams.http.build_request(
            request.method,
            url,
            headers=headers_to_service(request, authorization=authorization),
            content=request.stream() if _has_body(request) else None,
            timeout=upstreams.timeout(streaming=_wants_event_stream(request)),
        )
        try:
            upstream = await upstreams.http.send(outgoing, stream=True)
        except httpx.ConnectError as exc:
            raise _upstream_problem(503, service, "is not reachable", exc) from exc
        except httpx.TimeoutException as exc:
            raise _upstream_problem(504, service, "did not answer in time", exc) from exc
        except httpx.TransportError as exc:
            raise _upstream_problem(502, service, "gave a broken answer", exc) from exc
        response = StreamingResponse(
            _relay(upstream),
            status_code=upstream.status_code,
            background=BackgroundTask(upstream.aclose),
        )
        response.raw_headers = headers_to_caller(upstream)
        return response

    return router


_TITLES = {502: "Bad gateway", 503: "Service unavailable", 504: "Gateway timeout"}


def _upstream_problem(status: int, service: str, what: str, exc: Exception) -> Problem:
    _log.warning("upstream failed", service=service, status=status, error=repr(exc))
    return Problem(
        status,
        _TITLES[status],
        f"The {service} service {what}; try again shortly.",
        kind=f"upstream-{status}",
        service=service,
    )
