"""The catalog's MongoDB: a collection per entity; every change and its event in one transaction.

Entity documents are the contract state in its JSON form (``_id`` = the entity's id) plus a
``search_text`` for the public search. Uniqueness — agency code, service code within an agency,
ticket prefix among active services, counter number — is enforced by unique indexes, never by a
read before the write, so two concurrent creators cannot both win; the loser gets a 409.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast, get_args

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pymongo.errors import DuplicateKeyError

from mpp_catalog import search
from mpp_kit import idempotency
from mpp_kit.clock import utcnow
from mpp_kit.contracts.catalog import (
    SETTINGS_UPDATED,
    AgencyState,
    CatalogSnapshot,
    CounterState,
    MppSettings,
    ServiceState,
    Timezone,
    Versioned,
)
from mpp_kit.events import EventType
from mpp_kit.http import validation_problem
from mpp_kit.mongo import Document, Session, ensure_collection
from mpp_kit.problems import Problem, conflict, invalid_field, not_found
from mpp_kit.runtime import ServiceRuntime

AGENCIES = "agencies"
SERVICES = "services"
COUNTERS = "counters"
SETTINGS = "settings"
API_KEYS = "api_keys"
WEBHOOKS = "webhooks"
SETTINGS_ID = "mpp"
MAX_PAGE = 200

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Which field a unique index protects, for the 409 that names it.
_UNIQUE_FIELD = {
    ("_id",): "code",
    ("agency_id", "code"): "code",
    ("ticket_prefix",): "ticket_prefix",
    ("number",): "number",
}


def stamp(instant: datetime) -> str:
    """Times as fixed-width ISO strings, so that they sort as they compare."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from merged data; a bad field is a 422 naming it (as request validation is)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise validation_problem(RequestValidationError(errors)) from exc


def duplicate_problem(exc: DuplicateKeyError) -> Problem:
    details = exc.details or {}
    pattern = tuple((details.get("keyPattern") or {}).keys())
    field = _UNIQUE_FIELD.get(pattern, pattern[-1] if pattern else "id")
    value = (details.get("keyValue") or {}).get(pattern[-1] if pattern else "_id")
    return conflict(
        f"{field} {value!r} is already taken.",
        kind="duplicate",
        errors=[{"field": field, "message": "already taken"}],
    )


def service_search_text(service: ServiceState, agency: AgencyState | None) -> str:
    """Found by its name, code, description, keywords, requirements, product and agency."""
    agency_words = [agency.name, agency.short_name, agency.code] if agency else []
    return search.search_text(
        service.name,
        service.code,
        service.description,
        *service.keywords,
        *service.standard.persyaratan,
        *service.standard.produk,
        *agency_words,
    )


def agency_search_text(agency: AgencyState) -> str:
    return search.search_text(agency.name, agency.short_name, agency.code)


class CatalogStore:
    """Reads and versioned writes of the catalog's entities."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.db = runtime.db

    async def prepare(self) -> None:
        for name in (AGENCIES, SERVICES, COUNTERS, SETTINGS, API_KEYS, WEBHOOKS):
            await ensure_collection(self.db, name)
        services = self.db[SERVICES]
        await services.create_index([("agency_id", 1), ("code", 1)], unique=True)
        # A ticket prefix is unique among active services; a retired one frees its prefix.
        await services.create_index(
            "ticket_prefix", unique=True, partialFilterExpression={"status": "active"}
        )
        await services.create_index([("status", 1), ("agency_id", 1), ("code", 1)])
        await self.db[COUNTERS].create_index("number", unique=True)
        await self.db[COUNTERS].create_index("agency_id")
        await self.db[API_KEYS].create_index("prefix", unique=True)
        await self.db[API_KEYS].create_index([("agency_id", 1), ("created_at", 1)])
        await self.db[WEBHOOKS].create_index([("agency_id", 1), ("created_at", 1)])
        await self.db[WEBHOOKS].create_index("event_types")
        await self._ensure_settings()

    async def _ensure_settings(self) -> None:
        """The MPP's settings exist from the first start, announced like every later change."""
        if await self.db[SETTINGS].find_one({"_id": SETTINGS_ID}) is not None:
            return
        initial = MppSettings(version=1, updated_at=utcnow(), timezone=self._timezone())

        async def create(session: Session) -> None:
            await self.insert(session, SETTINGS, initial, SETTINGS_UPDATED)

        try:
            await self.runtime.transaction(create)
        except DuplicateKeyError:
            pass  # another replica created them first

    def _timezone(self) -> Timezone:
        """The zone from ``MPP_TIMEZONE`` when it is one of Indonesia's three."""
        zone = self.runtime.settings.timezone
        for known in get_args(Timezone):
            if zone == known:
                return cast(Timezone, known)
        return "Asia/Jakarta"

    # --- reads ---------------------------------------------------------------------------------

    async def settings(self, session: Session | None = None) -> MppSettings:
        doc = await self.db[SETTINGS].find_one({"_id": SETTINGS_ID}, session=session)
        if doc is None:
            raise not_found("settings", SETTINGS_ID)
        return MppSettings.model_validate(doc)

    async def find_agency(self, code: str, session: Session | None = None) -> AgencyState | None:
        doc = await self.db[AGENCIES].find_one({"_id": code}, session=session)
        return AgencyState.model_validate(doc) if doc is not None else None

    async def agency(self, code: str, session: Session | None = None) -> AgencyState:
        agency = await self.find_agency(code, session)
        if agency is None:
            raise not_found("agency", code)
        return agency

    async def service(self, service_id: str, session: Session | None = None) -> ServiceState:
        doc = await self.db[SERVICES].find_one({"_id": service_id}, session=session)
        if doc is None:
            raise not_found("service", service_id)
        return ServiceState.model_validate(doc)

    async def services_by_id(
        self, ids: list[str], session: Session | None = None
    ) -> dict[str, ServiceState]:
        docs = await self.db[SERVICES].find({"_id": {"$in": ids}}, session=session).to_list()
        return {d["_id"]: ServiceState.model_validate(d) for d in docs}

    async def counter(self, counter_id: str, session: Session | None = None) -> CounterState:
        doc = await self.db[COUNTERS].find_one({"_id": counter_id}, session=session)
        if doc is None:
            raise not_found("counter", counter_id)
        return CounterState.model_validate(doc)

    async def inactive_agency_ids(self) -> list[str]:
        return [d["_id"] async for d in self.db[AGENCIES].find({"active": False}, {"_id": 1})]

    async def page(
        self,
        collection: str,
        query: Document,
        sort: tuple[str, ...],
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Document], str | None]:
        """One page in ``sort`` order (``_id`` breaks ties) and the cursor of the next."""
        keys = (*sort, "_id")
        if cursor is not None:
            query = {"$and": [query, _after(keys, _decode_cursor(cursor, len(keys)))]}
        docs = (
            await self.db[collection]
            .find(query)
            .sort([(k, 1) for k in keys])
            .limit(limit + 1)
            .to_list()
        )
        if len(docs) <= limit:
            return docs, None
        docs = docs[:limit]
        return docs, _encode_cursor([docs[-1].get(k) for k in keys])

    async def snapshot(self) -> CatalogSnapshot:
        return CatalogSnapshot(
            settings=await self.settings(),
            agencies=[AgencyState.model_validate(d) async for d in self.db[AGENCIES].find()],
            services=[ServiceState.model_validate(d) async for d in self.db[SERVICES].find()],
            counters=[CounterState.model_validate(d) async for d in self.db[COUNTERS].find()],
        )

    # --- writes (inside the caller's transaction) -----------------------------------------------

    async def insert(
        self,
        session: Session,
        collection: str,
        state: BaseModel,
        event_type: EventType[Any],
        **extra: Any,
    ) -> None:
        """Store a new entity at its version 1 and record its event."""
        await self.db[collection].insert_one(_document(state, extra), session=session)
        await self.runtime.publish(session, event_type, state)

    async def replace(
        self,
        session: Session,
        collection: str,
        state: Any,
        event_type: EventType[Any],
        **extra: Any,
    ) -> None:
        """Store the next version of an entity (it must still be at the one before) and record
        its event."""
        doc = _document(state, extra)
        result = await self.db[collection].replace_one(
            {"_id": doc["_id"], "version": state.version - 1}, doc, session=session
        )
        if result.matched_count != 1:
            raise conflict("It was changed at the same moment; read it again and retry.")
        await self.runtime.publish(session, event_type, state)

    async def write(
        self,
        work: Callable[[Session], Awaitable[dict[str, Any]]],
        *,
        scope: str | None = None,
        idempotency_key: str | None = None,
        request: Any = None,
    ) -> dict[str, Any]:
        """Run ``work`` in one transaction — once per ``Idempotency-Key`` when one is given —
        turning a unique-index violation into a 409 that names the field."""
        try:
            if scope is None:
                return await self.runtime.transaction(work)
            return await idempotency.once(
                self.runtime.transaction,
                self.db,
                scope,
                idempotency.validate_key(idempotency_key),
                request,
                work,
            )
        except DuplicateKeyError as exc:
            raise duplicate_problem(exc) from exc


def _document(state: BaseModel, extra: dict[str, Any]) -> Document:
    data = state.model_dump(mode="json")
    return {"_id": data.get("id", SETTINGS_ID), **data, **extra}


def next_version(current: Versioned, changes: dict[str, Any]) -> dict[str, Any]:
    """The data of ``current`` with ``changes`` applied, one version further."""
    return {
        **current.model_dump(),
        **changes,
        "version": current.version + 1,
        "updated_at": utcnow(),
    }


def unchanged(before: BaseModel, after: BaseModel) -> bool:
    ignore = {"version", "updated_at"}
    return before.model_dump(exclude=ignore) == after.model_dump(exclude=ignore)


def _after(keys: tuple[str, ...], values: list[Any]) -> Document:
    """Keyset condition: strictly after ``values`` in the order of ``keys``."""
    branches = []
    for i, key in enumerate(keys):
        branch: Document = {k: values[j] for j, k in enumerate(keys[:i])}
        branch[key] = {"$gt": values[i]}
        branches.append(branch)
    return {"$or": branches}


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise invalid_field("cursor", "is not a cursor of this list") from exc
    if not isinstance(values, list) or len(values) != length:
        raise invalid_field("cursor", "is not a cursor of this list")
    return values
