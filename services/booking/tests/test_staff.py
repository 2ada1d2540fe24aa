"""Staff see a day's bookings with their check-in status: officers and agency admins only their
own agency's, the mpp_admin all; every read of personal data is logged."""

from __future__ import annotations

import pytest

from mpp_kit.auth import Role

API = "/api/v1/booking"
DAY = "2027-01-13"

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _day(stack, headers, **params):
    return await stack.booking.get(
        f"{API}/bookings", params={"day": DAY, **params}, headers=headers
    )


async def test_staff_see_the_days_bookings_of_their_agency_with_check_in_status(stack, agency, at):
    service = await stack.add_service(agency)
    other_service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    first = await stack.booked(service, stack.slot(1, 9), name="Ahmad Fauzi")
    await stack.booked(service, stack.slot(1, 10), name="Rina Wati")
    await stack.booked(other_service, stack.slot(1, 9, 30), name="Joko Susilo")
    await stack.booked(service, stack.slot(2, 9))  # another day
    at(stack.slot(1, 9))
    assert (await stack.booking.post(f"{API}/bookings/{first['code']}/check-in")).status_code == 200

    page = await _day(stack, stack.staff(agency), limit="2")
    assert page.status_code == 200, page.text
    body = page.json()
    assert [b["name"] for b in body["items"]] == ["Ahmad Fauzi", "Joko Susilo"]
    assert [b["status"] for b in body["items"]] == ["checked_in", "confirmed"]
    assert body["items"][0]["checked_in_at"] == "2027-01-13T09:00:00+07:00"
    assert body["items"][0]["phone"].startswith("+6281") and "*" in body["items"][0]["phone"]
    assert body["counts"] == {"checked_in": 1, "confirmed": 2}
    rest = await _day(stack, stack.staff(agency), limit="2", cursor=body["next_cursor"])
    assert [b["name"] for b in rest.json()["items"]] == ["Rina Wati"]
    assert rest.json()["next_cursor"] is None

    one_service = await _day(
        stack, stack.staff(agency, Role.AGENCY_ADMIN), service_id=service["id"]
    )
    assert [b["name"] for b in one_service.json()["items"]] == ["Ahmad Fauzi", "Rina Wati"]
    checked_in = await _day(stack, stack.staff(agency), status="checked_in")
    assert [b["code"] for b in checked_in.json()["items"]] == [first["code"]]


async def test_staff_of_another_agency_see_and_change_none_of_its_bookings(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9))
    other = await stack.new_agency()
    await stack.add_service(other)
    for role in (Role.OFFICER, Role.AGENCY_ADMIN):
        outsider = stack.staff(other, role)
        assert (await _day(stack, outsider, agency_id=agency)).status_code == 403
        assert (await _day(stack, outsider, service_id=service["id"])).status_code == 403
        own = await _day(stack, outsider)
        assert own.status_code == 200 and own.json()["items"] == []
        url = f"{API}/bookings/{booked['code']}"
        assert (await stack.booking.get(url, headers=outsider)).status_code == 403
        for step, body in (
            ("cancel", None),
            ("reschedule", {"slot_start": stack.slot(1, 11).isoformat()}),
        ):
            response = await stack.booking.post(f"{url}/{step}", json=body, headers=outsider)
            assert response.status_code == 403, (step, response.text)
    assert (await stack.booking_doc(booked["id"]))["status"] == "confirmed"
    assert (await _day(stack, {})).status_code == 401


async def test_the_mpp_admin_sees_every_agency_and_bad_filters_are_refused(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    await stack.booked(service, stack.slot(1, 9))
    everything = await _day(stack, stack.admin, agency_id=agency)
    assert everything.status_code == 200 and len(everything.json()["items"]) == 1
    assert (await _day(stack, stack.admin, status="maybe")).status_code == 422
    assert (await _day(stack, stack.admin, service_id="nope")).status_code == 422
    assert (await _day(stack, stack.admin, cursor="???")).status_code == 400


async def test_every_staff_read_of_bookings_is_logged(stack, agency, at):
    service = await stack.add_service(agency)
    at(stack.tuesday_8am)
    booked = await stack.booked(service, stack.slot(1, 9))
    officer = stack.staff(agency)
    await _day(stack, officer)
    await stack.booking.get(f"{API}/bookings/{booked['code']}", headers=officer)
    await stack.booking.get(f"{API}/bookings/{booked['code']}", params={"token": booked["token"]})
    logged = await stack.db.staff_access_log.find({"bookings": booked["id"]}).to_list()
    assert [(e["what"], e["user_id"]) for e in logged] == [
        ("day list", f"officer-{agency}"),
        ("booking", f"officer-{agency}"),
    ]
