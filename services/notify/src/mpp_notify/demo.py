"""DATA DEMO — for ``mpp up``: two fictional visitors who gave a contact and agreed to be told
take tickets through the queue's API, so the dev inbox shows at once what citizens receive
(ticket issued; later "almost your turn" and the call, as the demo queue moves).

``seed(api, context)``: ``api`` points at the gateway with mpp_admin credentials. The tickets
carry an ``Idempotency-Key`` per local day, so a second ``mpp up`` the same day adds nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from mpp_kit.clock import local_date, utcnow

QUEUE = "/api/v1/queue"
INBOX = "/api/v1/notify/inbox"
# Fictional visitors (example.id is not a real mailbox; 0812-0000-xxxx is not a real line).
VISITORS: list[dict[str, str]] = [
    {"email": "warga.demo@example.id"},
    {"phone": "+6281200000001"},
]
WAIT_SECONDS = 60.0


async def seed(api: httpx.AsyncClient, context: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "inbox_url": f"{str(api.base_url).rstrip('/')}{INBOX}/page",
        "tickets": [],
        "messages": 0,
    }
    service_id = _first_service(context.get("catalog"))
    if service_id is None:
        return summary
    day = local_date(utcnow(), "Asia/Jakarta").isoformat()
    for n, contact in enumerate(VISITORS):
        body = {
            "service_id": service_id,
            "channel": "online",
            "priority": "regular",
            "contact": contact,
            "consent": True,
        }
        ticket = await _until_accepted(
            lambda body=body, n=n: api.post(
                f"{QUEUE}/tickets", json=body, headers={"Idempotency-Key": f"notify-demo-{day}-{n}"}
            )
        )
        if ticket is not None:
            summary["tickets"].append(ticket["number"])
    summary["messages"] = await _inbox_count(api, at_least=len(summary["tickets"]))
    return summary


def _first_service(catalog: Any) -> str | None:
    for agency in getattr(catalog, "agencies", []):
        for service_id in getattr(agency, "service_ids", {}).values():
            return str(service_id)
    return None


async def _until_accepted(call: Any) -> dict[str, Any] | None:
    """The queue may not know the demo catalog for a moment: ask again until it does."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        response = await call()
        if response.status_code in (200, 201):
            ticket: dict[str, Any] = response.json()
            return ticket
        if response.status_code not in (404, 409, 422, 503):
            return None
        await asyncio.sleep(0.5)
    return None


async def _inbox_count(api: httpx.AsyncClient, at_least: int) -> int:
    """How many messages the dev inbox holds, once it holds ``at_least`` (or time is up)."""
    deadline = time.monotonic() + WAIT_SECONDS
    count = 0
    while time.monotonic() < deadline:
        response = await api.get(INBOX, params={"limit": 200})
        if response.status_code != 200:
            return 0  # the dev inbox is off
        count = len(response.json()["items"])
        if count >= at_least:
            return count
        await asyncio.sleep(0.5)
    return count
