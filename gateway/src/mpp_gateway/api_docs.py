"""``/openapi.json`` and ``/docs`` for the whole platform; ``/asyncapi.json`` for its events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mpp_gateway.openapi_merge import merge_openapi
from mpp_gateway.pages import render
from mpp_gateway.settings import GatewaySettings
from mpp_gateway.upstreams import Upstreams
from mpp_kit.logging import get_logger
from mpp_kit.problems import Problem

_log = get_logger(__name__)

SECURITY_SCHEMES = {
    "staffToken": {
        "type": "oauth2",
        "description": "Staff log in with username and password (POST /api/v1/auth/token).",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "agencyApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An agency system's API key (issued in the catalog).",
    },
}
# Either credential, or none: citizens call the public endpoints with capabilities.
SECURITY: list[dict[str, list[str]]] = [{"staffToken": []}, {"agencyApiKey": []}, {}]


class PlatformOpenAPI:
    """Fetches the services' documents (briefly cached) and merges them with the gateway's."""

    def __init__(
        self, own: Callable[[], dict[str, Any]], upstreams: Upstreams, settings: GatewaySettings
    ) -> None:
        self.own = own
        self.upstreams = upstreams
        self.settings = settings
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        async with self._lock:  # one refresh at a time; the others get its result
            if (
                self._cached
                and time.monotonic() - self._cached[0] < self.settings.openapi_cache_seconds
            ):
                return self._cached[1]
            names = list(self.upstreams.urls)
            fetched = await asyncio.gather(*(self._fetch(name) for name in names))
            services = {n: doc for n, doc in zip(names, fetched, strict=True) if doc is not None}
            unavailable = [n for n in names if n not in services]
            merged = merge_openapi(self.own(), services, unavailable)
            merged.setdefault("components", {}).setdefault("securitySchemes", {}).update(
                SECURITY_SCHEMES
            )
            merged["security"] = SECURITY
            self._cached = (time.monotonic(), merged)
            return merged

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        url = self.upstreams.urls[service] + "/openapi.json"
        try:
            response = await self.upstreams.http.get(
                url, timeout=self.settings.openapi_fetch_timeout
            )
            response.raise_for_status()
            doc = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            _log.info("openapi of a service unavailable", service=service, error=repr(exc))
            return None
        return doc if isinstance(doc, dict) else None


def contracts_dir(settings: GatewaySettings) -> Path:
    """``MPP_CONTRACTS_DIR``, else ``./contracts``, else the repository's ``contracts/``."""
    if settings.contracts_dir is not None:
        return settings.contracts_dir
    here = Path.cwd() / "contracts"
    repository = Path(__file__).resolve().parents[3] / "contracts"
    return here if here.is_dir() or not repository.is_dir() else repository


def docs_router(platform: PlatformOpenAPI, settings: GatewaySettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi() -> JSONResponse:
        return JSONResponse(await platform.document())

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(render("docs.html", title="MPP — API"))

    @router.get("/asyncapi.json")
    async def asyncapi() -> Response:
        path = contracts_dir(settings) / "asyncapi.json"
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise Problem(
                404, "Not found", "The AsyncAPI document has not been generated here."
            ) from exc
        return Response(content, media_type="application/json")

    return router
