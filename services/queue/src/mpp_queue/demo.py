"""DATA DEMO — a queue in use for ``mpp up``: at the first counters of a few demo agencies, tickets
are waiting (some with priority, some taken online), a few visitors were served, and one is being
called now, so the board and the KPIs show something from the first minute.

``seed(api, context)`` goes through the queue's own API (``api`` carries mpp_admin credentials and
points at the gateway); ``context["catalog"]`` is what the catalog's demo seed returned. Tickets
carry an ``Idempotency-Key`` per local day, and a counter that already has a visitor is left as
it is, so a second ``mpp up`` the same day adds nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from mpp_queue import clock
from mpp_queue.domain.ticket_numbering import numbering_day

API = "/api/v1/queue"
DEMO_AGENCIES = 4
# (priority, channel) of the tickets taken at each demo counter, in arrival order.
VISITORS = [
    ("regular", "kiosk"),
    ("regular", "online"),
    ("elderly", "kiosk"),
    ("regular", "kiosk"),
    ("pregnant", "kiosk"),
    ("regular", "online"),
    ("regular", "kiosk"),
]
SERVED_PER_COUNTER = 2
# The queue learns the demo catalog from its events a moment after the catalog seed.
CATALOG_WAIT_SECONDS = 60.0


async def seed(api: httpx.AsyncClient, context: dict[str, Any]) -> dict[str, Any]:
    catalog = context.get("catalog")
    agencies = list(getattr(catalog, "agencies", []))[:DEMO_AGENCIES]
    day = numbering_day(clock.now(), "Asia/Jakarta").isoformat()
    summary: dict[str, Any] = {"tickets": [], "served": 0, "counters_open": []}
    for agency in agencies:
        if not agency.counter_ids:
            continue
        counter_id = agency.counter_ids[0]
        counter = _ok(await api.get(f"/api/v1/catalog/counters/{counter_id}"))
        services = counter["service_ids"]
        if not services:
            continue
        for i, (priority, channel) in enumerate(VISITORS):
            body = {
                "service_id": services[i % len(services)],
                "channel": channel,
                "priority": priority,
            }
            key = {"Idempotency-Key": f"demo-{day}-{agency.code}-{i}"}
            ticket = await _until_known(
                lambda body=body, key=key: api.post(f"{API}/tickets", json=body, headers=key)
            )
            summary["tickets"].append(ticket["number"])
        await _until_known(lambda c=counter_id: api.post(f"{API}/counters/{c}/open"))
        summary["counters_open"].append(counter_id)
        summary["served"] += await _serve_some(api, counter_id)
    return summary


async def _serve_some(api: httpx.AsyncClient, counter_id: str) -> int:
    """Serve a few visitors, then call one more who stays at the counter (the board shows it)."""
    served = 0
    for _ in range(SERVED_PER_COUNTER + 1):
        called = await api.post(f"{API}/counters/{counter_id}/call-next")
        if called.status_code != 200:  # 409: a visitor is there already (an earlier run); 204
            return served
        if served == SERVED_PER_COUNTER:
            return served
        ticket_id = called.json()["id"]
        for step in ("start", "finish"):
            _ok(await api.post(f"{API}/tickets/{ticket_id}/{step}"))
        served += 1
    return served


async def _until_known(send: Any) -> dict[str, Any]:
    """Send until the queue knows the catalog's entity (404/422/503 until its event arrives)."""
    deadline = time.monotonic() + CATALOG_WAIT_SECONDS
    while True:
        response: httpx.Response = await send()
        if response.status_code not in (404, 422, 503) or time.monotonic() > deadline:
            return _ok(response)  # type: ignore[no-any-return]
        await asyncio.sleep(0.5)


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(
            f"queue demo seed: {response.request.method} {response.request.url} → "
            f"{response.status_code} {response.text}"
        )
    return response.json()
