"""The gateway forwards /api/v1/<service>/... to real HTTP services and streams the answer back."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
import pytest
from mpp_testing import staff_token

from mpp_gateway.main import build_app
from mpp_kit.auth import Role, TokenKeys

PROBLEM = "application/problem+json"


@pytest.fixture
def platform(gateway_settings, upstream, serve):
    """``async with platform(**settings) as (client, catalog)``: a fake catalog service and the
    gateway in front of it, both real uvicorn servers; the client talks to the gateway."""

    @asynccontextmanager
    async def start(**overrides):
        catalog = upstream("catalog")
        async with serve(catalog) as catalog_url:
            settings = gateway_settings(catalog_url=catalog_url, **overrides)
            app = build_app(settings)
            async with serve(app) as gateway_url, httpx.AsyncClient(base_url=gateway_url) as client:
                client.settings = settings
                yield client, catalog

    return start


async def test_proxy_passes_method_path_query_body_status_and_headers(platform, staff):
    async with platform() as (client, _):
        headers = staff_token(client.settings, Role.OFFICER, agency_id="dukcapil")
        response = await client.post(
            "/api/v1/catalog/echo/a%2Fb/c?x=1&y=%20two&x=3",
            content=b'{"name": "KTP"}',
            headers={
                **headers,
                "content-type": "application/json",
                "x-want-status": "201",
                "x-custom": "kept",
                "connection": "x-hop-only",
                "x-hop-only": "dropped",
            },
        )
    assert response.status_code == 201
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/api/v1/catalog/echo/a%2Fb/c"
    assert seen["query"] == "x=1&y=%20two&x=3"
    assert seen["body"] == '{"name": "KTP"}'
    assert seen["headers"]["x-custom"] == "kept"
    assert seen["headers"]["authorization"] == headers["Authorization"]
    assert "x-hop-only" not in seen["headers"]
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["x-forwarded-host"] == client.base_url.netloc.decode()
    assert response.headers["x-served-by"] == "catalog"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_request_id_and_trace_reach_the_service_and_come_back(platform, staff):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with platform() as (client, _):
        response = await client.get(
            "/api/v1/catalog/echo/x",
            headers={
                "X-Request-ID": "kiosk-7-req-42",
                "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
            },
        )
    seen = response.json()["headers"]
    assert seen["x-request-id"] == "kiosk-7-req-42"
    assert seen["traceparent"].split("-")[1] == trace_id
    assert response.headers.get_list("x-request-id") == ["kiosk-7-req-42"]


async def test_server_sent_events_flow_through_before_the_service_finishes(platform):
    async with platform() as (client, catalog):
        async with client.stream(
            "GET", "/api/v1/catalog/events", headers={"accept": "text/event-stream"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            first = await asyncio.wait_for(anext(lines), timeout=5)
            assert first == "event: ticket-called"
            assert await asyncio.wait_for(anext(lines), timeout=5) == "data: first"
            assert not catalog.state.finish_stream.is_set()  # the service is still writing
            catalog.state.finish_stream.set()
            rest = [line async for line in lines]
    assert "data: last" in rest


async def test_chunked_request_body_streams_to_the_service(platform):
    async def chunks():
        for part in (b"one,", b"two,", b"three"):
            yield part

    async with platform() as (client, _):
        response = await client.put("/api/v1/catalog/echo/upload", content=chunks())
    assert response.json()["body"] == "one,two,three"


async def test_oversized_body_is_refused_with_413(platform):
    async with platform(max_body_bytes=2048) as (client, _):
        response = await client.post("/api/v1/catalog/echo/big", content=b"x" * 5000)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_dot_segments_cannot_climb_out_of_the_service_prefix(platform):
    async with platform() as (client, catalog):
        encoded = await client.get("/api/v1/catalog/%2e%2e/%2e%2e/internal/api-keys/verify")
    assert encoded.status_code == 400
    assert encoded.headers["content-type"] == PROBLEM
    assert catalog.state.key_checks == 0


async def test_dead_upstream_is_503_problem(platform):
    async with platform() as (client, _):
        response = await client.get("/api/v1/queue/tickets")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["service"] == "queue"
    assert "Traceback" not in response.text


async def test_slow_upstream_is_504_problem(platform):
    async with platform(upstream_read_timeout=0.3) as (client, _):
        response = await client.get("/api/v1/catalog/slow")
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM


async def test_upstream_speaking_garbage_is_502_problem(gateway):
    async def garbage(reader, writer):
        await reader.read(1024)
        writer.write(b"this is not HTTP\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, gateway(notify_url=f"http://127.0.0.1:{port}") as client:
        response = await client.get("/api/v1/notify/templates")
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM


async def test_unknown_service_is_404_problem(platform):
    async with platform() as (client, _):
        response = await client.get("/api/v1/nosuchservice/things")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "nosuchservice" in response.json()["detail"]


async def test_public_callers_are_rate_limited_per_address_but_staff_are_not(platform):
    async with platform(public_rate_limit_per_minute=3) as (client, _):
        allowed = [(await client.get("/api/v1/catalog/echo/p")).status_code for _ in range(3)]
        limited = await client.get("/api/v1/catalog/echo/p")
        officer = staff_token(client.settings, Role.OFFICER, agency_id="dukcapil")
        as_staff = await client.get("/api/v1/catalog/echo/p", headers=officer)
    assert allowed == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert as_staff.status_code == 200


async def test_a_forged_bearer_token_is_refused_at_the_gateway(platform):
    async with platform() as (client, _):
        response = await client.get(
            "/api/v1/catalog/echo/x", headers={"Authorization": "Bearer not.a.jwt"}
        )
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_api_key_becomes_an_agency_system_jwt_for_the_service(platform, staff):
    async with platform() as (client, catalog):
        first = await client.get("/api/v1/catalog/echo/x", headers={"X-API-Key": staff.api_key})
        second = await client.get("/api/v1/catalog/echo/y", headers={"X-API-Key": staff.api_key})
        assert first.status_code == second.status_code == 200
        seen = first.json()["headers"]
        assert "x-api-key" not in seen
        scheme, token = seen["authorization"].split(" ")
        principal = TokenKeys(client.settings).verify(token)
        assert scheme == "Bearer"
        assert principal.roles == {Role.AGENCY_SYSTEM}
        assert principal.agency_id == "dukcapil"
        assert catalog.state.key_checks == 1  # the second call was answered from the cache


async def test_invalid_api_key_is_401_and_a_malformed_one_never_reaches_the_catalog(
    platform, staff
):
    async with platform() as (client, catalog):
        unknown = await client.get(
            "/api/v1/catalog/echo/x", headers={"X-API-Key": "mppk_ffff0000_wrong"}
        )
        malformed = await client.get("/api/v1/catalog/echo/x", headers={"X-API-Key": "hello"})
        assert catalog.state.key_checks == 1
    assert unknown.status_code == malformed.status_code == 401
    assert unknown.headers["content-type"] == PROBLEM


async def test_api_key_with_the_catalog_down_is_503(gateway, staff):
    async with gateway() as client:
        response = await client.get("/api/v1/queue/x", headers={"X-API-Key": staff.api_key})
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
