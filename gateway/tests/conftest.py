"""The gateway under test, real HTTP servers around it, and a fake service as its upstream.

The fake service is a real FastAPI app served by uvicorn on a free port (an HTTP peer, like the
catalog or queue will be); the store is the session's real SecantusDB.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from mpp_testing import running_app
from pydantic import BaseModel

from mpp_cli.embedded import free_port
from mpp_gateway.main import build_app
from mpp_gateway.settings import GatewaySettings
from mpp_gateway.users import add_user

GOOD_KEY = "mppk_abcd1234_" + "k" * 43
PASSWORD = "correct horse battery"


class KeyCheck(BaseModel):
    key: str


def fake_service(name: str = "catalog") -> FastAPI:
    """A service that tells what it received, streams events on demand, and is slow on demand."""
    app = FastAPI(title=f"fake {name}")
    app.state.key_checks = 0
    app.state.finish_stream = asyncio.Event()

    @app.api_route(
        f"/api/v1/{name}/echo/{{rest:path}}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def echo(request: Request, rest: str) -> JSONResponse:
        body = await request.body()
        response = JSONResponse(
            {
                "method": request.method,
                "path": request.scope["raw_path"].decode(),
                "query": request.scope["query_string"].decode(),
                "headers": {k: v for k, v in request.headers.items()},
                "body": body.decode(),
            },
            status_code=int(request.headers.get("x-want-status", "200")),
            headers={"x-served-by": name},
        )
        response.headers.append("set-cookie", "a=1")
        response.headers.append("set-cookie", "b=2")
        return response

    @app.get(f"/api/v1/{name}/events")
    async def events() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            yield b"event: ticket-called\ndata: first\n\n"
            await app.state.finish_stream.wait()
            yield b"data: last\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.get(f"/api/v1/{name}/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(1.5)
        return {"too": "late"}

    @app.post("/internal/api-keys/verify")
    async def verify_key(check: KeyCheck) -> JSONResponse:
        app.state.key_checks += 1
        if check.key == GOOD_KEY:
            return JSONResponse({"agency_id": "dukcapil", "key_id": "key-1"})
        return JSONResponse({"detail": "unknown key"}, status_code=401)

    return app


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in this event loop; yield its URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(600):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if not server.started:
            raise RuntimeError("the test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def dead_url() -> str:
    """A URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def gateway_settings(settings_for: Callable[..., Any]) -> Callable[..., GatewaySettings]:
    """Gateway settings on the test store; every upstream dead unless overridden."""

    def build(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "catalog_url": dead_url(),
            "queue_url": dead_url(),
            "booking_url": dead_url(),
            "notify_url": dead_url(),
            "openapi_fetch_timeout": 0.5,
            "openapi_cache_seconds": 0,
        }
        values.update(overrides)
        settings: GatewaySettings = settings_for(GatewaySettings, "gateway", **values)
        return settings

    return build


@pytest.fixture
def gateway(
    gateway_settings: Callable[..., GatewaySettings],
) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with gateway(**settings) as client``: the gateway app, in process."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = build_app(gateway_settings(**overrides))
        async with running_app(app, base_url="http://gateway") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client

    return start


class Staff:
    """Seeding and logging in staff, for tests."""

    password = PASSWORD
    api_key = GOOD_KEY

    @staticmethod
    async def create(
        client: httpx.AsyncClient,
        username: str,
        *roles: str,
        agency_id: str | None = None,
        password: str = PASSWORD,
    ) -> None:
        """A user straight into the gateway's store (as the CLI and the demo seed do)."""
        db = client.app.state.runtime.db  # type: ignore[attr-defined]
        await add_user(db, username, password, roles, agency_id, username.title())

    @staticmethod
    async def log_in(
        client: httpx.AsyncClient, username: str, password: str = PASSWORD
    ) -> dict[str, str]:
        response = await client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def admin(self, client: httpx.AsyncClient) -> dict[str, str]:
        """Seed the mpp_admin ``admin`` and return its auth headers."""
        await self.create(client, "admin", "mpp_admin")
        return await self.log_in(client, "admin")


@pytest.fixture
def staff() -> Staff:
    return Staff()


@pytest.fixture
def upstream() -> Callable[..., FastAPI]:
    """Build a fake service app; run it with the ``serve`` fixture."""
    return fake_service


@pytest.fixture(name="serve")
def serve_fixture() -> Callable[[Any], AbstractAsyncContextManager[str]]:
    return serve
