"""``/internal/…``: for the platform's own services, never routed by the gateway (and kept inside
the cluster by the network policy): the snapshot read models start from, API key verification
for the gateway, and webhook endpoints with their secrets for the notify service."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mpp_catalog.api_models import InternalWebhook, VerifiedKey, VerifyKey
from mpp_catalog.integration_store import IntegrationStore
from mpp_catalog.store import CatalogStore
from mpp_kit.problems import unauthorized


def internal_routes(store: CatalogStore, integrations: IntegrationStore) -> APIRouter:
    router = APIRouter(prefix="/internal", include_in_schema=False)

    @router.get("/snapshot")
    async def snapshot() -> Response:
        """Settings, agencies, services and counters, each with its version
        (:class:`mpp_kit.contracts.catalog.CatalogSnapshot`)."""
        body = (await store.snapshot()).model_dump_json()
        return Response(body, media_type="application/json")

    @router.post("/api-keys/verify", response_model=VerifiedKey)
    async def verify_api_key(body: VerifyKey) -> VerifiedKey:
        """Whose key this is: 200 for a live key of an active agency, else 401."""
        doc = await integrations.verify_key(body.key)
        agency = await store.find_agency(doc["agency_id"]) if doc is not None else None
        if doc is None or agency is None or not agency.active:
            raise unauthorized("Unknown, revoked or inactive API key.")
        return VerifiedKey(agency_id=doc["agency_id"], key_id=doc["_id"])

    @router.get("/webhooks", response_model=dict[str, list[InternalWebhook]])
    async def webhooks(event_type: str | None = None) -> dict[str, list[InternalWebhook]]:
        """Active webhook endpoints wanting ``event_type``, with their signing secrets."""
        return {"items": await integrations.webhooks_for(event_type)}

    return router
