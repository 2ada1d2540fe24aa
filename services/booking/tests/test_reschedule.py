"""Reschedule is atomic: the new place is taken and the old one given back in one step, or
nothing changes. And an attempt whose process died gives back what it took."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from mpp_booking.domain.booking import Holds, Move, slot_capacity_id

API = "/api/v1/booking"

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _places(stack, service) -> dict[datetime, int]:
    """Places taken per slot start (slots only, not daily quotas)."""
    query = {"service_id": service["id"], "start": {"$exists": True}}
    return {d["start"]: d["taken"] async for d in stack.db.capacity.find(query)}


def _one_place(**extra) -> dict:
    return {"enabled": True, "capacity_per_slot": 1, "closes_minutes_before": 0, **extra}


async def _move(stack, booked, start, **kw):
    return await stack.booking.post(
        f"{API}/bookings/{booked['code']}/reschedule",
        json={"slot_start": start.isoformat()},
        params={"token": booked["token"]},
        **kw,
    )


async def test_reschedule_takes_the_new_slot_and_frees_the_old_in_one_step(stack, agency, at):
    service = await stack.add_service(agency, booking=_one_place())
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9))
    moved = await _move(stack, booked, stack.slot(1, 11))
    assert moved.status_code == 200, moved.text
    assert moved.json()["slot_start"] == "2027-01-13T11:00:00+07:00"
    assert moved.json()["code"] == booked["code"]
    places = await _places(stack, service)
    assert places[stack.slot(1, 9)] == 0
    assert places[stack.slot(1, 11)] == 1
    # The old slot is free for someone else; the same request again changes nothing.
    assert (await stack.book(service, stack.slot(1, 9))).status_code == 201
    again = await _move(stack, booked, stack.slot(1, 11))
    assert again.status_code == 200
    events = [e for e in await stack.outbox("booking-rescheduled") if e["key"] == booked["id"]]
    assert len(events) == 1
    doc = await stack.booking_doc(booked["id"])
    assert doc["move"] is None and doc["owed"] == []


async def test_reschedule_to_another_day_moves_the_persons_claim_too(stack, agency, at):
    service = await stack.add_service(agency, booking=_one_place())
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    booked = await stack.booked(service, stack.slot(1, 9), phone=phone)
    assert (await _move(stack, booked, stack.slot(2, 9))).status_code == 200
    # Wednesday is free for this person again, Thursday is taken.
    assert (await stack.book(service, stack.slot(1, 10), phone=phone)).status_code == 201
    third = await stack.book(service, stack.slot(2, 10), phone=phone)
    assert third.status_code == 409 and third.json()["type"] == "/problems/already-booked"


async def test_reschedule_to_a_full_slot_changes_nothing(stack, agency, at):
    service = await stack.add_service(agency, booking=_one_place())
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9))
    await stack.booked(service, stack.slot(1, 10))
    before = await stack.state()
    moved = await _move(stack, booked, stack.slot(1, 10))
    assert moved.status_code == 409 and moved.json()["type"] == "/problems/slot-full"
    assert await stack.state() == before


async def test_reschedule_into_a_day_the_person_already_booked_changes_nothing(stack, agency, at):
    service = await stack.add_service(agency, quotas={"online_daily": 10})
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    booked = await stack.booked(service, stack.slot(1, 9), phone=phone)
    await stack.booked(service, stack.slot(2, 9), phone=phone)
    before = await stack.state()
    moved = await _move(stack, booked, stack.slot(2, 11))
    assert moved.status_code == 409 and moved.json()["type"] == "/problems/already-booked"
    assert await stack.state() == before


async def test_reschedule_to_a_slot_not_offered_changes_nothing(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9))
    before = await stack.state()
    for start, kind in (
        (stack.slot(0, 7), "slot-in-the-past"),
        (stack.slot(1, 9, 5), "not-a-slot"),
        (stack.slot(30, 9), "slot-too-far-ahead"),
    ):
        moved = await _move(stack, booked, start)
        assert moved.status_code == 422 and moved.json()["type"] == f"/problems/{kind}"
    assert await stack.state() == before


async def test_two_bookings_racing_for_the_last_place_one_moves_and_the_other_stays(
    stack, agency, at
):
    service = await stack.add_service(agency, booking=_one_place())
    at(stack.tuesday_8am)
    first = await stack.booked(service, stack.slot(1, 9))
    second = await stack.booked(service, stack.slot(1, 10))
    target = stack.slot(1, 15)
    answers = await asyncio.gather(_move(stack, first, target), _move(stack, second, target))
    assert sorted(a.status_code for a in answers) == [200, 409]
    places = await _places(stack, service)
    assert places[target] == 1
    # The one that lost keeps its slot; the one that won freed its old one.
    assert sum(places.values()) == 2


async def test_only_the_holder_or_staff_may_reschedule_and_not_after_check_in(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(0, 8, 30))
    url = f"{API}/bookings/{booked['code']}/reschedule"
    body = {"slot_start": stack.slot(0, 10).isoformat()}
    assert (await stack.booking.post(url, json=body)).status_code == 401
    other = await stack.new_agency()
    assert (await stack.booking.post(url, json=body, headers=stack.staff(other))).status_code == 403
    check_in = await stack.booking.post(f"{API}/bookings/{booked['code']}/check-in")
    assert check_in.status_code == 200, check_in.text
    moved = await stack.booking.post(url, json=body, headers=stack.staff(agency))
    assert moved.status_code == 409 and moved.json()["type"] == "/problems/booking-checked-in"


async def test_an_attempt_whose_process_died_gives_its_places_back(stack, agency, at):
    """A booking that took its places but never reached its transaction (the process died),
    and a reschedule stopped half-way: the repair job gives back exactly what they took."""
    service = await stack.add_service(agency, booking=_one_place())
    now = at(stack.tuesday_8am)
    start = stack.slot(1, 9)
    dead = str(uuid.uuid4())
    slot_id = slot_capacity_id(service["id"], start)
    claims = [f"{service['id']}|2027-01-13|phone:dead"]
    intent = {"counters": [slot_id], "request_key": None}
    assert await stack.store.claim(claims, dead, start.date(), now, intent=intent) is None
    assert await stack.store.take(slot_id, dead, 1, {"service_id": service["id"], "start": start})
    assert (await stack.book(service, start)).status_code == 409  # it holds the only place

    booked = await stack.booked(service, stack.slot(1, 10))
    new_slot = stack.slot(1, 11)
    move = Move(
        id="m1",
        slot_start=new_slot,
        slot_end=new_slot + timedelta(minutes=30),
        day=new_slot.date(),
        holds=Holds(slot=slot_capacity_id(service["id"], new_slot)),
        new_counters=[slot_capacity_id(service["id"], new_slot)],
        at=now,
    )
    assert await stack.store.start_move(booked["id"], move)
    assert await stack.store.take(
        move.holds.slot, booked["id"], 1, {"service_id": service["id"], "start": new_slot}
    )

    await stack.jobs.repair()  # too early: they may still be running
    assert (await _places(stack, service))[start] == 1
    at(now + timedelta(minutes=3))
    await stack.jobs.repair()
    places = await _places(stack, service)
    assert places[start] == 0 and places[new_slot] == 0
    assert places[stack.slot(1, 10)] == 1  # the real booking keeps its place
    assert (await stack.booking_doc(booked["id"]))["move"] is None
    assert await stack.db.person_day_claims.find_one({"booking_id": dead}) is None
    at(stack.tuesday_8am)
    assert (await stack.book(service, start)).status_code == 201


async def test_reschedules_cut_off_midway_leave_every_booking_in_exactly_one_place(
    stack, agency, at
):
    service = await stack.add_service(agency)
    now = at(stack.tuesday_8am)
    booked = [await stack.booked(service, stack.slot(1, 9)) for _ in range(5)]
    tasks = [asyncio.create_task(_move(stack, b, stack.slot(2, 10))) for b in booked]
    for i, task in enumerate(tasks):
        await asyncio.sleep(0.003 * i)
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)
    at(now + timedelta(minutes=3))
    await stack.jobs.repair()

    docs = await stack.db.bookings.find({"service_id": service["id"]}).to_list()
    assert all(d["move"] is None and d["owed"] == [] for d in docs)
    where = [d["slot_start"] for d in docs]
    places = await _places(stack, service)
    assert places.get(stack.slot(1, 9), 0) == where.count(stack.slot(1, 9))
    assert places.get(stack.slot(2, 10), 0) == where.count(stack.slot(2, 10))
    claims = await stack.db.person_day_claims.find(
        {"booking_id": {"$in": [d["_id"] for d in docs]}}
    ).to_list()
    assert sorted(c["day"] for c in claims) == sorted(d["day"] for d in docs)
