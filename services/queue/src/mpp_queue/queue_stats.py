"""KPIs per service and per agency over a day or a range (definitions: domain.kpis)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from mpp_queue.api_models import AgencyKpis, ServiceKpis, Stats
from mpp_queue.domain.kpis import TicketFacts, compute_kpis
from mpp_queue.store import QueueStore


async def queue_stats(
    store: QueueStore,
    first: date,
    last: date,
    *,
    agency_id: str | None = None,
    service_id: str | None = None,
) -> Stats:
    tickets = await store.tickets_of_days(first, last, agency_id=agency_id, service_id=service_id)
    by_service: dict[tuple[str, str], list[TicketFacts]] = defaultdict(list)
    by_agency: dict[str, list[TicketFacts]] = defaultdict(list)
    for ticket in tickets:
        facts = ticket.facts()
        by_service[(ticket.agency_id, ticket.service_id)].append(facts)
        by_agency[ticket.agency_id].append(facts)
    return Stats(
        first_day=first,
        last_day=last,
        services=[
            ServiceKpis(service_id=sid, agency_id=aid, kpis=compute_kpis(facts))
            for (aid, sid), facts in sorted(by_service.items())
        ],
        agencies=[
            AgencyKpis(agency_id=aid, kpis=compute_kpis(facts))
            for aid, facts in sorted(by_agency.items())
        ],
    )
