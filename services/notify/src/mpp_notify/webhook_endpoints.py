"""Agency webhook endpoints: a copy of the catalog's registrations, and their health.

The catalog owns the registrations (URL, secret, event types); notify copies the active ones
from ``GET {catalog}/internal/webhooks`` every ``MPP_WEBHOOK_SYNC_SECONDS``, so deliveries go on
while the catalog is away. Health is notify's own: consecutive failures, and whether (and why)
notify disabled the endpoint — what the agency admin sees at ``/api/v1/notify/webhooks``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from pymongo import ReturnDocument, UpdateOne

from mpp_kit.clock import utcnow
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Database, Document
from mpp_notify.metrics import ENDPOINTS_DISABLED
from mpp_notify.recently_read import RecentlyRead
from mpp_notify.store import ENDPOINT_HEALTH, ENDPOINTS

_log = get_logger(__name__)
WEBHOOKS_PATH = "/internal/webhooks"
_NOTE_SUCCESS_EVERY = 10.0


class WebhookEndpoints:
    def __init__(
        self, db: Database, catalog_url: str, http: httpx.AsyncClient, disable_after: int
    ) -> None:
        self._endpoints = db[ENDPOINTS]
        self._health = db[ENDPOINT_HEALTH]
        self._url = catalog_url.rstrip("/") + WEBHOOKS_PATH
        self._http = http
        self.disable_after = disable_after
        # Every event and every attempt asks: a second-old answer is good enough.
        self._recent = RecentlyRead(1.0)
        self._success_noted: dict[str, float] = {}

    # --- the copy of the catalog's registrations ------------------------------------------------

    async def sync(self) -> int:
        """Copy the catalog's active endpoints; returns how many there are now."""
        response = await self._http.get(self._url, timeout=10.0)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        now = utcnow()
        writes = [
            UpdateOne(
                {"_id": item["id"]},
                {
                    "$set": {
                        "agency_id": item["agency_id"],
                        "url": item["url"],
                        "event_types": list(item["event_types"]),
                        "secret": item["secret"],
                        "synced_at": now,
                    }
                },
                upsert=True,
            )
            for item in items
        ]
        if writes:
            await self._endpoints.bulk_write(writes, ordered=False)
        await self._endpoints.delete_many({"_id": {"$nin": [item["id"] for item in items]}})
        return len(items)

    async def follow(self, every_seconds: float) -> None:
        """Sync now and every ``every_seconds``; while the catalog is away, keep the copy."""
        wait = 0.25
        while True:
            try:
                await self.sync()
                wait = every_seconds
            except Exception as exc:
                _log.warning("webhook registrations not synced", error=repr(exc), retry_in=wait)
                wait = min(wait * 2, every_seconds)
            await asyncio.sleep(wait)

    async def for_event(self, agency_id: str, event_type: str) -> list[Document]:
        """The agency's endpoints that want this event type and are not disabled."""
        found = await self._recent.get(
            ("for", agency_id, event_type), lambda: self._for_event(agency_id, event_type)
        )
        return found or []

    async def _for_event(self, agency_id: str, event_type: str) -> list[Document]:
        endpoints = await self._endpoints.find(
            {"agency_id": agency_id, "event_types": event_type}
        ).to_list()
        if not endpoints:
            return []
        disabled = {
            d["_id"]
            async for d in self._health.find(
                {"_id": {"$in": [e["_id"] for e in endpoints]}, "disabled": True}, {"_id": 1}
            )
        }
        return [e for e in endpoints if e["_id"] not in disabled]

    async def endpoint(self, endpoint_id: str) -> Document | None:
        return await self._endpoints.find_one({"_id": endpoint_id})

    async def for_attempt(self, endpoint_id: str) -> tuple[Document | None, Document]:
        """The endpoint (``None``: no longer registered) and its health, as of a second ago."""
        endpoint = await self._recent.get(
            ("endpoint", endpoint_id), lambda: self.endpoint(endpoint_id)
        )
        health = await self._recent.get(
            ("health", endpoint_id), lambda: self._health_of(endpoint_id)
        )
        return endpoint, health or {}

    # --- health -----------------------------------------------------------------------------------

    async def health(self, endpoint_id: str) -> Document | None:
        return await self._health.find_one({"_id": endpoint_id})

    async def _health_of(self, endpoint_id: str) -> Document:
        return await self.health(endpoint_id) or {"_id": endpoint_id}

    async def succeeded(self, endpoint_id: str, health: Document) -> None:
        """Reset the failure count (if there was one); note the success at most every 10 s."""
        now = time.monotonic()
        if (
            not health.get("consecutive_failures")
            and now - self._success_noted.get(endpoint_id, -_NOTE_SUCCESS_EVERY)
            < _NOTE_SUCCESS_EVERY
        ):
            return
        self._success_noted[endpoint_id] = now
        await self._health.update_one(
            {"_id": endpoint_id},
            {"$set": {"consecutive_failures": 0, "last_success_at": utcnow()}},
            upsert=True,
        )

    async def failed(self, endpoint: Document, answer: str) -> str | None:
        """Count a failed attempt; returns the reason if this failure disabled the endpoint.

        One atomic increment (not a transaction: many deliveries share this document)."""
        now = utcnow()
        await self._health.update_one(
            {"_id": endpoint["_id"]},
            {"$setOnInsert": {"consecutive_failures": 0, "disabled": False}},
            upsert=True,
        )
        health = await self._health.find_one_and_update(
            {"_id": endpoint["_id"]},
            {
                "$inc": {"consecutive_failures": 1},
                "$set": {
                    "last_failure_at": now,
                    "last_error": answer,
                    "agency_id": endpoint["agency_id"],
                },
            },
            return_document=ReturnDocument.AFTER,
        )
        if health is None or health["consecutive_failures"] < self.disable_after:
            return None
        reason = (
            f"Disabled after {health['consecutive_failures']} consecutive failed deliveries; "
            f"last answer: {answer}"
        )
        # Only the failure that crosses the line disables (and reports) it.
        switched = await self._health.update_one(
            {"_id": endpoint["_id"], "disabled": {"$ne": True}},
            {"$set": {"disabled": True, "disabled_at": now, "disabled_reason": reason}},
        )
        if switched.modified_count != 1:
            return None
        ENDPOINTS_DISABLED.inc()
        _log.warning("webhook endpoint disabled", endpoint_id=endpoint["_id"], reason=reason)
        return reason

    async def enable(self, endpoint_id: str) -> None:
        self._recent.forget()
        await self._health.update_one(
            {"_id": endpoint_id},
            {
                "$set": {"disabled": False, "consecutive_failures": 0, "enabled_at": utcnow()},
                "$unset": {"disabled_at": "", "disabled_reason": ""},
            },
            upsert=True,
        )

    async def status_of_agency(self, agency_id: str | None) -> list[Document]:
        """Each registered endpoint (of one agency, or all) with its health."""
        query: Document = {} if agency_id is None else {"agency_id": agency_id}
        endpoints = await self._endpoints.find(query).sort("_id", 1).to_list()
        health = {
            h["_id"]: h
            async for h in self._health.find({"_id": {"$in": [e["_id"] for e in endpoints]}})
        }
        return [{**e, "health": health.get(e["_id"], {})} for e in endpoints]
