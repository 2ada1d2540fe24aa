"""One OpenAPI document for the platform, merged from the gateway's and the services'."""

from __future__ import annotations

from mpp_gateway.openapi_merge import merge_openapi


async def test_merged_openapi_has_gateway_and_service_paths_and_names_the_unreachable(
    gateway, upstream, serve
):
    async with (
        serve(upstream("catalog")) as catalog_url,
        gateway(catalog_url=catalog_url) as client,
    ):
        response = await client.get("/openapi.json")
        docs = await client.get("/docs")
    assert response.status_code == 200
    doc = response.json()
    assert "/api/v1/auth/token" in doc["paths"]
    assert "/api/v1/users/{username}" in doc["paths"]
    assert "/api/v1/catalog/events" in doc["paths"]
    assert "/internal/api-keys/verify" not in doc["paths"]  # not reachable through the gateway
    assert doc["info"]["x-unavailable"] == ["booking", "notify", "queue"]
    assert (
        doc["components"]["securitySchemes"]["staffToken"]["flows"]["password"]["tokenUrl"]
        == "/api/v1/auth/token"
    )
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text and "/openapi.json" in docs.text


async def test_openapi_is_served_when_every_service_is_down(gateway):
    async with gateway() as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/auth/me" in response.json()["paths"]
    assert response.json()["info"]["x-unavailable"] == ["booking", "catalog", "notify", "queue"]


def _doc(paths, schemas):
    return {
        "openapi": "3.1.0",
        "info": {"title": "t"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def test_colliding_schemas_are_prefixed_with_their_service_and_refs_follow():
    own = _doc({"/api/v1/auth/me": {"get": {}}}, {"Problem": {"type": "object"}})
    catalog = _doc(
        {
            "/api/v1/catalog/services": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": _ref("Page")}}}
                    }
                }
            }
        },
        {
            "Service": {"properties": {"code": {"type": "string"}}},
            "Page": {"properties": {"items": {"items": _ref("Service")}}},
            "Problem": {"type": "object"},
        },
    )
    queue = _doc(
        {
            "/api/v1/queue/services": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": _ref("Page")}}}
                    }
                }
            }
        },
        {
            "Service": {"properties": {"waiting": {"type": "integer"}}},
            "Page": {"properties": {"items": {"items": _ref("Service")}}},
            "Problem": {"type": "object"},
        },
    )
    merged = merge_openapi(own, {"catalog": catalog, "queue": queue}, [])
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {
        "Problem",
        "catalog.Service",
        "queue.Service",
        "catalog.Page",
        "queue.Page",
    }
    assert schemas["catalog.Page"]["properties"]["items"]["items"] == _ref("catalog.Service")
    queue_schema = merged["paths"]["/api/v1/queue/services"]["get"]["responses"]["200"]
    assert queue_schema["content"]["application/json"]["schema"] == _ref("queue.Page")


def test_services_only_contribute_their_own_public_paths():
    catalog = _doc({"/api/v1/catalog/x": {}, "/api/v1/queue/y": {}, "/internal/z": {}}, {})
    merged = merge_openapi(_doc({}, {}), {"catalog": catalog}, ["queue"])
    assert set(merged["paths"]) == {"/api/v1/catalog/x"}
    assert merged["info"]["x-unavailable"] == ["queue"]
