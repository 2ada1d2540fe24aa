"""Booking → Kafka → queue: a check-in becomes exactly one queue ticket, however often the
visitor taps and however often the event is delivered. Runs the real queue service."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from mpp_testing import EventReader, eventually

from mpp_kit.contracts.queue import TICKET_ISSUED

API = "/api/v1/booking"

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _next_half_hour(now: datetime) -> datetime:
    """The next slot start of a 30-minute grid (the stack's MPP is open around the clock)."""
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30)
    return start if start > now + timedelta(seconds=5) else start + timedelta(minutes=30)


async def test_a_check_in_becomes_exactly_one_queue_ticket(stack, agency, queue, infra):
    service = await stack.add_service(agency)
    await eventually(lambda: queue.state.view.service(service["id"]))
    start = _next_half_hour(datetime.now(UTC))
    booked = await stack.booked(service, start, email="rudi@example.id", consent=True)

    topic = stack.settings.topic(TICKET_ISSUED.topic)
    async with EventReader(infra.bootstrap, topic) as reader:
        answers = await asyncio.gather(
            *[stack.booking.post(f"{API}/bookings/{booked['code']}/check-in") for _ in range(10)]
        )
        assert {a.status_code for a in answers} == {200}, answers[0].text

        tickets = queue.state.store.tickets  # the queue's own collection, read as evidence
        ticket = await eventually(lambda: tickets.find_one({"booking_id": booked["id"]}))
        assert ticket["channel"] == "booking" and ticket["service_id"] == service["id"]

        # The relay publishes the check-in again, as after a crash between send and mark.
        sent = await stack.db.outbox.find_one(
            {"key": booked["id"], "ce_type": "id.mpp.booking.booking-checked-in.v1"}
        )
        await eventually(lambda: _sent(stack, sent["_id"]))
        await stack.db.outbox.update_one({"_id": sent["_id"]}, {"$set": {"status": "pending"}})
        await eventually(lambda: _sent(stack, sent["_id"]))
        await reader.read(1)
        records = await reader.settle(2.0)

    issued = [r for r in records if json.loads(r.value).get("booking_id") == booked["id"]]
    assert len(issued) == 1
    assert await tickets.count_documents({"booking_id": booked["id"]}) == 1
    assert json.loads(issued[0].value)["call_class"] == "booked"


async def _sent(stack, record_id) -> bool:
    record = await stack.db.outbox.find_one({"_id": record_id})
    return record is not None and record["status"] == "sent"
