"""An officer of one agency can never act on another agency's tickets or counters."""

from __future__ import annotations

import pytest
import pytest_asyncio
from mpp_testing import staff_token

from mpp_kit.auth import Role

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def other_agency_queue(stack, agency):
    """Agency B with a service, an open counter and a called ticket."""
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    called = await stack.issue(service)
    waiting = await stack.issue(service)
    assert (await stack.call_next(counter, agency.id)).json()["id"] == called["id"]
    closed_counter = await agency.add_counter(service)
    return {
        "agency": agency,
        "counter": counter,
        "closed_counter": closed_counter,
        "called": called,
        "waiting": waiting,
    }


async def test_officer_of_another_agency_cannot_call_see_or_touch_its_tickets(
    stack, other_agency_queue
):
    b = other_agency_queue
    intruder = await stack.new_agency()
    for role in (Role.OFFICER, Role.AGENCY_ADMIN):
        headers = staff_token(stack.settings, role, agency_id=intruder.id, user_id="intruder")
        requests = [
            ("post", f"/counters/{b['counter']['id']}/call-next"),
            ("post", f"/counters/{b['closed_counter']['id']}/open"),
            ("post", f"/counters/{b['counter']['id']}/close"),
            ("get", f"/counters/{b['counter']['id']}"),
            ("get", f"/tickets/{b['waiting']['id']}"),
            ("post", f"/tickets/{b['waiting']['id']}/cancel"),
            ("post", f"/tickets/{b['called']['id']}/recall"),
            ("post", f"/tickets/{b['called']['id']}/no-show"),
            ("post", f"/tickets/{b['called']['id']}/start"),
            ("post", f"/tickets/{b['called']['id']}/priority/remove"),
        ]
        for method, path in requests:
            response = await stack.queue.request(method, f"{API}{path}", headers=headers)
            assert response.status_code == 403, (role, path, response.text)
    # Nothing moved.
    assert (await stack.ticket_doc(b["called"]["id"]))["status"] == "called"
    assert (await stack.ticket_doc(b["waiting"]["id"]))["status"] == "waiting"
    state = await stack.store.counter_state(b["closed_counter"]["id"])
    assert state is None or not state["open"]


async def test_only_staff_roles_act_at_counters(stack, other_agency_queue):
    b = other_agency_queue
    system = staff_token(stack.settings, Role.AGENCY_SYSTEM, agency_id=b["agency"].id)
    response = await stack.queue.post(
        f"{API}/counters/{b['counter']['id']}/call-next", headers=system
    )
    assert response.status_code == 403
    anonymous = await stack.queue.post(f"{API}/counters/{b['counter']['id']}/call-next")
    assert anonymous.status_code == 401


async def test_the_mpp_admin_may_act_for_any_agency(stack, other_agency_queue):
    b = other_agency_queue
    response = await stack.queue.post(
        f"{API}/tickets/{b['called']['id']}/start", headers=stack.admin
    )
    assert response.status_code == 200


async def test_stats_are_scoped_to_the_agency(stack, other_agency_queue):
    b = other_agency_queue
    intruder = await stack.new_agency()
    refused = await stack.queue.get(
        f"{API}/stats", params={"agency_id": b["agency"].id}, headers=intruder.officer
    )
    assert refused.status_code == 403
    own = await stack.queue.get(f"{API}/stats", headers=intruder.officer)
    assert own.status_code == 200
    assert all(s["agency_id"] == intruder.id for s in own.json()["services"])
    theirs = await stack.queue.get(f"{API}/stats", headers=b["agency"].officer)
    assert [a["agency_id"] for a in theirs.json()["agencies"]] == [b["agency"].id]
    assert (await stack.queue.get(f"{API}/stats")).status_code == 401


async def test_a_ticket_transferred_to_another_agency_becomes_that_agencys_to_serve(stack, agency):
    desk = await agency.add_service()
    counter = await agency.add_counter(desk)
    await agency.open_counter(counter)
    bank = await stack.new_agency()
    cashier = await bank.add_service()
    bank_counter = await bank.add_counter(cashier)
    await bank.open_counter(bank_counter)
    ticket = await stack.issue(desk)
    await stack.call_next(counter, agency.id)
    await stack.step(ticket["id"], "start", agency.id)
    moved = await stack.step(
        ticket["id"], "transfer", agency.id, json={"service_id": cashier["id"]}
    )
    successor = moved.json()["transferred_to"]
    # The first agency's officer may not act on it any more; the bank's officer calls it.
    refused = await stack.queue.get(f"{API}/tickets/{successor}", headers=agency.officer)
    assert refused.status_code == 403
    called = await stack.call_next(bank_counter, bank.id)
    assert called.json()["id"] == successor
    assert called.json()["number"] == ticket["number"]
    assert called.json()["agency_id"] == bank.id
