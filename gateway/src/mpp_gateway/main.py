"""The API gateway: one door to every service, staff identity, the platform's API docs.

Serves: ``/api/v1/auth/*`` and ``/api/v1/users*`` (its own), ``/api/v1/<service>/*`` (proxied),
``/openapi.json`` + ``/docs`` (merged from the services), ``/asyncapi.json``, ``/``.
Stores: ``users`` and ``login_failures`` in its own database. Publishes and consumes no events.
Run: ``uvicorn mpp_gateway.main:app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from mpp_gateway.api_docs import PlatformOpenAPI, docs_router
from mpp_gateway.api_keys import ApiKeyVerifier
from mpp_gateway.auth_routes import auth_router
from mpp_gateway.login_throttle import LoginThrottle
from mpp_gateway.pages import pages_router
from mpp_gateway.proxy import proxy_router
from mpp_gateway.rate_limit import PublicRateLimit
from mpp_gateway.security_headers import SecurityHeadersMiddleware
from mpp_gateway.settings import GatewaySettings
from mpp_gateway.upstreams import Upstreams
from mpp_gateway.user_routes import users_router
from mpp_gateway.users import prepare_users
from mpp_kit.http import create_app
from mpp_kit.runtime import ServiceRuntime

STATIC = Path(__file__).parent / "static"
# FastAPI's own doc routes serve only the gateway's routes; ours serve the whole platform.
_BUILTIN_DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def build_app(settings: GatewaySettings) -> FastAPI:
    runtime = ServiceRuntime(settings, uses_bus=False)
    upstreams = Upstreams(settings)
    throttle = LoginThrottle(
        runtime.db,
        window_seconds=settings.login_window_seconds,
        max_per_user=settings.login_max_failures_per_user,
        max_per_ip=settings.login_max_failures_per_ip,
    )

    @runtime.on_startup
    async def prepare_store() -> None:
        await prepare_users(runtime.db)
        await throttle.prepare()

    app = create_app(
        settings,
        title="Mal Pelayanan Publik — API",
        description="Every service of the MPP platform, through its gateway.",
        runtime=runtime,
        routers=[auth_router(settings, runtime.db, throttle), users_router(runtime.db)],
    )
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", None) not in _BUILTIN_DOCS
    ]
    app.include_router(docs_router(PlatformOpenAPI(app.openapi, upstreams, settings), settings))
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(  # last: the catch-all for /api/v1/<service>/...
        proxy_router(
            upstreams,
            ApiKeyVerifier(upstreams, settings.api_key_cache_seconds),
            PublicRateLimit(settings.public_rate_limit_per_minute),
            settings.agency_token_lifetime_seconds,
        )
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=[
                "authorization",
                "content-type",
                "x-api-key",
                "x-request-id",
                "idempotency-key",
                "traceparent",
            ],
            expose_headers=["x-request-id", "retry-after", "location"],
        )
    _open_with_app(app, upstreams.opened)
    return app


def _open_with_app(app: FastAPI, resource: Callable[[], AbstractAsyncContextManager[None]]) -> None:
    """Hold ``resource`` open for as long as the app's lifespan (around the runtime's)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        async with resource(), inner(app_) as state:
            yield state

    app.router.lifespan_context = lifespan


def __getattr__(name: str) -> Any:
    # ``mpp_gateway.main:app`` is built on first use, from the environment, so that importing
    # this module (tests, tools) needs no MPP_JWT_SECRET.
    if name == "app":
        globals()["app"] = built = build_app(GatewaySettings())
        return built
    raise AttributeError(name)
