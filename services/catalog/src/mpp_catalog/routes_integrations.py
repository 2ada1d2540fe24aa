"""``/api/v1/catalog/agencies/{code}/api-keys`` and ``…/webhooks``: how an agency's own systems
plug in. Only the agency's agency_admin (or the mpp_admin) manages them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from mpp_catalog import access
from mpp_catalog.api_models import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyView,
    Page,
    WebhookCreate,
    WebhookPatch,
    WebhookView,
    WebhookWithSecret,
    changes,
)
from mpp_catalog.integration_store import (
    IntegrationStore,
    key_view,
    new_webhook_secret,
    webhook_view,
)
from mpp_catalog.store import API_KEYS, WEBHOOKS, CatalogStore
from mpp_kit.auth import CurrentPrincipal, Principal
from mpp_kit.contracts import BY_CE_TYPE
from mpp_kit.problems import invalid_field

Limit = Annotated[int, Query(ge=1, le=200)]


def integration_routes(store: CatalogStore, integrations: IntegrationStore) -> APIRouter:
    router = APIRouter(prefix="/api/v1/catalog/agencies/{code}", tags=["integrations"])

    async def managed_by(principal: Principal, code: str) -> None:
        access.require_editor(principal, code)
        await store.agency(code)  # 404 for an unknown agency

    # --- API keys -------------------------------------------------------------------------------

    @router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
    async def create_api_key(
        code: str, body: ApiKeyCreate, principal: CurrentPrincipal
    ) -> ApiKeyCreated:
        """A new key for one of the agency's systems. The key is in this answer only; the
        catalog keeps its hash."""
        await managed_by(principal, code)
        return await integrations.create_key(code, body.name, principal.username)

    @router.get("/api-keys", response_model=Page[ApiKeyView])
    async def list_api_keys(
        code: str, principal: CurrentPrincipal, limit: Limit = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        """The agency's keys: prefix, when created and last used, whether revoked."""
        await managed_by(principal, code)
        docs, next_cursor = await store.page(
            API_KEYS, {"agency_id": code}, ("created_at",), limit, cursor
        )
        return {"items": [key_view(d) for d in docs], "next_cursor": next_cursor}

    @router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyView)
    async def revoke_api_key(code: str, key_id: str, principal: CurrentPrincipal) -> ApiKeyView:
        """From now on the key is refused."""
        await managed_by(principal, code)
        return await integrations.revoke_key(code, key_id)

    # --- webhooks -------------------------------------------------------------------------------

    @router.post("/webhooks", status_code=201, response_model=WebhookWithSecret)
    async def create_webhook(
        code: str, body: WebhookCreate, principal: CurrentPrincipal
    ) -> WebhookWithSecret:
        """An endpoint that receives the chosen events, signed with the secret (shown once)."""
        await managed_by(principal, code)
        _check_event_types(body.event_types)
        secret = body.secret or new_webhook_secret()
        doc = await integrations.create_webhook(code, body.url, body.event_types, secret)
        return WebhookWithSecret(**webhook_view(doc).model_dump(), secret=secret)

    @router.get("/webhooks", response_model=Page[WebhookView])
    async def list_webhooks(
        code: str, principal: CurrentPrincipal, limit: Limit = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        await managed_by(principal, code)
        docs, next_cursor = await store.page(
            WEBHOOKS, {"agency_id": code}, ("created_at",), limit, cursor
        )
        return {"items": [webhook_view(d) for d in docs], "next_cursor": next_cursor}

    @router.get("/webhooks/{webhook_id}", response_model=WebhookView)
    async def get_webhook(code: str, webhook_id: str, principal: CurrentPrincipal) -> WebhookView:
        await managed_by(principal, code)
        return webhook_view(await integrations.webhook(code, webhook_id))

    @router.patch("/webhooks/{webhook_id}", response_model=WebhookView)
    async def patch_webhook(
        code: str, webhook_id: str, body: WebhookPatch, principal: CurrentPrincipal
    ) -> WebhookView:
        await managed_by(principal, code)
        patch = changes(body)
        for field, value in patch.items():
            if value is None:
                raise invalid_field(field, "may not be null")
        if body.event_types is not None:
            _check_event_types(body.event_types)
        return webhook_view(await integrations.update_webhook(code, webhook_id, patch))

    @router.post("/webhooks/{webhook_id}/rotate-secret", response_model=WebhookWithSecret)
    async def rotate_webhook_secret(
        code: str, webhook_id: str, principal: CurrentPrincipal
    ) -> WebhookWithSecret:
        """A new secret replaces the old one at once (shown this once)."""
        await managed_by(principal, code)
        secret = new_webhook_secret()
        doc = await integrations.update_webhook(code, webhook_id, {"secret": secret})
        return WebhookWithSecret(**webhook_view(doc).model_dump(), secret=secret)

    @router.delete("/webhooks/{webhook_id}", status_code=204)
    async def delete_webhook(code: str, webhook_id: str, principal: CurrentPrincipal) -> Response:
        await managed_by(principal, code)
        await integrations.delete_webhook(code, webhook_id)
        return Response(status_code=204)

    return router


def _check_event_types(event_types: list[str]) -> None:
    """Only events the platform publishes (their CloudEvents type, e.g. ``id.mpp.…``)."""
    unknown = [t for t in event_types if t not in BY_CE_TYPE]
    if unknown:
        raise invalid_field("event_types", f"unknown event types: {', '.join(unknown)}")
