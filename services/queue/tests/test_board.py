"""The display board: a live stream of calls per agency or for the whole MPP, and a snapshot."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from mpp_testing import eventually

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def next_event(lines, timeout: float = 10.0) -> dict:
    """The next server-sent event (skipping keep-alive comments)."""
    event: dict = {}
    async with asyncio.timeout(timeout):
        async for line in lines:
            if not line:
                if "data" in event:
                    return event
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            event[name] = value.strip()
    raise AssertionError("the stream ended")


async def listening(stack, count: int) -> bool:
    return len(stack.queue_app.state.feed.subscribers) >= count


async def test_the_board_stream_announces_a_call_and_a_recall(stack, agency):
    service = await agency.add_service(name="Pembuatan KTP-el")
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service)
    before = len(stack.queue_app.state.feed.subscribers)
    async with stack.queue.stream(
        "GET", f"{API}/board/stream", params={"agency_id": agency.id}
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        await eventually(lambda: listening(stack, before + 1))
        lines = stream.aiter_lines()
        started = time.perf_counter()
        assert (await stack.call_next(counter, agency.id)).status_code == 200
        called = await next_event(lines)
        latency = time.perf_counter() - started
        await stack.step(issued["id"], "recall", agency.id)
        recalled = await next_event(lines)
    assert called["event"] == "ticket-called"
    call = json.loads(called["data"])
    assert call["number"] == issued["number"]
    assert call["counter"] == {
        "id": counter["id"],
        "number": counter["number"],
        "name": counter["name"],
    }
    assert call["service_name"] == "Pembuatan KTP-el"
    assert call["announcement"].startswith("Nomor antrian ")
    assert call["announcement"].endswith(f"silakan ke loket {_words(counter['number'])}")
    assert recalled["event"] == "ticket-recalled"
    assert json.loads(recalled["data"])["recalls"] == 1
    assert latency < 2.0


def _words(n: int) -> str:
    from mpp_queue.domain.announcement import terbilang

    return terbilang(n)


async def test_an_agency_board_hears_only_its_agency_and_the_mpp_board_hears_all(stack, agency):
    other = await stack.new_agency()
    mine = await agency.add_service()
    theirs = await other.add_service()
    my_counter = await agency.add_counter(mine)
    their_counter = await other.add_counter(theirs)
    await agency.open_counter(my_counter)
    await other.open_counter(their_counter)
    my_ticket = await stack.issue(mine)
    their_ticket = await stack.issue(theirs)
    before = len(stack.queue_app.state.feed.subscribers)
    async with (
        stack.queue.stream("GET", f"{API}/board/stream", params={"agency_id": agency.id}) as own,
        stack.queue.stream("GET", f"{API}/board/stream") as whole,
    ):
        await eventually(lambda: listening(stack, before + 2))
        own_lines, whole_lines = own.aiter_lines(), whole.aiter_lines()
        await stack.call_next(their_counter, other.id)
        await stack.call_next(my_counter, agency.id)
        heard_by_agency = json.loads((await next_event(own_lines))["data"])
        heard_by_mpp = [json.loads((await next_event(whole_lines))["data"]) for _ in range(2)]
    assert heard_by_agency["ticket_id"] == my_ticket["id"]  # their call never reached it
    assert [c["ticket_id"] for c in heard_by_mpp] == [their_ticket["id"], my_ticket["id"]]


async def test_the_board_snapshot_shows_now_serving_and_who_is_next(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    tickets = [await stack.issue(service) for _ in range(4)]
    await stack.call_next(counter, agency.id)
    response = await stack.queue.get(f"{API}/board", params={"agency_id": agency.id})
    assert response.status_code == 200
    board = response.json()
    assert board["counters"] == [
        {
            "counter": {"id": counter["id"], "number": counter["number"], "name": counter["name"]},
            "agency_id": agency.id,
            "open": True,
            "now_serving": tickets[0]["number"],
            "status": "called",
            "service_id": service["id"],
        }
    ]
    [queue] = board["queues"]
    assert queue["waiting"] == 3
    assert queue["next"] == [t["number"] for t in tickets[1:]]


async def test_metrics_count_waiting_tickets_and_waiting_times(stack, agency):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    first = await stack.issue(service)
    await stack.issue(service)
    await stack.call_next(counter, agency.id)
    await stack.step(first["id"], "start", agency.id)
    from mpp_queue.queue_lengths import QueueLengths

    await QueueLengths(stack.store).refresh()
    text = (await stack.queue.get("/metrics")).text
    assert f'queue_tickets_waiting{{service_id="{service["id"]}"}} 1.0' in text
    assert f'queue_waiting_time_seconds_count{{service_id="{service["id"]}"}} 1.0' in text


async def test_a_board_on_one_replica_hears_a_call_made_on_another(stack, agency, second_replica):
    service = await agency.add_service()
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    issued = await stack.issue(service)
    before = len(stack.queue_app.state.feed.subscribers)
    async with stack.queue.stream(
        "GET", f"{API}/board/stream", params={"agency_id": agency.id}
    ) as stream:
        await eventually(lambda: listening(stack, before + 1))
        lines = stream.aiter_lines()
        called = await second_replica.post(
            f"{API}/counters/{counter['id']}/call-next", headers=agency.officer
        )
        assert called.status_code == 200, called.text
        heard = json.loads((await next_event(lines))["data"])
    assert heard["ticket_id"] == issued["id"]
