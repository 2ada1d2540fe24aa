"""Every bad booking request is a 4xx problem document naming the reason or the field, and
changes nothing: no booking, no place taken, no claim, no event."""

from __future__ import annotations

import pytest
from mpp_testing import eventually

API = "/api/v1/booking"

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _refused(stack, body: dict, status: int, kind: str, field: str | None) -> dict:
    before = await stack.state()
    response = await stack.booking.post(f"{API}/bookings", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"/problems/{kind}", problem
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem
    assert await stack.state() == before
    return problem


def _body(stack, service, start, **fields) -> dict:
    return {
        "service_id": service["id"],
        "slot_start": start.isoformat(),
        "name": "Dewi Lestari",
        "phone": stack.new_phone(),
        **fields,
    }


@pytest.mark.parametrize(
    ("when", "kind", "says"),
    [
        ((0, 7, 30), "slot-in-the-past", "already begun or passed"),
        ((0, 8, 0), "slot-in-the-past", "already begun or passed"),  # under way now
        ((15, 9, 0), "slot-too-far-ahead", "14 days ahead"),
        ((1, 9, 10), "not-a-slot", "every 30 minutes from 00:00"),
    ],
)
async def test_a_time_that_is_not_a_bookable_slot_is_refused_naming_why(
    stack, agency, at, when, kind, says
):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    problem = await _refused(
        stack, _body(stack, service, stack.slot(*when)), 422, kind, "slot_start"
    )
    assert says in problem["detail"]


async def test_booking_closes_the_set_minutes_before_the_slot(stack, agency, at):
    service = await stack.add_service(
        agency, booking={"enabled": True, "slot_minutes": 30, "closes_minutes_before": 120}
    )
    at(stack.tuesday_8am)
    problem = await _refused(
        stack,
        _body(stack, service, stack.slot(0, 9, 30)),
        422,
        "booking-closed-for-slot",
        "slot_start",
    )
    assert "closed at 07:30 WIB" in problem["detail"]
    assert (await stack.book(service, stack.slot(0, 10, 30))).status_code == 201


async def test_a_day_the_service_does_not_open_is_refused(stack, agency, at):
    weekdays = {
        d: [{"open": "08:00", "close": "12:00"}] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    service = await stack.add_service(agency, opening_hours=weekdays)
    at(stack.tuesday_8am)
    saturday = stack.slot(4, 9, 0)
    problem = await _refused(
        stack, _body(stack, service, saturday), 422, "closed-day", "slot_start"
    )
    assert "Saturday 16 January 2027" in problem["detail"]
    late = await _refused(
        stack, _body(stack, service, stack.slot(1, 12, 0)), 422, "not-a-slot", None
    )
    assert "from 08:00 WIB to 11:30 WIB" in late["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 212 555 0100"}, "phone"),
        ({"phone": "0812-ABCD-7890"}, "phone"),
        ({"nik": "320123450190000"}, "nik"),  # 15 digits
        ({"nik": "9901234501900001"}, "nik"),  # no such province
        ({"nik": "3201230113900001"}, "nik"),  # month 13
        ({"nik": "3201233201900001"}, "nik"),  # day 32
        ({"nik": "3201234501900000"}, "nik"),  # serial 0000
        ({"email": "not-an-address", "phone": None}, "email"),
        ({"phone": None}, "body"),  # neither phone nor e-mail
        ({"name": ""}, "name"),
        ({"slot_start": "2027-01-13T09:00:00"}, "slot_start"),  # no offset
        ({"service_id": ""}, "service_id"),
    ],
)
async def test_malformed_input_is_refused_naming_the_field(stack, agency, at, fields, field):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    body = _body(stack, service, stack.slot(1, 9, 0)) | fields
    await _refused(stack, body, 422, "validation", field)


async def test_an_unknown_service_or_one_without_booking_is_refused(stack, agency, at):
    at(stack.tuesday_8am)
    unknown = {"id": "no-such-service"}
    await _refused(stack, _body(stack, unknown, stack.slot(1, 9)), 422, "validation", "service_id")
    walk_in_only = await stack.add_service(agency, booking={"enabled": False})
    problem = await _refused(
        stack, _body(stack, walk_in_only, stack.slot(1, 9)), 409, "booking-not-offered", None
    )
    assert "kiosk" in problem["detail"]


async def test_a_full_slot_and_a_second_booking_of_the_same_person_are_refused(stack, agency, at):
    service = await stack.add_service(
        agency, booking={"enabled": True, "capacity_per_slot": 1, "closes_minutes_before": 0}
    )
    at(stack.tuesday_8am)
    phone = stack.new_phone()
    await stack.booked(service, stack.slot(1, 9), phone=phone)
    await _refused(stack, _body(stack, service, stack.slot(1, 9)), 409, "slot-full", None)
    second = _body(stack, service, stack.slot(1, 10), phone=phone)
    problem = await _refused(stack, second, 409, "already-booked", "phone")
    assert "one active booking per person per service per day" in problem["detail"].lower()


async def test_a_retired_service_takes_no_bookings(stack, agency, at):
    service = await stack.add_service(agency)
    response = await stack.catalog.client.post(
        f"/api/v1/catalog/services/{service['id']}/retire", headers=stack.catalog.admin
    )
    assert response.status_code == 200

    async def retired() -> bool:
        known = await stack.view.service(service["id"])
        return known is not None and known.status == "retired"

    await eventually(retired)
    at(stack.tuesday_8am)
    await _refused(stack, _body(stack, service, stack.slot(1, 9)), 409, "service-retired", None)


async def test_an_availability_range_backwards_or_too_long_is_refused(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    for params in (
        {"from": "2027-01-14", "to": "2027-01-13"},
        {"from": "2027-01-01", "to": "2027-12-31"},
    ):
        response = await stack.booking.get(
            f"{API}/availability", params={"service_id": service["id"], **params}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "to"
