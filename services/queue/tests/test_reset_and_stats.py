"""The closing reset, and KPIs through the API on a constructed day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from mpp_kit.clock import utcnow
from mpp_kit.contracts.queue import TICKET_REMOVED
from mpp_queue.domain.ticket import HistoryEntry, Ticket

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_tickets_still_waiting_at_closing_are_removed_by_reset_once(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    called = await stack.issue(service)
    waiting = [await stack.issue(service) for _ in range(3)]
    await stack.call_next(counter, agency.id)
    reset = stack.queue_app.state.reset
    # Now: the MPP is open around the clock, so nothing of today is past closing.
    await reset.run()
    assert (await stack.ticket_doc(waiting[0]["id"]))["status"] == "waiting"
    # Tomorrow, today's waiting tickets are past closing; the called one is not "waiting".
    tomorrow = utcnow() + timedelta(days=1)
    assert await reset.run(tomorrow) >= 3
    for ticket in waiting:
        doc = await stack.ticket_doc(ticket["id"])
        assert doc["status"] == "removed_by_reset"
        assert doc["history"][-1]["action"] == "reset"
    assert (await stack.ticket_doc(called["id"]))["status"] == "called"
    removed_events = await stack.db.outbox.count_documents(
        {"ce_type": TICKET_REMOVED.ce_type, "key": service["id"]}
    )
    assert removed_events == 3
    # Again: nothing more to do, nothing more published.
    outbox = await stack.db.outbox.count_documents({})
    assert await reset.run(tomorrow) == 0
    assert await stack.db.outbox.count_documents({}) == outbox


async def test_the_closing_reset_can_be_run_by_the_mpp_admin_only(stack, agency):
    refused = await stack.queue.post(f"{API}/closing-reset", headers=agency.officer)
    assert refused.status_code == 403
    done = await stack.queue.post(f"{API}/closing-reset", headers=stack.admin)
    assert done.status_code == 200 and done.json()["removed"] >= 0


DAY = date(2025, 6, 2)  # a past day: nothing else in the store is on it
OPENING = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB


def _at(minutes: float | None) -> datetime | None:
    return None if minutes is None else OPENING + timedelta(minutes=minutes)


def _ticket(service, n, status, entered, called=None, ended=None, estimate=0, leg=0) -> Ticket:
    ticket_id = str(uuid.uuid4())
    return Ticket(
        id=ticket_id,
        visit_id=ticket_id,
        leg=leg,
        number=f"{service['ticket_prefix']}-{n:03d}",
        seq=n if leg == 0 else None,
        day=DAY,
        service_id=service["id"],
        agency_id=service["agency_id"],
        channel="kiosk",
        priority="regular",
        priority_status="none",
        call_class="walk_in",
        rank=2,
        arrived_at=_at(entered),
        entered_at=_at(entered),
        status=status,
        counter_id="c-1" if called is not None else None,
        officer_id="o-1" if called is not None else None,
        called_at=_at(called),
        first_called_at=_at(called),
        ended_at=_at(ended),
        first_estimate_minutes=estimate,
        target_wait_minutes=15,
        history=[HistoryEntry(at=_at(entered), action="issue:kiosk")],
    )


async def test_stats_of_a_constructed_day_match_the_hand_computed_kpis(stack, agency):
    service = await agency.add_service()
    second = await agency.add_service()
    day = [
        _ticket(service, 1, "served", 0, called=10, ended=20, estimate=5),
        _ticket(service, 2, "served", 5, called=25, ended=40, estimate=10),
        _ticket(service, 3, "no_show", 10, called=30, ended=35, estimate=20),
        _ticket(service, 4, "transferred", 12, called=22, ended=27, estimate=14),
        _ticket(service, 5, "cancelled_by_visitor", 15, ended=18, estimate=15),
        _ticket(service, 6, "removed_by_reset", 50, ended=480, estimate=30),
        _ticket(second, 4, "served", 27, called=30, ended=33, estimate=0, leg=1),
    ]

    async def write(session):
        for ticket in day:
            await stack.store.insert_ticket(session, ticket)

    await stack.queue_app.state.runtime.transaction(write)
    response = await stack.queue.get(
        f"{API}/stats", params={"day": DAY.isoformat()}, headers=agency.officer
    )
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["from"], stats["to"]) == (DAY.isoformat(), DAY.isoformat())
    first = next(s["kpis"] for s in stats["services"] if s["service_id"] == service["id"])
    # Waits (last call − entered): 600, 1200, 1200, 600 s; services: 600, 900, 300 s.
    assert first["issued"] == 6 and first["called"] == 4 and first["served"] == 2
    assert first["no_shows"] == 1 and first["no_show_rate"] == pytest.approx(1 / 4)
    assert first["cancelled_by_visitor"] == 1 and first["removed_by_reset"] == 1
    assert first["average_waiting_seconds"] == pytest.approx(900)
    assert first["p90_waiting_seconds"] == 1200
    assert first["average_service_seconds"] == pytest.approx(600)
    assert first["service_level"] == pytest.approx(2 / 4)  # 600 and 600 are within 15 min
    assert first["estimate_mean_absolute_error_minutes"] == pytest.approx((5 + 10 + 0 + 4) / 4)
    assert first["estimate_mean_error_minutes"] == pytest.approx((5 + 10 + 0 - 4) / 4)
    # The agency: all seven, the transferred-in one counted as such, not as issued.
    [agency_kpis] = [a["kpis"] for a in stats["agencies"] if a["agency_id"] == agency.id]
    assert agency_kpis["issued"] == 6 and agency_kpis["transferred_in"] == 1
    assert agency_kpis["called"] == 5 and agency_kpis["served"] == 3
    assert agency_kpis["average_waiting_seconds"] == pytest.approx(3780 / 5)
    assert agency_kpis["service_level"] == pytest.approx(3 / 5)
    # A range that includes the day says the same; a range without it says nothing.
    ranged = await stack.queue.get(
        f"{API}/stats",
        params={"from": "2025-06-01", "to": "2025-06-30", "service_id": service["id"]},
        headers=agency.officer,
    )
    assert ranged.json()["services"][0]["kpis"] == first
    empty = await stack.queue.get(
        f"{API}/stats", params={"day": "2025-06-03"}, headers=agency.officer
    )
    assert empty.json()["services"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-06-03", "to": "2025-06-01"}, "to"),
        ({"from": "2024-01-01", "to": "2025-06-01"}, "to"),
        ({"day": "yesterday"}, "day"),
        ({"day": "2025-06-01", "from": "2025-06-01"}, "day"),
    ],
)
async def test_bad_stats_ranges_are_refused_naming_the_field(stack, agency, params, field):
    response = await stack.queue.get(f"{API}/stats", params=params, headers=agency.officer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
