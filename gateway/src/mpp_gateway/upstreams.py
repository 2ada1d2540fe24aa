"""The services behind the gateway: their base URLs and the one pooled HTTP client to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from mpp_gateway.settings import GatewaySettings
from mpp_kit.problems import Problem


class Upstreams:
    """Service name → URL, and the shared client (opened with the app, closed after it)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.urls = {name: url.rstrip("/") for name, url in settings.upstreams.items()}
        self._client: httpx.AsyncClient | None = None

    def url_of(self, service: str) -> str:
        """The base URL of ``service``; an unknown name is a 404 problem."""
        url = self.urls.get(service)
        if url is None:
            raise Problem(
                404, "Not found", f"There is no service named {service!r}.", kind="unknown-service"
            )
        return url

    @property
    def http(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("the upstream client is opened by the app's lifespan")
        return self._client

    def timeout(self, *, streaming: bool = False) -> httpx.Timeout:
        s = self.settings
        read = s.upstream_stream_read_timeout if streaming else s.upstream_read_timeout
        return httpx.Timeout(read, connect=s.upstream_connect_timeout)

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[None]:
        # A shared client must never keep one caller's cookies for the next: the jar refuses all.
        jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        client = httpx.AsyncClient(
            timeout=self.timeout(),
            limits=httpx.Limits(max_connections=500, max_keepalive_connections=100),
            follow_redirects=False,
            trust_env=False,  # service calls never go through an outbound HTTP proxy
            cookies=jar,
        )
        async with client:
            self._client = client
            try:
                yield
            finally:
                self._client = None
