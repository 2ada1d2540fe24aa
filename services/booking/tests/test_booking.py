"""Availability and booking: local times, codes and tokens, personal data kept least, the booking
event, and capacity and one-per-person held under concurrency."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from mpp_testing import EventReader

from mpp_kit.contracts.booking import BOOKING_CREATED, BookingCreated

API = "/api/v1/booking"
NIK = "3201234501900001"

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_availability_lists_the_slots_in_local_time_with_the_places_left(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    answer = await stack.availability(service, **{"from": "2027-01-12", "to": "2027-01-13"})
    assert answer["timezone"] == "Asia/Jakarta"
    starts = [s["start"] for s in answer["slots"]]
    # Today from 08:00 (the slot starting now is already under way), then all of tomorrow.
    assert starts[0] == "2027-01-12T08:30:00+07:00"
    assert starts[-1] == "2027-01-13T23:30:00+07:00"
    assert len(starts) == 31 + 48
    assert {s["remaining"] for s in answer["slots"]} == {5}
    assert answer["slots"][0]["end"] == "2027-01-12T09:00:00+07:00"

    await stack.booked(service, stack.slot(0, 9, 0))
    again = await stack.availability(service, **{"from": "2027-01-12", "to": "2027-01-12"})
    remaining = {s["start"]: s["remaining"] for s in again["slots"]}
    assert remaining["2027-01-12T09:00:00+07:00"] == 4
    assert remaining["2027-01-12T09:30:00+07:00"] == 5


async def test_availability_defaults_to_the_booking_window(stack, agency, at):
    service = await stack.add_service(
        agency, booking={"enabled": True, "slot_minutes": 60, "days_ahead": 2}
    )
    at(stack.tuesday_8am)
    answer = await stack.availability(service)
    assert (answer["from"], answer["to"]) == ("2027-01-12", "2027-01-14")
    # Booking closes 60 minutes before a slot (the catalog's default): 10:00 is the first.
    assert answer["slots"][0]["start"] == "2027-01-12T10:00:00+07:00"


async def test_a_booking_has_a_short_unambiguous_code_a_token_and_masked_personal_data(
    stack, agency, at
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(
        service,
        stack.slot(1, 10, 30),
        name="Siti Rahayu",
        phone="0812-3456-7890",
        email="siti@example.id",
        nik=NIK,
    )
    assert len(booked["code"]) == 6 and not set(booked["code"]) & set("0O1I")
    assert booked["token"]
    assert booked["status"] == "confirmed"
    assert booked["slot_start"] == "2027-01-13T10:30:00+07:00"
    assert booked["check_in"] == {
        "opens": "2027-01-13T10:00:00+07:00",
        "closes": "2027-01-13T10:45:00+07:00",
    }
    assert booked["phone"] == "+6281*******90"
    assert booked["email"] == "s***@example.id"
    assert booked["nik"] == "3201********0001"

    # The NIK is stored only as a keyed hash (and masked); the phone normalised to +62.
    doc = await stack.booking_doc(booked["id"])
    assert NIK not in json.dumps(doc, default=str)
    assert doc["nik_hash"] and doc["nik_masked"] == "3201********0001"
    assert doc["phone"] == "+6281234567890"

    shown = await stack.booking.get(
        f"{API}/bookings/{booked['code']}", params={"token": booked["token"]}
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["nik"] == "3201********0001"
    by_phone = await stack.booking.get(
        f"{API}/bookings/{booked['code'].lower()}", headers={"X-Booking-Phone": "+6281234567890"}
    )
    assert by_phone.status_code == 200, by_phone.text


async def test_the_booking_created_event_is_keyed_by_the_booking_and_carries_no_nik(
    stack, agency, at, infra
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    topic = stack.settings.topic(BOOKING_CREATED.topic)
    async with EventReader(infra.bootstrap, topic) as reader:
        booked = await stack.booked(service, stack.slot(2, 9, 0), nik=NIK, consent=False)
        while not (mine := [r for r in reader.records if r.key.decode() == booked["id"]]):
            await reader.read(len(reader.records) + 1)
    record = mine[0]
    assert EventReader.header(record, "ce_type") == "id.mpp.booking.booking-created.v1"
    event = BookingCreated.model_validate_json(record.value)
    assert event.code == booked["code"] and event.service_id == service["id"]
    assert event.slot_start == datetime.fromisoformat(booked["slot_start"])
    assert event.contact is None  # no consent, no contact
    assert NIK not in record.value.decode()


async def test_fifty_concurrent_requests_for_five_places_book_exactly_five(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    start = stack.slot(1, 11, 0)
    answers = await asyncio.gather(*[stack.book(service, start) for _ in range(50)])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 5 + [409] * 45
    assert {a.json()["type"] for a in answers if a.status_code == 409} == {"/problems/slot-full"}
    assert await stack.db.bookings.count_documents({"service_id": service["id"]}) == 5
    place = await stack.db.capacity.find_one({"service_id": service["id"], "start": start})
    assert place["taken"] == 5 and len(place["holds"]) == 5
    assert len(await stack.outbox("booking-created")) >= 5
    slots = await stack.availability(service, **{"from": "2027-01-13", "to": "2027-01-13"})
    assert {s["start"]: s["remaining"] for s in slots["slots"]}[start.isoformat()] == 0


async def test_one_person_holds_one_booking_per_service_per_day_even_under_concurrency(
    stack, agency, at
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    starts = [stack.slot(1, 8 + i // 2, 30 * (i % 2)) for i in range(20)]
    answers = await asyncio.gather(*[stack.book(service, s, phone=phone) for s in starts])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    refused = [a.json() for a in answers if a.status_code == 409]
    assert {r["type"] for r in refused} == {"/problems/already-booked"}
    assert refused[0]["errors"][0]["field"] == "phone"
    assert await stack.db.bookings.count_documents({"service_id": service["id"]}) == 1
    # Every refused attempt gave its place back.
    taken = await stack.db.capacity.find({"service_id": service["id"]}).to_list()
    assert sum(p["taken"] for p in taken) == 1

    # The same NIK with another phone is the same person; another day or service is fine.
    first = await stack.booked(service, stack.slot(2, 9), nik=NIK)
    same_nik = await stack.book(service, stack.slot(2, 10), nik=NIK)
    assert same_nik.status_code == 409
    assert same_nik.json()["errors"][0]["field"] == "nik"
    assert (await stack.book(service, stack.slot(3, 9), phone=phone)).status_code == 201
    other = await stack.add_service(agency)
    assert (await stack.book(other, stack.slot(1, 9), phone=phone)).status_code == 201
    assert first["status"] == "confirmed"


async def test_the_daily_online_quota_is_never_exceeded(stack, agency, at):
    service = await stack.add_service(agency, quotas={"online_daily": 3})
    at(stack.tuesday_8am)
    starts = [stack.slot(1, 9 + i, 0) for i in range(8)]
    answers = await asyncio.gather(*[stack.book(service, s) for s in starts])
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 5
    assert {a.json()["type"] for a in answers if a.status_code == 409} == {
        "/problems/daily-quota-reached"
    }
    slots = await stack.availability(service, **{"from": "2027-01-13", "to": "2027-01-14"})
    by_day: dict[str, set[int]] = {}
    for s in slots["slots"]:
        by_day.setdefault(s["start"][:10], set()).add(s["remaining"])
    assert by_day["2027-01-13"] == {0}
    assert by_day["2027-01-14"] == {3}


async def test_the_same_idempotency_key_books_once(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    body = {"phone": stack.new_phone(), "headers": {"Idempotency-Key": "portal-42"}}
    answers = await asyncio.gather(
        *[stack.book(service, stack.slot(1, 14), **body) for _ in range(5)]
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["code"] for a in answers}) == 1
    assert await stack.db.bookings.count_documents({"service_id": service["id"]}) == 1


async def test_a_cancelled_booking_frees_its_place_and_its_person_may_book_again(stack, agency, at):
    service = await stack.add_service(agency, booking={**_one_place()})
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    booked = await stack.booked(service, stack.slot(1, 9), phone=phone)
    assert (await stack.book(service, stack.slot(1, 9))).status_code == 409

    cancel = await stack.booking.post(
        f"{API}/bookings/{booked['code']}/cancel", params={"token": booked["token"]}
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled" and cancel.json()["cancelled_by"] == "holder"
    again = await stack.booking.post(
        f"{API}/bookings/{booked['code']}/cancel", params={"token": booked["token"]}
    )
    assert again.status_code == 200
    assert len([e for e in await stack.outbox("booking-cancelled") if _about(e, booked)]) == 1

    # Its place and its person's day are free again.
    assert (await stack.book(service, stack.slot(1, 9), phone=phone)).status_code == 201
    doc = await stack.booking_doc(booked["id"])
    assert doc["owed"] == []


async def test_only_the_holder_or_staff_of_its_agency_may_see_or_cancel_a_booking(
    stack, agency, at
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9), phone="081298765432")
    url = f"{API}/bookings/{booked['code']}"
    other_agency = await stack.new_agency()

    assert (await stack.booking.get(url)).status_code == 401
    assert (await stack.booking.get(url, params={"token": "forged"})).status_code == 403
    assert (await stack.booking.get(url, params={"phone": "081200000000"})).status_code == 403
    assert (await stack.booking.get(url, params={"phone": "12"})).status_code == 422
    assert (await stack.booking.get(url, headers=stack.staff(other_agency))).status_code == 403
    assert (
        await stack.booking.post(f"{url}/cancel", headers=stack.staff(other_agency))
    ).status_code == 403
    assert (await stack.booking.get(url, params={"phone": "+62 812-9876-5432"})).status_code == 200
    assert (await stack.booking.get(url, headers=stack.staff(agency))).status_code == 200
    assert (await stack.booking.get(f"{API}/bookings/ZZZZZZ")).status_code == 404

    cancel = await stack.booking.post(f"{url}/cancel", headers=stack.staff(agency))
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["cancelled_by"] == "staff"


def _one_place() -> dict[str, object]:
    return {"enabled": True, "slot_minutes": 30, "capacity_per_slot": 1, "closes_minutes_before": 0}


def _about(record: dict[str, object], booked: dict[str, str]) -> bool:
    return record["key"] == booked["id"]


async def test_a_drawn_code_already_in_use_is_drawn_again(stack, agency, at, monkeypatch):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    first = await stack.booked(service, stack.slot(1, 9))
    from mpp_booking import booking_desk

    draws = iter([first["code"], first["code"], "XYZ234"])
    monkeypatch.setattr(booking_desk, "new_code", lambda: next(draws))
    second = await stack.booked(service, stack.slot(1, 9))
    assert second["code"] == "XYZ234"
    place = await stack.db.capacity.find_one(
        {"service_id": service["id"], "start": stack.slot(1, 9)}
    )
    assert place["taken"] == 2


async def test_requests_cut_off_midway_leave_no_place_taken_without_a_booking(stack, agency, at):
    """Clients that hang up at any point: once the repair job has passed (a step cut off may
    still land after the request gave up), every place taken belongs to a confirmed booking,
    and no claim is left pending."""
    service = await stack.add_service(agency, booking={**_one_place(), "capacity_per_slot": 30})
    now = at(stack.tuesday_8am)
    start = stack.slot(1, 9)
    tasks = [asyncio.create_task(stack.book(service, start)) for _ in range(30)]
    for i, task in enumerate(tasks):
        await asyncio.sleep(0.002 * (i % 7))
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)  # shielded give-backs finish
    at(now + timedelta(minutes=3))
    await stack.jobs.repair()
    bookings = await stack.db.bookings.count_documents({"service_id": service["id"]})
    place = await stack.db.capacity.find_one({"service_id": service["id"], "start": start})
    assert (place["taken"] if place else 0) == bookings
    assert await stack.db.person_day_claims.count_documents({"pending": {"$exists": True}}) == 0
