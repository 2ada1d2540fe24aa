"""Position and estimated wait follow the line as it moves; the running waiting count behind them
mends itself if it ever drifts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mpp_kit.clock import utcnow
from mpp_queue.queue_lengths import QueueLengths

API = "/api/v1/queue"
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def position(stack, ticket) -> tuple[int, int]:
    seen = (
        await stack.queue.get(f"{API}/tickets/{ticket['id']}", params={"token": ticket["token"]})
    ).json()
    return seen["position"], seen["estimated_wait_minutes"]


async def test_positions_and_estimates_follow_the_line(stack, agency):
    service = await agency.add_service(avg_service_minutes=4)
    counter = await agency.add_counter(service)
    await agency.open_counter(counter)
    first, second, third, fourth = [await stack.issue(service) for _ in range(4)]
    # One open counter, four minutes a visitor (the catalog's figure until there is history).
    assert [
        (t["position"], t["estimated_wait_minutes"]) for t in (first, second, third, fourth)
    ] == [
        (1, 0),
        (2, 4),
        (3, 8),
        (4, 12),
    ]
    await stack.call_next(counter, agency.id)  # the first leaves the line
    await stack.queue.post(f"{API}/tickets/{third['id']}/cancel", params={"token": third["token"]})
    assert await position(stack, second) == (1, 0)
    assert await position(stack, fourth) == (2, 4)
    fifth = await stack.issue(service)
    assert fifth["position"] == 3
    # A priority claim goes before every walk-in.
    elderly = await stack.issue(service, priority="elderly")
    assert elderly["position"] == 1
    assert await position(stack, fifth) == (4, 12)
    assert elderly["first_estimate_minutes"] == 0


async def test_a_drifted_waiting_count_is_mended(stack, agency):
    service = await agency.add_service()
    for _ in range(3):
        await stack.issue(service)
    doc = await stack.db.daily_numbers.find_one({"service_id": service["id"]})
    assert doc["waiting"] == 3
    # As if a process died between a call's commit and its count update, a while ago.
    await stack.db.daily_numbers.update_one(
        {"_id": doc["_id"]},
        {"$set": {"waiting": 8, "touched": utcnow() - timedelta(minutes=1)}},
    )
    await QueueLengths(stack.store).refresh()
    assert (await stack.db.daily_numbers.find_one({"_id": doc["_id"]}))["waiting"] == 3
    assert (await stack.issue(service))["position"] == 4
