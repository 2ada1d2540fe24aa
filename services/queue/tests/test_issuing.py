"""Taking a ticket: numbers, idempotency, refusals, the holder's token, the event."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from mpp_testing import EventReader, eventually

from mpp_kit.contracts.queue import TICKET_ISSUED

API = "/api/v1/queue"


async def records_about(reader: EventReader, ticket_id: str) -> list:
    """The records about one ticket, waiting for at least one (the topic holds others too)."""
    while not (
        found := [r for r in reader.records if json.loads(r.value)["ticket_id"] == ticket_id]
    ):
        await reader.read(len(reader.records) + 1)
    return found


pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_ticket_has_the_prefix_and_daily_number_its_place_and_a_token(stack, agency):
    service = await agency.add_service(avg_service_minutes=6)
    first = await stack.issue(service)
    second = await stack.issue(service, channel="online")
    prefix = service["ticket_prefix"]
    assert first["number"] == f"{prefix}-001"
    assert second["number"] == f"{prefix}-002"
    assert first["status"] == "waiting"
    assert first["service_id"] == service["id"]
    assert (first["position"], second["position"]) == (1, 2)
    # One ahead, no counter open yet: as if one will open, at the catalog's 6 minutes each.
    assert (first["estimated_wait_minutes"], second["estimated_wait_minutes"]) == (0, 6)
    assert first["token"] and first["token"] != second["token"]
    doc = await stack.ticket_doc(first["id"])
    assert doc["day"] == first["day"] and doc["seq"] == 1


async def test_fifty_concurrent_kiosks_get_fifty_distinct_consecutive_numbers(stack, agency):
    service = await agency.add_service()
    issued = await asyncio.gather(*[stack.issue(service) for _ in range(50)])
    prefix = service["ticket_prefix"]
    numbers = sorted(t["number"] for t in issued)
    assert numbers == [f"{prefix}-{n:03d}" for n in range(1, 51)]
    assert len({t["id"] for t in issued}) == 50
    assert await stack.db.tickets.count_documents({"service_id": service["id"]}) == 50


async def test_the_same_idempotency_key_prints_one_ticket(stack, agency):
    service = await agency.add_service()
    body = {"service_id": service["id"], "channel": "kiosk"}
    headers = {"Idempotency-Key": "kiosk-7-tap-1"}
    answers = await asyncio.gather(
        *[stack.queue.post(f"{API}/tickets", json=body, headers=headers) for _ in range(5)]
    )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert len({r.json()["number"] for r in answers}) == 1
    assert await stack.db.tickets.count_documents({"service_id": service["id"]}) == 1
    issued_events = await stack.db.outbox.count_documents(
        {"ce_type": TICKET_ISSUED.ce_type, "key": service["id"]}
    )
    assert issued_events == 1
    # A key reused for another request is refused, not silently answered.
    other = await stack.queue.post(
        f"{API}/tickets", json={**body, "channel": "online"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"


async def test_the_ticket_issued_event_is_keyed_by_the_queue_and_carries_consented_contact(
    stack, agency, infra
):
    service = await agency.add_service()
    topic = stack.settings.topic(TICKET_ISSUED.topic)
    async with EventReader(infra.bootstrap, topic) as reader:
        with_contact = await stack.issue(
            service, contact={"phone": "+62 812-3456-7890"}, consent=True, priority="elderly"
        )
        mine = await records_about(reader, with_contact["id"])
        assert len(await reader.settle(0.5)) == len(reader.records)
    assert len(mine) == 1
    record = mine[0]
    assert record.key.decode() == service["id"]
    assert EventReader.header(record, "ce_type") == TICKET_ISSUED.ce_type
    payload = json.loads(record.value)
    assert payload["contact"] == {"phone": "+6281234567890", "email": None}
    assert payload["priority"] == "elderly" and payload["call_class"] == "priority"
    assert payload["number"] == with_contact["number"]


async def test_the_holder_sees_the_ticket_with_its_token_and_nobody_else_without_one(stack, agency):
    service = await agency.add_service()
    issued = await stack.issue(service)
    url = f"{API}/tickets/{issued['id']}"
    by_query = await stack.queue.get(url, params={"token": issued["token"]})
    by_header = await stack.queue.get(url, headers={"X-Ticket-Token": issued["token"]})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.json()["position"] == 1
    assert "token" not in by_query.json()
    assert (await stack.queue.get(url)).status_code == 401
    wrong = await stack.queue.get(url, params={"token": "not-the-token"})
    assert wrong.status_code == 403
    assert (await stack.queue.get(url, headers=agency.officer)).status_code == 200
    other = await stack.new_agency()
    assert (await stack.queue.get(url, headers=other.officer)).status_code == 403
    missing = await stack.queue.get(f"{API}/tickets/nope", params={"token": issued["token"]})
    assert missing.status_code == 404


async def test_a_retired_service_takes_no_tickets(stack, agency):
    service = await agency.add_service()
    await stack.retire_service(service["id"])
    response = await stack.queue.post(
        f"{API}/tickets", json={"service_id": service["id"], "channel": "kiosk"}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/service-retired"
    assert "retired" in response.json()["detail"]


async def test_an_unknown_service_is_refused_naming_the_field(stack):
    response = await stack.queue.post(
        f"{API}/tickets", json={"service_id": "no-such-service", "channel": "kiosk"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "service_id"


async def test_a_service_closed_now_takes_no_tickets_and_says_when_it_opens(stack, agency):
    local_hour = (datetime.now(UTC) + timedelta(hours=7)).hour
    # One hour of the day that is not now (WIB), every day.
    start = 3 if local_hour not in (2, 3, 4) else 12
    hours = {
        day: [{"open": f"{start:02d}:00", "close": f"{start + 1:02d}:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    service = await agency.add_service(opening_hours=hours)
    response = await stack.queue.post(
        f"{API}/tickets", json={"service_id": service["id"], "channel": "kiosk"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/service-closed"
    assert f"{start:02d}:00 (Asia/Jakarta)" in problem["detail"]
    assert problem["next_opening"]
    assert await stack.db.tickets.count_documents({"service_id": service["id"]}) == 0


async def test_the_daily_quota_of_each_channel_is_never_exceeded(stack, agency):
    service = await agency.add_service(quotas={"walk_in_daily": 3, "online_daily": 1})
    body = {"service_id": service["id"], "channel": "kiosk"}
    answers = await asyncio.gather(
        *[stack.queue.post(f"{API}/tickets", json=body) for _ in range(8)]
    )
    assert sorted(r.status_code for r in answers) == [201] * 3 + [409] * 5
    refused = next(r for r in answers if r.status_code == 409).json()
    assert refused["type"] == "/problems/daily-quota-reached"
    assert "quota of 3 kiosk tickets" in refused["detail"]
    # The online quota is its own.
    online = {**body, "channel": "online"}
    assert (await stack.queue.post(f"{API}/tickets", json=online)).status_code == 201
    assert (await stack.queue.post(f"{API}/tickets", json=online)).status_code == 409
    assert await stack.db.tickets.count_documents({"service_id": service["id"]}) == 4


async def test_a_priority_claim_needs_a_service_that_gives_priority(stack, agency):
    service = await agency.add_service(priority_service=False)
    response = await stack.queue.post(
        f"{API}/tickets",
        json={"service_id": service["id"], "channel": "kiosk", "priority": "pregnant"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "priority"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"channel": "booking"}, "channel"),
        ({"priority": "vip"}, "priority"),
        ({"contact": {"phone": "call me"}, "consent": True}, "contact.phone"),
        ({"contact": {"email": "not-an-address"}, "consent": True}, "contact.email"),
        ({"contact": {}, "consent": True}, "contact"),
        ({"contact": {"phone": "081234567890"}}, "consent"),
        ({"service_id": ""}, "service_id"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_issues_nothing(
    stack, agency, body, field
):
    service = await agency.add_service()
    request = {"service_id": service["id"], "channel": "kiosk", **body}
    response = await stack.queue.post(f"{API}/tickets", json=request)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await stack.db.tickets.count_documents({"service_id": service["id"]}) == 0


async def test_a_bad_idempotency_key_is_refused(stack, agency):
    service = await agency.add_service()
    response = await stack.queue.post(
        f"{API}/tickets",
        json={"service_id": service["id"], "channel": "kiosk"},
        headers={"Idempotency-Key": "x" * 200},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_an_inactive_agency_takes_no_tickets(stack, agency):
    service = await agency.add_service()
    response = await stack.catalog.client.patch(
        f"/api/v1/catalog/agencies/{agency.id}", json={"active": False}, headers=stack.catalog.admin
    )
    assert response.status_code == 200, response.text
    await eventually(lambda: _inactive(stack, agency.id))
    refused = await stack.queue.post(
        f"{API}/tickets", json={"service_id": service["id"], "channel": "kiosk"}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/agency-inactive"


async def _inactive(stack, agency_id: str) -> bool:
    found = await stack.view.agency(agency_id)
    return found is not None and not found.active
