"""Call-next at counters: the call order, no double call, transfers keep their place."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaProducer
from mpp_testing import eventually

from mpp_kit.clock import utcnow
from mpp_kit.contracts.booking import BOOKING_CHECKED_IN, BookingCheckedIn
from mpp_kit.contracts.queue import TICKET_CALLED
from mpp_kit.events import Envelope, new_event_id

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def check_in(stack, infra, booking: BookingCheckedIn, *, event_id: str | None = None):
    envelope = Envelope(
        id=event_id or new_event_id(),
        type=BOOKING_CHECKED_IN.ce_type,
        source=BOOKING_CHECKED_IN.source,
        time=utcnow(),
        data=booking.model_dump_json().encode(),
    )
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            stack.settings.topic(BOOKING_CHECKED_IN.topic),
            value=envelope.data,
            key=booking.booking_id.encode(),
            headers=envelope.kafka_headers(),
        )
    finally:
        await producer.stop()


def booking_for(service, **overrides) -> BookingCheckedIn:
    now = utcnow()
    fields = {
        "booking_id": f"bk-{uuid.uuid4().hex[:8]}",
        "service_id": service["id"],
        "agency_id": service["agency_id"],
        "slot_start": now + timedelta(minutes=5),
        "checked_in_at": now,
        "contact": {"email": "warga@example.id"},
        "consent": True,
    }
    return BookingCheckedIn.model_validate({**fields, **overrides})


async def called_numbers(stack, counter, agency_id, count):
    numbers = []
    for _ in range(count):
        response = await stack.call_next(counter, agency_id)
        assert response.status_code == 200, response.text
        ticket = response.json()
        numbers.append(ticket["number"])
        # Free the counter for the next call.
        assert (await stack.step(ticket["id"], "no-show", agency_id)).status_code == 200
    return numbers


async def test_priority_first_then_booked_then_walk_ins_each_first_come_first_called(
    stack, agency, infra
):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    walk_1 = await stack.issue(service)
    elderly = await stack.issue(service, priority="elderly")
    walk_2 = await stack.issue(service, channel="online")
    booking = booking_for(service)
    await check_in(stack, infra, booking)
    booked = await eventually(lambda: stack.db.tickets.find_one({"booking_id": booking.booking_id}))
    pregnant = await stack.issue(service, priority="pregnant")
    numbers = await called_numbers(stack, counter, agency.id, 5)
    assert numbers == [
        elderly["number"],
        pregnant["number"],
        booked["number"],
        walk_1["number"],
        walk_2["number"],
    ]
    assert (await stack.call_next(counter, agency.id)).status_code == 204


async def test_a_counter_calls_across_its_services_by_the_same_order(stack, agency):
    first_service = await agency.add_service()
    second_service = await agency.add_service()
    counter = await agency.add_counter(first_service, second_service)
    await agency.open_counter(counter)
    a1 = await stack.issue(first_service)
    b1 = await stack.issue(second_service)
    b2 = await stack.issue(second_service, priority="disability")
    a2 = await stack.issue(first_service)
    numbers = await called_numbers(stack, counter, agency.id, 4)
    assert numbers == [b2["number"], a1["number"], b1["number"], a2["number"]]


async def test_ten_counters_calling_at_once_never_get_the_same_ticket(stack, agency):
    service = await agency.add_service()
    counters = [await agency.add_counter(service) for _ in range(10)]
    for i, counter in enumerate(counters):
        await agency.open_counter(counter, who=f"officer-{i}")
    issued = await asyncio.gather(*[stack.issue(service) for _ in range(30)])

    async def work_counter(i: int, counter) -> list[str]:
        headers = stack.officer(agency.id, f"officer-{i}")
        got = []
        while True:
            response = await stack.queue.post(
                f"{API}/counters/{counter['id']}/call-next", headers=headers
            )
            if response.status_code == 204:
                return got
            assert response.status_code == 200, response.text
            got.append(response.json()["id"])
            finish = [
                await stack.queue.post(f"{API}/tickets/{got[-1]}/{step}", headers=headers)
                for step in ("start", "finish")
            ]
            assert [r.status_code for r in finish] == [200, 200]

    calls = await asyncio.gather(*[work_counter(i, c) for i, c in enumerate(counters)])
    every_call = [ticket for counter_calls in calls for ticket in counter_calls]
    assert len(every_call) == 30
    assert set(every_call) == {t["id"] for t in issued}
    assert sum(1 for c in calls if c) > 1  # the counters really competed
    events = await stack.db.outbox.count_documents(
        {"ce_type": TICKET_CALLED.ce_type, "key": service["id"]}
    )
    assert events == 30


async def test_a_transferred_ticket_keeps_its_number_and_its_arrival(stack, agency):
    desk = await agency.add_service()
    cashier = await agency.add_service()
    desk_counter = await agency.add_counter(desk)
    cashier_counter = await agency.add_counter(cashier)
    await agency.open_counter(desk_counter)
    await agency.open_counter(cashier_counter)
    early = await stack.issue(desk)  # arrives first, at the desk
    late_1 = await stack.issue(cashier)
    late_2 = await stack.issue(cashier)
    called = (await stack.call_next(desk_counter, agency.id)).json()
    assert called["id"] == early["id"]
    assert (await stack.step(early["id"], "start", agency.id)).status_code == 200
    moved = await stack.step(early["id"], "transfer", agency.id, json={"service_id": cashier["id"]})
    assert moved.status_code == 200, moved.text
    old = moved.json()
    assert old["status"] == "transferred" and old["transferred_to"]
    new = await stack.ticket_doc(old["transferred_to"])
    assert new["number"] == early["number"]
    assert new["arrived_at"] == (await stack.ticket_doc(early["id"]))["arrived_at"]
    assert new["status"] == "waiting" and new["service_id"] == cashier["id"]
    # It arrived before the two who were waiting at the cashier, so it is called first.
    numbers = await called_numbers(stack, cashier_counter, agency.id, 3)
    assert numbers == [early["number"], late_1["number"], late_2["number"]]
    # The visitor's token follows the visit.
    seen = await stack.queue.get(f"{API}/tickets/{new['_id']}", params={"token": early["token"]})
    assert seen.status_code == 200


async def test_one_booking_checked_in_three_times_gives_one_ticket(stack, agency, infra):
    service = await agency.add_service()
    booking = booking_for(service)
    event_id = new_event_id()
    for _ in range(3):
        await check_in(stack, infra, booking, event_id=event_id)
    # A second, distinct check-in event for the same booking changes nothing either.
    await check_in(stack, infra, booking)
    later = await stack.issue(service)  # proves the consumer got past the check-ins
    await eventually(lambda: stack.db.tickets.find_one({"booking_id": booking.booking_id}))
    await eventually(lambda: _handled(stack, 2))
    await asyncio.sleep(0.5)
    tickets = await stack.db.tickets.find({"service_id": service["id"]}).to_list()
    booked = [t for t in tickets if t.get("booking_id") == booking.booking_id]
    assert len(booked) == 1
    assert booked[0]["channel"] == "booking" and booked[0]["call_class"] == "booked"
    assert booked[0]["contact"] == {"email": "warga@example.id"}
    assert {t["_id"] for t in tickets} == {booked[0]["_id"], later["id"]}


async def _handled(stack, at_least: int) -> bool:
    count = await stack.db.processed_events.count_documents({"type": BOOKING_CHECKED_IN.ce_type})
    return count >= at_least


async def test_a_booking_without_consent_leaves_no_contact(stack, agency, infra):
    service = await agency.add_service()
    booking = booking_for(service, consent=False, contact={"phone": "081234567890"})
    await check_in(stack, infra, booking)
    ticket = await eventually(lambda: stack.db.tickets.find_one({"booking_id": booking.booking_id}))
    assert "contact" not in ticket
    assert json.dumps(ticket, default=str).find("0812") == -1


async def test_calling_at_a_closed_or_busy_counter_is_refused(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await stack.issue(service)
    await stack.issue(service)
    closed = await stack.call_next(counter, agency.id)
    assert closed.status_code == 409
    assert closed.json()["type"] == "/problems/counter-closed"
    await agency.open_counter(counter)
    assert (await stack.call_next(counter, agency.id)).status_code == 200
    busy = await stack.call_next(counter, agency.id)
    assert busy.status_code == 409
    assert busy.json()["type"] == "/problems/counter-busy"
    assert (
        await stack.db.tickets.count_documents({"service_id": service["id"], "status": "waiting"})
        == 1
    )
    close = await stack.queue.post(f"{API}/counters/{counter['id']}/close", headers=agency.officer)
    assert close.status_code == 409


async def test_a_counter_is_staffed_by_one_officer_at_a_time(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter, who="officer-a")
    await agency.open_counter(counter, who="officer-a")  # again: nothing changes
    taken = await stack.queue.post(
        f"{API}/counters/{counter['id']}/open", headers=stack.officer(agency.id, "officer-b")
    )
    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/counter-taken"
    closed = await stack.queue.post(
        f"{API}/counters/{counter['id']}/close", headers=stack.officer(agency.id, "officer-a")
    )
    assert closed.status_code == 200 and closed.json()["open"] is False
    await agency.open_counter(counter, who="officer-b")
