"""The landing page, the AsyncAPI document, readiness, CORS and the security headers."""

from __future__ import annotations

import json

PROBLEM = "application/problem+json"


async def test_landing_page_is_indonesian_first_and_links_the_docs(gateway):
    async with gateway() as client:
        response = await client.get("/")
        css = await client.get("/static/gateway.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="id">' in response.text
    assert "Mal Pelayanan Publik" in response.text
    assert 'href="/docs"' in response.text and 'href="/asyncapi.json"' in response.text
    assert css.status_code == 200


async def test_security_headers_are_on_pages_api_answers_and_errors(gateway):
    async with gateway() as client:
        answers = [
            await client.get("/"),
            await client.get("/openapi.json"),
            await client.get("/api/v1/auth/me"),
            await client.get("/api/v1/queue/down"),
        ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "strict-transport-security" not in response.headers


async def test_hsts_only_when_configured(gateway):
    async with gateway(hsts_max_age=31536000) as client:
        response = await client.get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_cors_allows_configured_origins_only(gateway):
    origins = "https://portal.example.go.id,https://kiosk.example.go.id"
    async with gateway(cors_origins=origins) as client:
        preflight = await client.options(
            "/api/v1/auth/token",
            headers={
                "Origin": "https://kiosk.example.go.id",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        stranger = await client.get("/", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://kiosk.example.go.id"
    assert "access-control-allow-origin" not in stranger.headers


async def test_asyncapi_is_served_from_the_contracts_dir(gateway, tmp_path):
    (tmp_path / "asyncapi.json").write_text(json.dumps({"asyncapi": "3.0.0"}))
    async with gateway(contracts_dir=str(tmp_path)) as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == {"asyncapi": "3.0.0"}


async def test_missing_asyncapi_is_404_problem(gateway, tmp_path):
    async with gateway(contracts_dir=str(tmp_path)) as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


async def test_gateway_is_ready_when_its_store_answers_without_any_broker(gateway, staff):
    async with gateway(kafka_bootstrap_servers="127.0.0.1:1") as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"store": True}
