"""``/api/v1/catalog``: the MPP's settings, agencies, services and counters — public reads and staff
changes. Each change bumps the entity's version and records its event in the same transaction."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from pydantic import AwareDatetime, BaseModel

from mpp_catalog import access, search
from mpp_catalog.api_models import (
    AgencyCreate,
    AgencyPatch,
    CounterCreate,
    CounterPatch,
    Page,
    ServiceCreate,
    ServicePatch,
    SettingsPatch,
    View,
    changes,
)
from mpp_catalog.public_view import (
    OpeningNow,
    PublicAgency,
    PublicService,
    PublicServicePage,
    opening_now,
    public_agency,
    public_service,
)
from mpp_catalog.store import (
    AGENCIES,
    COUNTERS,
    SERVICES,
    SETTINGS,
    CatalogStore,
    agency_search_text,
    next_version,
    service_search_text,
    unchanged,
    validated,
)
from mpp_kit.auth import CurrentPrincipal, OptionalPrincipal, Principal
from mpp_kit.clock import utcnow
from mpp_kit.contracts.catalog import (
    AGENCY_UPSERTED,
    COUNTER_UPSERTED,
    SERVICE_RETIRED,
    SERVICE_UPSERTED,
    SETTINGS_UPDATED,
    AgencyState,
    CounterState,
    MppSettings,
    ServiceState,
)
from mpp_kit.mongo import Document, Session
from mpp_kit.problems import conflict, invalid_field, not_found, unauthorized

Limit = Annotated[int, Query(ge=1, le=200)]
IdempotencyKey = Annotated[str | None, Header()]
Json = dict[str, Any]


def catalog_routes(store: CatalogStore) -> APIRouter:
    router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

    # --- settings ------------------------------------------------------------------------------

    @router.get("/settings", response_model=MppSettings)
    async def get_settings() -> MppSettings:
        """The MPP's name, address, time zone, opening hours and closed days (public)."""
        return await store.settings()

    @router.patch("/settings", response_model=MppSettings)
    async def patch_settings(body: SettingsPatch, principal: CurrentPrincipal) -> Json:
        """Change the MPP's settings (mpp_admin)."""
        access.require_mpp_admin(principal)

        async def work(session: Session) -> Json:
            current = await store.settings(session)
            new = validated(MppSettings, next_version(current, changes(body)))
            if unchanged(current, new):
                return current.model_dump(mode="json")
            await store.replace(session, SETTINGS, new, SETTINGS_UPDATED)
            return new.model_dump(mode="json")

        return await store.write(work)

    # --- agencies ------------------------------------------------------------------------------

    @router.get("/agencies", response_model=Page[PublicAgency])
    async def list_agencies(
        principal: OptionalPrincipal,
        q: str | None = None,
        include_inactive: bool = False,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Json:
        """Agencies by name (public); `q` searches their names. Inactive ones: mpp_admin only."""
        query: Document = _text_query(q)
        if not (include_inactive and principal is not None and principal.is_mpp_admin):
            query["active"] = True
        docs, next_cursor = await store.page(AGENCIES, query, ("name",), limit, cursor)
        items = [public_agency(AgencyState.model_validate(d)) for d in docs]
        return {"items": items, "next_cursor": next_cursor}

    @router.get("/agencies/{code}", response_model=AgencyState | PublicAgency)
    async def get_agency(
        code: str, principal: OptionalPrincipal, view: View = "public"
    ) -> BaseModel:
        """One agency with its maklumat pelayanan; `view=full` (its staff) adds the version."""
        agency = await store.agency(code)
        if view == "full":
            access.require_reader(_signed_in(principal), agency.id)
            return agency
        if not agency.active and not access.may_read(principal, agency.id):
            raise not_found("agency", code)
        return public_agency(agency)

    @router.post("/agencies", status_code=201, response_model=AgencyState)
    async def create_agency(
        body: AgencyCreate, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
    ) -> Json:
        """Add an agency (mpp_admin). Its code is its id; a taken code is a 409."""
        access.require_mpp_admin(principal)
        state = AgencyState(**body.model_dump(), id=body.code, version=1, updated_at=utcnow())

        async def work(session: Session) -> Json:
            await store.insert(
                session, AGENCIES, state, AGENCY_UPSERTED, search_text=agency_search_text(state)
            )
            return state.model_dump(mode="json")

        return await store.write(
            work,
            scope="agencies",
            idempotency_key=idempotency_key,
            request=body.model_dump(mode="json"),
        )

    @router.patch("/agencies/{code}", response_model=AgencyState)
    async def patch_agency(code: str, body: AgencyPatch, principal: CurrentPrincipal) -> Json:
        """Edit an agency (its agency_admin; activation: mpp_admin)."""
        access.require_editor(principal, code)
        if body.active is not None:
            access.require_may_set_active(principal)

        async def work(session: Session) -> Json:
            current = await store.agency(code, session)
            new = validated(AgencyState, next_version(current, changes(body)))
            if unchanged(current, new):
                return current.model_dump(mode="json")
            await store.replace(
                session, AGENCIES, new, AGENCY_UPSERTED, search_text=agency_search_text(new)
            )
            if (new.name, new.short_name) != (current.name, current.short_name):
                await _refresh_service_search(session, new)
            return new.model_dump(mode="json")

        return await store.write(work)

    async def _refresh_service_search(session: Session, agency: AgencyState) -> None:
        """Services are found by their agency's name too."""
        async for doc in store.db[SERVICES].find({"agency_id": agency.id}, session=session):
            text = service_search_text(ServiceState.model_validate(doc), agency)
            await store.db[SERVICES].update_one(
                {"_id": doc["_id"]}, {"$set": {"search_text": text}}, session=session
            )

    # --- services ------------------------------------------------------------------------------

    @router.get("/services", response_model=Page[ServiceState] | Page[PublicService])
    async def list_services(
        principal: OptionalPrincipal,
        q: str | None = None,
        agency_id: str | None = None,
        view: View = "public",
        status: str = "active",
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Json:
        """Search services in Bahasa Indonesia by name, keyword or requirement (`q`), by agency.

        The public view (default) shows active services and the six public components of their
        standard. `view=full` (staff and systems of the agency, or the mpp_admin) shows all of it,
        and `status` may then be `active`, `retired` or `all`.
        """
        query: Document = _text_query(q)
        if view == "full":
            agency_id = access.readable_agency(_signed_in(principal), agency_id)
            if status not in ("active", "retired", "all"):
                raise invalid_field("status", "must be active, retired or all")
            if status != "all":
                query["status"] = status
            if agency_id is not None:
                query["agency_id"] = agency_id
        else:
            if status != "active":
                raise invalid_field("status", "the public view lists active services only")
            query["status"] = "active"
            hidden = {"$nin": await store.inactive_agency_ids()}
            query["agency_id"] = hidden if agency_id is None else {"$eq": agency_id, **hidden}
        docs, next_cursor = await store.page(SERVICES, query, ("agency_id", "code"), limit, cursor)
        states = [ServiceState.model_validate(d) for d in docs]
        items = states if view == "full" else [public_service(s) for s in states]
        return {"items": items, "next_cursor": next_cursor}

    @router.get("/services/{service_id}", response_model=ServiceState | PublicService)
    async def get_service(
        service_id: str, principal: OptionalPrincipal, view: View = "public"
    ) -> BaseModel:
        """One service: public view, or `view=full` for its agency's staff and systems."""
        service = await store.service(service_id)
        if view == "full":
            access.require_reader(_signed_in(principal), service.agency_id)
            return service
        return public_service(service)

    @router.get("/services/{service_id}/page", response_model=PublicServicePage)
    async def service_page(service_id: str) -> PublicServicePage:
        """A public page's data: the service, its agency and maklumat, and whether it is open."""
        service = await store.service(service_id)
        agency = await store.agency(service.agency_id)
        opening = opening_now(service, await store.settings(), utcnow(), agency.active)
        return PublicServicePage(
            service=public_service(service), agency=public_agency(agency), opening=opening
        )

    @router.get("/services/{service_id}/availability-now", response_model=OpeningNow)
    async def availability_now(service_id: str, at: AwareDatetime | None = None) -> OpeningNow:
        """Whether the service is open now, and its next opening, on the real calendar: weekends,
        national holidays and cuti bersama (unless the MPP ignores them), the MPP's closed days.
        `at` (ISO 8601 with offset) asks about another moment instead of now."""
        service = await store.service(service_id)
        agency = await store.find_agency(service.agency_id)
        active = agency is not None and agency.active
        return opening_now(service, await store.settings(), at or utcnow(), active)

    @router.post("/services", status_code=201, response_model=ServiceState)
    async def create_service(
        body: ServiceCreate, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
    ) -> Json:
        """Add a service with its full standard (the agency's agency_admin, or the mpp_admin)."""
        access.require_editor(principal, body.agency_id)
        state = ServiceState(
            **body.model_dump(),
            id=str(uuid.uuid4()),
            status="active",
            version=1,
            updated_at=utcnow(),
        )

        async def work(session: Session) -> Json:
            agency = await store.find_agency(body.agency_id, session)
            if agency is None:
                raise invalid_field("agency_id", f"no agency with code {body.agency_id!r}")
            await store.insert(
                session,
                SERVICES,
                state,
                SERVICE_UPSERTED,
                search_text=service_search_text(state, agency),
            )
            return state.model_dump(mode="json")

        return await store.write(
            work,
            scope=f"services:{principal.user_id}",
            idempotency_key=idempotency_key,
            request=body.model_dump(mode="json"),
        )

    @router.patch("/services/{service_id}", response_model=ServiceState)
    async def patch_service(
        service_id: str, body: ServicePatch, principal: CurrentPrincipal
    ) -> Json:
        """Change a service; fields not sent stay as they are (`standard` is replaced whole)."""
        access.require_editor(principal, (await store.service(service_id)).agency_id)

        async def work(session: Session) -> Json:
            current = await store.service(service_id, session)
            if current.status == "retired":
                raise conflict("A retired service cannot be changed.", kind="service-retired")
            new = validated(ServiceState, next_version(current, changes(body)))
            if unchanged(current, new):
                return current.model_dump(mode="json")
            agency = await store.find_agency(new.agency_id, session)
            await store.replace(
                session,
                SERVICES,
                new,
                SERVICE_UPSERTED,
                search_text=service_search_text(new, agency),
            )
            return new.model_dump(mode="json")

        return await store.write(work)

    @router.post("/services/{service_id}/retire", response_model=ServiceState)
    async def retire_service(service_id: str, principal: CurrentPrincipal) -> Json:
        """Retire a service: no new tickets or bookings; its ticket prefix becomes free.
        Retiring a retired service changes nothing."""
        access.require_editor(principal, (await store.service(service_id)).agency_id)

        async def work(session: Session) -> Json:
            current = await store.service(service_id, session)
            if current.status == "retired":
                return current.model_dump(mode="json")
            new = validated(ServiceState, next_version(current, {"status": "retired"}))
            agency = await store.find_agency(new.agency_id, session)
            await store.replace(
                session,
                SERVICES,
                new,
                SERVICE_RETIRED,
                search_text=service_search_text(new, agency),
            )
            return new.model_dump(mode="json")

        return await store.write(work)

    # --- counters ------------------------------------------------------------------------------

    @router.get("/counters", response_model=Page[CounterState])
    async def list_counters(
        agency_id: str | None = None,
        service_id: str | None = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Json:
        """Counters by number (public: they are signs in the building), by agency or service."""
        query: Document = {}
        if agency_id is not None:
            query["agency_id"] = agency_id
        if service_id is not None:
            query["service_ids"] = service_id
        docs, next_cursor = await store.page(COUNTERS, query, ("number",), limit, cursor)
        return {
            "items": [CounterState.model_validate(d) for d in docs],
            "next_cursor": next_cursor,
        }

    @router.get("/counters/{counter_id}", response_model=CounterState)
    async def get_counter(counter_id: str) -> CounterState:
        return await store.counter(counter_id)

    @router.post("/counters", status_code=201, response_model=CounterState)
    async def create_counter(
        body: CounterCreate, principal: CurrentPrincipal, idempotency_key: IdempotencyKey = None
    ) -> Json:
        """Add a counter serving some of its agency's services; a taken number is a 409."""
        access.require_editor(principal, body.agency_id)
        state = CounterState(
            **body.model_dump(), id=str(uuid.uuid4()), version=1, updated_at=utcnow()
        )

        async def work(session: Session) -> Json:
            if await store.find_agency(body.agency_id, session) is None:
                raise invalid_field("agency_id", f"no agency with code {body.agency_id!r}")
            await _check_counter_services(session, state.agency_id, state.service_ids, [])
            await store.insert(session, COUNTERS, state, COUNTER_UPSERTED)
            return state.model_dump(mode="json")

        return await store.write(
            work,
            scope=f"counters:{principal.user_id}",
            idempotency_key=idempotency_key,
            request=body.model_dump(mode="json"),
        )

    @router.patch("/counters/{counter_id}", response_model=CounterState)
    async def patch_counter(
        counter_id: str, body: CounterPatch, principal: CurrentPrincipal
    ) -> Json:
        access.require_editor(principal, (await store.counter(counter_id)).agency_id)

        async def work(session: Session) -> Json:
            current = await store.counter(counter_id, session)
            new = validated(CounterState, next_version(current, changes(body)))
            if unchanged(current, new):
                return current.model_dump(mode="json")
            await _check_counter_services(
                session, new.agency_id, new.service_ids, current.service_ids
            )
            await store.replace(session, COUNTERS, new, COUNTER_UPSERTED)
            return new.model_dump(mode="json")

        return await store.write(work)

    async def _check_counter_services(
        session: Session, agency_id: str, service_ids: list[str], before: list[str]
    ) -> None:
        """A counter serves services of its own agency (DOMAIN.md); newly added ones are active."""
        if len(set(service_ids)) != len(service_ids):
            raise invalid_field("service_ids", "lists a service twice")
        found = await store.services_by_id(service_ids, session)
        for service_id in service_ids:
            service = found.get(service_id)
            if service is None or service.agency_id != agency_id:
                raise invalid_field(
                    "service_ids", f"{service_id} is not a service of agency {agency_id}"
                )
            if service.status != "active" and service_id not in before:
                raise invalid_field("service_ids", f"{service_id} is retired")

    return router


def _text_query(q: str | None) -> Document:
    """Every term of the query occurs in the document's search text (see :mod:`search`)."""
    terms = search.query_terms(q or "")
    if not terms:
        return {}
    return {"$and": [{"search_text": {"$regex": re.escape(t)}} for t in terms]}


def _signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise unauthorized()
    return principal
