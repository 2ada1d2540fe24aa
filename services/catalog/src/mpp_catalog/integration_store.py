"""Agency integrations in MongoDB: API keys (only their hash is kept) and webhook endpoints.

Neither travels on the bus: the gateway verifies keys and the notify service reads webhooks
through the catalog's internal API.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from mpp_catalog.api_models import ApiKeyCreated, ApiKeyView, InternalWebhook, WebhookView
from mpp_catalog.store import API_KEYS, WEBHOOKS, stamp
from mpp_kit.auth import api_key_matches, api_key_prefix, hash_api_key, new_api_key
from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database, Document
from mpp_kit.problems import not_found

# Writing "last used" on every call would put a write on every agency request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEY_LENGTH = 200  # ours are about 60 characters; anything much longer is not one of them


def key_view(doc: Document) -> ApiKeyView:
    return ApiKeyView.model_validate({**doc, "id": doc["_id"], "revoked": bool(doc["revoked_at"])})


def webhook_view(doc: Document) -> WebhookView:
    return WebhookView.model_validate(
        {**doc, "id": doc["_id"], "secret_hint": "…" + doc["secret"][-4:]}
    )


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class IntegrationStore:
    def __init__(self, db: Database) -> None:
        self.keys = db[API_KEYS]
        self.webhooks = db[WEBHOOKS]

    # --- API keys -------------------------------------------------------------------------------

    async def create_key(self, agency_id: str, name: str, created_by: str) -> ApiKeyCreated:
        key, prefix = new_api_key()
        doc = {
            "_id": str(uuid.uuid4()),
            "agency_id": agency_id,
            "name": name,
            "prefix": prefix,
            "hash": hash_api_key(key),
            "created_at": stamp(utcnow()),
            "created_by": created_by,
            "last_used_at": None,
            "revoked_at": None,
        }
        await self.keys.insert_one(doc)
        return ApiKeyCreated(**key_view(doc).model_dump(), key=key)

    async def revoke_key(self, agency_id: str, key_id: str) -> ApiKeyView:
        """Revoke (kept for the record); revoking twice keeps the first time."""
        await self.keys.update_one(
            {"_id": key_id, "agency_id": agency_id, "revoked_at": None},
            {"$set": {"revoked_at": stamp(utcnow())}},
        )
        doc = await self.keys.find_one({"_id": key_id, "agency_id": agency_id})
        if doc is None:
            raise not_found("API key", key_id)
        return key_view(doc)

    async def verify_key(self, key: str) -> Document | None:
        """The key's record when ``key`` is a live key, noting when it was last used."""
        prefix = api_key_prefix(key) if len(key) <= MAX_KEY_LENGTH else None
        doc = await self.keys.find_one({"prefix": prefix}) if prefix else None
        if doc is None or doc["revoked_at"] is not None or not api_key_matches(key, doc["hash"]):
            return None
        now = utcnow()
        await self.keys.update_one(
            {
                "_id": doc["_id"],
                "$or": [
                    {"last_used_at": None},
                    {"last_used_at": {"$lt": stamp(now - LAST_USED_RESOLUTION)}},
                ],
            },
            {"$set": {"last_used_at": stamp(now)}},
        )
        return doc

    # --- webhooks -------------------------------------------------------------------------------

    async def create_webhook(
        self, agency_id: str, url: str, event_types: list[str], secret: str
    ) -> Document:
        now = stamp(utcnow())
        doc = {
            "_id": str(uuid.uuid4()),
            "agency_id": agency_id,
            "url": url,
            "event_types": event_types,
            "secret": secret,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        await self.webhooks.insert_one(doc)
        return doc

    async def webhook(self, agency_id: str, webhook_id: str) -> Document:
        doc = await self.webhooks.find_one({"_id": webhook_id, "agency_id": agency_id})
        if doc is None:
            raise not_found("webhook", webhook_id)
        return doc

    async def update_webhook(
        self, agency_id: str, webhook_id: str, changes: dict[str, Any]
    ) -> Document:
        await self.webhook(agency_id, webhook_id)
        if changes:
            await self.webhooks.update_one(
                {"_id": webhook_id}, {"$set": {**changes, "updated_at": stamp(utcnow())}}
            )
        return await self.webhook(agency_id, webhook_id)

    async def delete_webhook(self, agency_id: str, webhook_id: str) -> None:
        result = await self.webhooks.delete_one({"_id": webhook_id, "agency_id": agency_id})
        if result.deleted_count == 0:
            raise not_found("webhook", webhook_id)

    async def webhooks_for(self, event_type: str | None) -> list[InternalWebhook]:
        """Active endpoints (with their secrets) that want ``event_type`` (all if ``None``)."""
        query: Document = {"active": True}
        if event_type is not None:
            query["event_types"] = event_type
        docs = await self.webhooks.find(query).sort("created_at", 1).to_list()
        return [InternalWebhook.model_validate({**d, "id": d["_id"]}) for d in docs]
