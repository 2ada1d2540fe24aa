"""The jobs: no-shows after the check-in window, reminders the day before and shortly before
(each once, even with two replicas and after a restart), and the erasure of old personal data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from mpp_testing import EventReader

from mpp_booking.booking_desk import BookingDesk
from mpp_booking.jobs import BookingJobs
from mpp_booking.store import BookingStore
from mpp_kit.catalog_view import CatalogView
from mpp_kit.contracts.booking import BOOKING_REMINDER_DUE, EVENTS
from mpp_kit.runtime import ServiceRuntime

API = "/api/v1/booking"

pytestmark = pytest.mark.asyncio(loop_scope="session")


@asynccontextmanager
async def replica(stack) -> AsyncIterator[SimpleNamespace]:
    """The jobs of another process of the booking service: its own connections to the same
    database, its own clock (the events it writes leave through the outbox, as any replica's)."""
    runtime = ServiceRuntime(stack.settings, publishes=EVENTS)
    store = BookingStore(runtime.db)
    desk = BookingDesk(runtime, store, CatalogView(runtime), stack.settings)
    try:
        yield SimpleNamespace(desk=desk, jobs=BookingJobs(runtime, store, desk, stack.settings))
    finally:
        await runtime.client.close()


async def _reminders(stack, booking_id: str) -> list[str]:
    return [
        json.loads(e["data"])["kind"]
        for e in await stack.outbox("booking-reminder-due")
        if e["key"] == booking_id
    ]


async def test_reminders_go_out_once_the_day_before_and_shortly_before_with_two_replicas(
    stack, agency, at, infra
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(2, 10), email="ani@example.id")
    topic = stack.settings.topic(BOOKING_REMINDER_DUE.topic)
    async with EventReader(infra.bootstrap, topic) as reader, replica(stack) as other:
        for instant in (stack.slot(1, 9, 59), stack.slot(1, 10), stack.slot(1, 12)):
            at(instant)
            other.desk.now = stack.desk.now
            await asyncio.gather(stack.jobs.send_due_reminders(), other.jobs.send_due_reminders())
        assert await _reminders(stack, booked["id"]) == ["day_before"]

        for instant in (stack.slot(2, 9), stack.slot(2, 9, 30), stack.slot(2, 10, 5)):
            at(instant)
            other.desk.now = stack.desk.now
            await asyncio.gather(stack.jobs.send_due_reminders(), other.jobs.send_due_reminders())
        assert await _reminders(stack, booked["id"]) == ["day_before", "soon"]

        await reader.read(2)
        records = [r for r in await reader.settle(1.0) if r.key.decode() == booked["id"]]
    assert len(records) == 2
    payload = json.loads(records[0].value)
    assert payload["code"] == booked["code"]
    assert payload["contact"] == {"phone": payload["contact"]["phone"], "email": "ani@example.id"}


async def test_a_restarted_service_does_not_send_a_reminder_again(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 10))
    at(stack.slot(1, 9))
    await stack.jobs.send_due_reminders()
    async with replica(stack) as restarted:
        restarted.desk.now = stack.desk.now
        await restarted.jobs.send_due_reminders()
    await stack.jobs.send_due_reminders()
    assert await _reminders(stack, booked["id"]) == ["soon"]


async def test_only_the_latest_due_reminder_goes_out_and_none_once_the_slot_began(
    stack, agency, at
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked_late = await stack.booked(service, stack.slot(0, 11))  # under a day ahead
    both_due = await stack.booked(service, stack.slot(1, 11))
    begun = await stack.booked(service, stack.slot(1, 10, 30))
    at(stack.slot(0, 10))
    await stack.jobs.send_due_reminders()
    assert await _reminders(stack, booked_late["id"]) == ["soon"]  # no "day before" planned
    at(stack.slot(1, 10, 40))  # the service was down from Tuesday 10:00 until now
    await stack.jobs.send_due_reminders()
    assert await _reminders(stack, both_due["id"]) == ["soon"]  # not "tomorrow" any more
    assert await _reminders(stack, begun["id"]) == []  # its slot began: no reminder at all


async def test_a_rescheduled_booking_is_reminded_of_its_new_slot(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 10))
    at(stack.slot(1, 9, 30))
    await stack.jobs.send_due_reminders()
    moved = await stack.booking.post(
        f"{API}/bookings/{booked['code']}/reschedule",
        json={"slot_start": stack.slot(1, 12).isoformat()},
        params={"token": booked["token"]},
    )
    assert moved.status_code == 200, moved.text
    at(stack.slot(1, 11, 1))
    await stack.jobs.send_due_reminders()
    assert await _reminders(stack, booked["id"]) == ["soon", "soon"]


async def test_the_no_show_sweep_lapses_only_bookings_whose_window_closed_once(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    missed = await stack.booked(service, stack.slot(1, 10), phone=phone)
    came = await stack.booked(service, stack.slot(1, 10))
    cancelled = await stack.booked(service, stack.slot(1, 10))
    later = await stack.booked(service, stack.slot(1, 11))
    await stack.booking.post(
        f"{API}/bookings/{cancelled['code']}/cancel", params={"token": cancelled["token"]}
    )
    at(stack.slot(1, 10))
    assert (await stack.booking.post(f"{API}/bookings/{came['code']}/check-in")).status_code == 200

    at(stack.slot(1, 10, 15))  # the window's last minute: nothing lapses yet
    await stack.jobs.sweep_no_shows()
    assert (await stack.booking_doc(missed["id"]))["status"] == "confirmed"

    at(stack.slot(1, 10, 16))
    async with replica(stack) as other:
        other.desk.now = stack.desk.now
        await asyncio.gather(stack.jobs.sweep_no_shows(), other.jobs.sweep_no_shows())
    await stack.jobs.sweep_no_shows()
    statuses = {
        name: (await stack.booking_doc(b["id"]))["status"]
        for name, b in (
            ("missed", missed),
            ("came", came),
            ("cancelled", cancelled),
            ("later", later),
        )
    }
    assert statuses == {
        "missed": "no_show",
        "came": "checked_in",
        "cancelled": "cancelled",
        "later": "confirmed",
    }
    lapsed = [e for e in await stack.outbox("booking-no-show") if e["key"] == missed["id"]]
    assert len(lapsed) == 1
    assert json.loads(lapsed[0]["data"])["check_in_closed_at"].startswith("2027-01-13T03:15")
    # A lapsed booking no longer holds its person's day.
    assert (await stack.book(service, stack.slot(1, 13), phone=phone)).status_code == 201


async def test_names_and_contacts_are_erased_after_the_retention(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 10), nik="3201234501900001")
    at(stack.slot(1, 10) + timedelta(days=stack.settings.personal_data_retention_days - 1))
    await stack.jobs.erase_expired_personal_data()
    assert (await stack.booking_doc(booked["id"]))["name"] == "Budi Santoso"
    at(stack.slot(1, 10) + timedelta(days=stack.settings.personal_data_retention_days + 1))
    await stack.jobs.erase_expired_personal_data()
    doc = await stack.booking_doc(booked["id"])
    for gone in ("name", "phone", "email", "nik_hash", "nik_masked", "person_keys"):
        assert gone not in doc
    assert doc["code"] == booked["code"] and doc["status"] == "confirmed"
