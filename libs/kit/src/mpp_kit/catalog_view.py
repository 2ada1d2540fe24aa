"""A service's own copy of the catalog, in its own database: the one way to read catalog data.

``CatalogView(runtime)`` consumes the five catalog events and, from start, fetches the catalog's
snapshot (``{catalog_url}/internal/snapshot``) in the background, retrying with backoff while the
catalog is unreachable — the service meanwhile serves from what it already holds. Every entity
carries a version that grows with each change, and an entity is written only when its version is
newer than the stored one, so snapshot and events may arrive in any order, and twice.

    view = CatalogView(runtime)
    ...
    service = await view.service(service_id)        # a ServiceState, or None
    await view.ready.wait()                         # set once the first snapshot is in
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from pymongo import InsertOne, ReplaceOne
from pymongo.errors import BulkWriteError

from mpp_kit.consumer import Delivery
from mpp_kit.contracts.catalog import EVENTS as CATALOG_EVENTS
from mpp_kit.contracts.catalog import (
    AgencyState,
    CatalogSnapshot,
    CounterState,
    MppSettings,
    ServiceState,
)
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Database, Document, Session, ensure_collection
from mpp_kit.runtime import ServiceRuntime

M = TypeVar("M", bound=BaseModel)
_log = get_logger(__name__)

AGENCIES = "catalog_agencies"
SERVICES = "catalog_services"
COUNTERS = "catalog_counters"
SETTINGS = "catalog_settings"
SETTINGS_ID = "settings"
SNAPSHOT_PATH = "/internal/snapshot"

# Called inside the event's transaction after an entity was applied: (collection, new state).
ChangeHook = Callable[[str, BaseModel, Session], Awaitable[None]]


class CatalogView:
    """The catalog as this service knows it: agencies, services, counters and MPP settings."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        *,
        resync_seconds: float | None = 300.0,
        retry_max_seconds: float = 5.0,
        timeout_seconds: float = 15.0,
    ) -> None:
        """``resync_seconds``: fetch the snapshot again this often (``None``: only at start),
        which heals events lost by a broker that forgot them (the embedded Tansu keeps none)."""
        self._db: Database = runtime.db
        self._catalog_url = runtime.settings.catalog_url.rstrip("/")
        self._resync_seconds = resync_seconds
        self._retry_max_seconds = retry_max_seconds
        self._timeout_seconds = timeout_seconds
        self._hooks: list[ChangeHook] = []
        self.ready = asyncio.Event()
        for event_type in CATALOG_EVENTS:
            runtime.on(event_type)(self._on_entity)
        runtime.on_startup(self._prepare)
        runtime.background(self._follow_snapshots)

    def on_change(self, hook: ChangeHook) -> ChangeHook:
        """Decorator: also react to a catalog event (one handler per event type is allowed, and
        the view holds it); ``hook`` runs in the event's transaction after the view is updated."""
        self._hooks.append(hook)
        return hook

    # --- queries ---------------------------------------------------------------------------------

    async def service(
        self, service_id: str, *, session: Session | None = None
    ) -> ServiceState | None:
        return await self._one(SERVICES, service_id, ServiceState, session)

    async def agency(self, agency_id: str, *, session: Session | None = None) -> AgencyState | None:
        return await self._one(AGENCIES, agency_id, AgencyState, session)

    async def counter(
        self, counter_id: str, *, session: Session | None = None
    ) -> CounterState | None:
        return await self._one(COUNTERS, counter_id, CounterState, session)

    async def settings(self, *, session: Session | None = None) -> MppSettings | None:
        """The MPP's settings, or ``None`` before anything arrived from the catalog."""
        return await self._one(SETTINGS, SETTINGS_ID, MppSettings, session)

    async def services_for_counter(
        self, counter_id: str, *, include_retired: bool = False, session: Session | None = None
    ) -> list[ServiceState]:
        """The services a counter serves, in the counter's order (active ones unless asked)."""
        counter = await self.counter(counter_id, session=session)
        if counter is None:
            return []
        query: Document = {"_id": {"$in": counter.service_ids}}
        if not include_retired:
            query["status"] = "active"
        found = {
            doc["_id"]: ServiceState.model_validate(doc)
            for doc in await self._db[SERVICES].find(query, session=session).to_list()
        }
        return [found[i] for i in counter.service_ids if i in found]

    async def active_services(
        self, agency_id: str | None = None, *, session: Session | None = None
    ) -> list[ServiceState]:
        """Services not retired, of one agency or all, ordered by agency and code."""
        query: Document = {"status": "active"}
        if agency_id is not None:
            query["agency_id"] = agency_id
        cursor = (
            self._db[SERVICES].find(query, session=session).sort([("agency_id", 1), ("code", 1)])
        )
        return [ServiceState.model_validate(doc) for doc in await cursor.to_list()]

    # --- keeping it current ----------------------------------------------------------------------

    async def refresh(self, client: httpx.AsyncClient | None = None) -> int:
        """Fetch the snapshot once and apply what is newer; returns how many entities changed."""
        if client is None:
            async with httpx.AsyncClient(timeout=self._timeout_seconds) as own:
                return await self.refresh(own)
        response = await client.get(f"{self._catalog_url}{SNAPSHOT_PATH}")
        response.raise_for_status()
        snapshot = CatalogSnapshot.model_validate_json(response.content)
        changed = await self._apply_many(SETTINGS, [snapshot.settings])
        changed += await self._apply_many(AGENCIES, snapshot.agencies)
        changed += await self._apply_many(SERVICES, snapshot.services)
        changed += await self._apply_many(COUNTERS, snapshot.counters)
        return changed

    async def _prepare(self) -> None:
        for name in (AGENCIES, SERVICES, COUNTERS, SETTINGS):
            await ensure_collection(self._db, name)
        await self._db[SERVICES].create_index([("agency_id", 1), ("code", 1)])
        await self._db[SERVICES].create_index("status")
        await self._db[COUNTERS].create_index("agency_id")

    async def _follow_snapshots(self) -> None:
        backoff = 0.25
        async with httpx.AsyncClient(timeout=self._timeout_seconds) as client:
            while True:
                try:
                    changed = await self.refresh(client)
                except Exception as exc:  # the catalog or our store is away: keep serving, retry
                    _log.warning("catalog snapshot failed", error=repr(exc), retry_in=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._retry_max_seconds)
                    continue
                backoff = 0.25
                if not self.ready.is_set():
                    _log.info("catalog read model ready", changed=changed)
                self.ready.set()
                if self._resync_seconds is None:
                    return
                await asyncio.sleep(self._resync_seconds)

    async def _on_entity(self, delivery: Delivery[Any]) -> None:
        state = delivery.payload
        collection = _COLLECTION_OF[type(state)]
        if await self._apply_one(collection, state, delivery.session):
            for hook in self._hooks:
                await hook(collection, state, delivery.session)

    async def _apply_one(self, collection: str, state: BaseModel, session: Session) -> bool:
        doc = _document(state)
        stored = await self._db[collection].find_one(
            {"_id": doc["_id"]}, {"version": 1}, session=session
        )
        if stored is not None and stored["version"] >= doc["version"]:
            return False
        await self._db[collection].replace_one(
            {"_id": doc["_id"]}, doc, upsert=True, session=session
        )
        return True

    async def _apply_many(self, collection: str, states: list[Any]) -> int:
        """Bulk form of the same rule, outside transactions: each write is conditional on the
        version, so it cannot undo a newer event handled meanwhile."""
        docs = [_document(s) for s in states]
        if not docs:
            return 0
        stored = {
            d["_id"]: d["version"]
            async for d in self._db[collection].find(
                {"_id": {"$in": [d["_id"] for d in docs]}}, {"version": 1}
            )
        }
        newer = [d for d in docs if stored.get(d["_id"], 0) < d["version"]]
        writes: list[InsertOne[Document] | ReplaceOne[Document]] = [
            InsertOne(d) if d["_id"] not in stored else _replace_if_older(d) for d in newer
        ]
        if not writes:
            return 0
        try:
            await self._db[collection].bulk_write(writes, ordered=False)
        except BulkWriteError as exc:
            # An event inserted some of them first: compare versions instead.
            raced = [
                newer[e["index"]] for e in exc.details.get("writeErrors", []) if e["code"] == 11000
            ]
            if len(raced) < len(exc.details.get("writeErrors", [])):
                raise
            if raced:
                await self._db[collection].bulk_write(
                    [_replace_if_older(d) for d in raced], ordered=False
                )
        return len(newer)

    async def _one(
        self, collection: str, entity_id: str, model: type[M], session: Session | None
    ) -> M | None:
        doc = await self._db[collection].find_one({"_id": entity_id}, session=session)
        return model.model_validate(doc) if doc is not None else None


_COLLECTION_OF: dict[type[BaseModel], str] = {
    AgencyState: AGENCIES,
    ServiceState: SERVICES,
    CounterState: COUNTERS,
    MppSettings: SETTINGS,
}


def _document(state: BaseModel) -> Document:
    data = state.model_dump(mode="json")
    return {"_id": SETTINGS_ID if isinstance(state, MppSettings) else data["id"], **data}


def _replace_if_older(doc: Document) -> ReplaceOne[Document]:
    return ReplaceOne({"_id": doc["_id"], "version": {"$lt": doc["version"]}}, doc)
