"""``/api/v1/queue/stats`` (KPIs) and the closing reset, for staff."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from mpp_kit.auth import CurrentPrincipal, Role, require_roles
from mpp_kit.problems import forbidden, invalid_field
from mpp_queue import clock
from mpp_queue.access import STAFF, require_staff_of
from mpp_queue.api_models import ResetResult, Stats
from mpp_queue.catalog_cache import CatalogCache
from mpp_queue.catalog_rules import mpp_settings
from mpp_queue.closing_reset import ClosingReset
from mpp_queue.domain.ticket_numbering import numbering_day
from mpp_queue.queue_stats import queue_stats
from mpp_queue.store import QueueStore

MAX_DAYS = 366


def stats_routes(store: QueueStore, catalog: CatalogCache, reset: ClosingReset) -> APIRouter:
    router = APIRouter(prefix="/api/v1/queue", tags=["stats"])

    @router.get("/stats", response_model=Stats)
    async def stats(
        principal: CurrentPrincipal,
        first: Annotated[date | None, Query(alias="from", description="first local day")] = None,
        last: Annotated[date | None, Query(alias="to", description="last local day")] = None,
        day: Annotated[date | None, Query(description="one local day (instead of from/to)")] = None,
        agency_id: Annotated[str | None, Query(max_length=40)] = None,
        service_id: Annotated[str | None, Query(max_length=100)] = None,
    ) -> Stats:
        """KPIs per service and per agency (DOMAIN.md definitions). Staff see their own agency;
        the mpp_admin any, or all. Default: today, in the MPP's local day."""
        require_roles(principal, *STAFF, Role.MPP_ADMIN)
        if not principal.is_mpp_admin:
            agency_id = agency_id or principal.agency_id
            if agency_id is None:
                raise forbidden("Your account belongs to no agency.")
            require_staff_of(principal, agency_id)
        if day is not None:
            if first is not None or last is not None:
                raise invalid_field("day", "give either day, or from and to")
            first = last = day
        if first is None or last is None:
            today = numbering_day(clock.now(), (await mpp_settings(catalog)).timezone)
            first, last = first or last or today, last or first or today
        if last < first:
            raise invalid_field("to", "must not be before from")
        if last - first >= timedelta(days=MAX_DAYS):
            raise invalid_field("to", f"a range covers at most {MAX_DAYS} days")
        return await queue_stats(store, first, last, agency_id=agency_id, service_id=service_id)

    @router.post("/closing-reset", response_model=ResetResult)
    async def run_closing_reset(principal: CurrentPrincipal) -> ResetResult:
        """Close every ticket that is still waiting past its service's closing, now (the job
        does this every minute anyway)."""
        require_roles(principal, Role.MPP_ADMIN)
        return ResetResult(removed=await reset.run())

    return router
