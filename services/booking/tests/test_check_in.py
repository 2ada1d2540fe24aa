"""Check-in at the kiosk: within the window around the slot start (30 minutes before to 15
after, by default), once however often it is tried; otherwise a 409 that says when to come."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

API = "/api/v1/booking"

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _check_in(stack, code: str):
    return await stack.booking.post(f"{API}/bookings/{code}/check-in")


async def _booked_at_ten_tomorrow(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    return await stack.booked(service, stack.slot(1, 10))


@pytest.mark.parametrize(
    ("minutes", "ok"),
    [(-31, False), (-30, True), (0, True), (15, True), (16, False)],
)
async def test_check_in_is_open_from_30_minutes_before_to_15_after_the_slot_start(
    stack, agency, at, minutes, ok
):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    at(stack.slot(1, 10) + timedelta(minutes=minutes))
    response = await _check_in(stack, booked["code"])
    assert response.status_code == (200 if ok else 409), response.text
    events = [e for e in await stack.outbox("booking-checked-in") if e["key"] == booked["id"]]
    assert len(events) == (1 if ok else 0)
    if ok:
        assert response.json()["status"] == "checked_in"


async def test_an_early_check_in_says_when_to_come_and_changes_nothing(stack, agency, at):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    at(stack.slot(1, 9))
    before = await stack.state()
    problem = (await _check_in(stack, booked["code"])).json()
    assert problem["type"] == "/problems/check-in-too-early"
    assert "between 09:30 WIB and 10:15 WIB" in problem["detail"]
    assert problem["check_in_opens"] == "2027-01-13T09:30:00+07:00"
    assert problem["check_in_closes"] == "2027-01-13T10:15:00+07:00"
    assert await stack.state() == before


async def test_a_check_in_on_the_wrong_day_names_the_day_and_hours(stack, agency, at):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    at(stack.slot(0, 10))
    problem = (await _check_in(stack, booked["code"])).json()
    assert problem["status"] == 409
    assert problem["type"] == "/problems/check-in-wrong-day"
    assert "Wednesday 13 January 2027" in problem["detail"]
    assert "between 09:30 WIB and 10:15 WIB" in problem["detail"]


async def test_a_late_check_in_says_the_booking_lapsed(stack, agency, at):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    at(stack.slot(1, 10, 20))
    problem = (await _check_in(stack, booked["code"])).json()
    assert problem["type"] == "/problems/check-in-too-late"
    assert "closed at 10:15 WIB" in problem["detail"] and "new booking" in problem["detail"]
    # The same after the sweep has marked it a no-show.
    await stack.jobs.sweep_no_shows()
    again = (await _check_in(stack, booked["code"])).json()
    assert again["type"] == "/problems/check-in-too-late"


async def test_checking_in_ten_times_at_once_checks_in_once_and_publishes_once(stack, agency, at):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    at(stack.slot(1, 9, 45))
    answers = await asyncio.gather(*[_check_in(stack, booked["code"]) for _ in range(10)])
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["checked_in_at"] for a in answers} == {"2027-01-13T09:45:00+07:00"}
    again = await _check_in(stack, booked["code"].lower())
    assert again.status_code == 200 and again.json() == answers[0].json()
    events = [e for e in await stack.outbox("booking-checked-in") if e["key"] == booked["id"]]
    assert len(events) == 1


async def test_a_cancelled_or_unknown_booking_cannot_check_in(stack, agency, at):
    booked = await _booked_at_ten_tomorrow(stack, agency, at)
    cancel = await stack.booking.post(
        f"{API}/bookings/{booked['code']}/cancel", params={"token": booked["token"]}
    )
    assert cancel.status_code == 200
    at(stack.slot(1, 10))
    problem = (await _check_in(stack, booked["code"])).json()
    assert problem["type"] == "/problems/booking-cancelled"
    assert (await _check_in(stack, "ABC")).status_code == 404
    assert (await _check_in(stack, "0OIL11")).status_code == 404
