"""Every step of a ticket, its event, and every refusal: a 409 that says why, and nothing
changed — not the ticket, not the counter, not the outbox."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import get_args

import pytest

from mpp_kit.clock import utcnow
from mpp_kit.contracts.queue import (
    SERVED,
    SERVICE_STARTED,
    TICKET_CALLED,
    TICKET_CANCELLED,
    TICKET_NO_SHOW,
    TICKET_RECALLED,
    TICKET_REMOVED,
    TICKET_TRANSFERRED,
)
from mpp_queue.domain.lifecycle import Status, refusal

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def events_about(stack, ticket_id: str) -> list[tuple[str, dict]]:
    """The events a ticket caused, in order, as its outbox records hold them."""
    records = await stack.db.outbox.find({}).sort("_id", 1).to_list()
    found = []
    for record in records:
        data = json.loads(record["data"])
        if data.get("ticket_id") == ticket_id:
            found.append((record["ce_type"], data, record["key"]))
    return found


async def test_a_visit_from_call_to_served_with_its_events(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service, contact={"email": "ani@example.id"}, consent=True)
    called = (await stack.call_next(counter, agency.id)).json()
    assert called["status"] == "called"
    assert called["counter"] == {
        "id": counter["id"],
        "number": counter["number"],
        "name": counter["name"],
    }
    recalled = await stack.step(issued["id"], "recall", agency.id)
    assert recalled.json()["recalls"] == 1 and recalled.json()["status"] == "called"
    started = await stack.step(issued["id"], "start", agency.id)
    assert started.json()["status"] == "serving"
    finished = await stack.step(issued["id"], "finish", agency.id)
    assert finished.status_code == 200 and finished.json()["status"] == "served"

    doc = await stack.ticket_doc(issued["id"])
    events = await events_about(stack, issued["id"])
    assert [e[0] for e in events] == [
        "id.mpp.queue.ticket-issued.v1",
        TICKET_CALLED.ce_type,
        TICKET_RECALLED.ce_type,
        SERVICE_STARTED.ce_type,
        SERVED.ce_type,
    ]
    assert {key for _, _, key in events} == {service["id"]}  # keyed by the queue
    served = events[-1][1]
    last_call = doc["called_at"]
    assert served["waiting_seconds"] == round((last_call - doc["entered_at"]).total_seconds())
    assert served["service_seconds"] == round((doc["ended_at"] - last_call).total_seconds())
    assert served["officer_id"] == "officer-1" and served["counter_id"] == counter["id"]
    assert served["contact"] == {"email": "ani@example.id", "phone": None}
    assert [h["action"] for h in doc["history"]] == [
        "issue:kiosk",
        "call",
        "recall",
        "start",
        "finish",
    ]
    state = await stack.store.counter_state(counter["id"])
    assert state["current_ticket_id"] is None  # the counter is free again


async def test_served_carries_no_contact_when_none_was_consented(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service)
    await stack.call_next(counter, agency.id)
    await stack.step(issued["id"], "start", agency.id)
    await stack.step(issued["id"], "finish", agency.id)
    served = (await events_about(stack, issued["id"]))[-1][1]
    assert served["contact"] is None


async def test_recalls_past_the_mpp_limit_make_a_no_show(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service)
    await stack.call_next(counter, agency.id)
    for expected in (1, 2):  # the test MPP's recall limit is 2
        response = await stack.step(issued["id"], "recall", agency.id)
        assert response.json()["recalls"] == expected
    gone = await stack.step(issued["id"], "recall", agency.id)
    assert gone.status_code == 200 and gone.json()["status"] == "no_show"
    ce_type, payload, _ = (await events_about(stack, issued["id"]))[-1]
    assert ce_type == TICKET_NO_SHOW.ce_type
    assert payload["reason"] == "recall_limit" and payload["recalls"] == 2
    assert (await stack.call_next(counter, agency.id)).status_code == 204  # counter freed


async def test_the_visitor_cancels_with_the_token_and_staff_remove(stack, agency):
    service = await agency.add_service()
    mine = await stack.issue(service)
    theirs = await stack.issue(service)
    cancelled = await stack.queue.post(
        f"{API}/tickets/{mine['id']}/cancel", headers={"X-Ticket-Token": mine["token"]}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled_by_visitor"
    wrong_token = await stack.queue.post(
        f"{API}/tickets/{theirs['id']}/cancel", params={"token": mine["token"]}
    )
    assert wrong_token.status_code == 403
    assert (await stack.queue.post(f"{API}/tickets/{theirs['id']}/cancel")).status_code == 401
    removed = await stack.queue.post(f"{API}/tickets/{theirs['id']}/cancel", headers=agency.officer)
    assert removed.json()["status"] == "removed_by_staff"
    assert (await events_about(stack, mine["id"]))[-1][0] == TICKET_CANCELLED.ce_type
    ce_type, payload, _ = (await events_about(stack, theirs["id"]))[-1]
    assert ce_type == TICKET_REMOVED.ce_type and payload["outcome"] == "removed_by_staff"


async def test_an_officer_confirms_or_removes_a_priority_claim(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    walk_in = await stack.issue(service)
    claims = await stack.issue(service, priority="disability")
    pretends = await stack.issue(service, priority="elderly")
    confirmed = await stack.step(claims["id"], "priority/confirm", agency.id)
    assert confirmed.json()["priority_status"] == "confirmed"
    # Called ahead of the walk-in; the officer sees the claim is false: back to the line.
    first = (await stack.call_next(counter, agency.id)).json()
    assert first["id"] == claims["id"]
    await stack.step(claims["id"], "start", agency.id)
    await stack.step(claims["id"], "finish", agency.id)
    called = (await stack.call_next(counter, agency.id)).json()
    assert called["id"] == pretends["id"]
    removed = await stack.step(pretends["id"], "priority/remove", agency.id)
    assert removed.status_code == 200
    assert removed.json()["status"] == "waiting" and removed.json()["call_class"] == "walk_in"
    # It keeps its arrival: it came after the walk-in, so the walk-in is next now.
    assert (await stack.call_next(counter, agency.id)).json()["id"] == walk_in["id"]
    no_claim = await stack.step(walk_in["id"], "priority/confirm", agency.id)
    assert no_claim.status_code == 409
    assert no_claim.json()["type"] == "/problems/no-priority-claim"


async def test_transferring_to_a_retired_service_is_refused_and_changes_nothing(stack, agency):
    service = await agency.add_service()
    retired = await agency.add_service()
    await stack.retire_service(retired["id"])
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service)
    await stack.call_next(counter, agency.id)
    await stack.step(issued["id"], "start", agency.id)
    before = await snapshot(stack, issued["id"], counter["id"])
    response = await stack.step(
        issued["id"], "transfer", agency.id, json={"service_id": retired["id"]}
    )
    assert response.status_code == 409
    assert "retired" in response.json()["detail"]
    assert await snapshot(stack, issued["id"], counter["id"]) == before
    same = await stack.step(issued["id"], "transfer", agency.id, json={"service_id": service["id"]})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "service_id"
    unknown = await stack.step(issued["id"], "transfer", agency.id, json={"service_id": "nope"})
    assert unknown.status_code == 422
    assert await snapshot(stack, issued["id"], counter["id"]) == before


async def snapshot(stack, ticket_id: str, counter_id: str | None):
    return (
        await stack.ticket_doc(ticket_id),
        await stack.db.tickets.count_documents({}),
        await stack.db.outbox.count_documents({}),
        await stack.store.counter_state(counter_id) if counter_id else None,
    )


# API step → the domain's action (cancel with staff credentials is a removal).
STEPS = {
    "recall": "recall",
    "no-show": "no_show",
    "start": "start",
    "finish": "finish",
    "transfer": "transfer",
    "cancel": "remove",
    "cancel-with-token": "cancel",
    "priority/confirm": "confirm_priority",
    "priority/remove": "remove_priority",
}
STATES: tuple[Status, ...] = get_args(Status)


async def ticket_in(stack, agency, service, other, counter, status: str) -> dict:
    """A ticket (with a priority claim, so priority steps depend on state alone) in ``status``."""
    ticket = await stack.issue(service, priority="elderly")
    tid = ticket["id"]
    if status == "removed_by_reset":
        await stack.queue_app.state.reset.run(utcnow() + timedelta(days=1))
    if status == "cancelled_by_visitor":
        await stack.queue.post(f"{API}/tickets/{tid}/cancel", params={"token": ticket["token"]})
    if status == "removed_by_staff":
        await stack.step(tid, "cancel", agency.id)
    if status in ("called", "serving", "served", "transferred", "no_show"):
        assert (await stack.call_next(counter, agency.id)).json()["id"] == tid
    if status == "no_show":
        await stack.step(tid, "no-show", agency.id)
    if status in ("serving", "served", "transferred"):
        await stack.step(tid, "start", agency.id)
    if status == "served":
        await stack.step(tid, "finish", agency.id)
    if status == "transferred":
        await stack.step(tid, "transfer", agency.id, json={"service_id": other["id"]})
    assert (await stack.ticket_doc(tid))["status"] == status
    return ticket


@pytest.mark.parametrize("status", STATES)
async def test_every_step_not_allowed_from_a_state_is_a_409_that_changes_nothing(
    stack, agency, status
):
    service = await agency.add_service()
    other = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    ticket = await ticket_in(stack, agency, service, other, counter, status)
    refused = [step for step, action in STEPS.items() if refusal(status, action) is not None]
    assert refused, "every state refuses something"
    for step in refused:
        before = await snapshot(stack, ticket["id"], counter["id"])
        if step == "cancel-with-token":
            response = await stack.queue.post(
                f"{API}/tickets/{ticket['id']}/cancel", params={"token": ticket["token"]}
            )
        else:
            body = {"json": {"service_id": other["id"]}} if step == "transfer" else {}
            response = await stack.step(ticket["id"], step, agency.id, **body)
        assert response.status_code == 409, (step, response.text)
        problem = response.json()
        assert problem["type"] == "/problems/invalid-transition"
        assert problem["detail"] == refusal(status, STEPS[step])
        assert problem["status"] == 409
        assert await snapshot(stack, ticket["id"], counter["id"]) == before, step


async def test_a_transfer_event_is_keyed_by_the_queue_the_ticket_joins(stack, agency):
    service = await agency.add_service()
    other = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    ticket = await ticket_in(stack, agency, service, other, counter, "transferred")
    ce_type, payload, key = (await events_about(stack, ticket["id"]))[-1]
    assert ce_type == TICKET_TRANSFERRED.ce_type
    assert key == other["id"] == payload["to_service_id"]
    assert payload["service_id"] == service["id"]
