"""With the real queue service: a visitor who consents is told by notify, through the bus, with
a link the queue itself accepts — the path ``mpp up``'s demo takes to fill the dev inbox."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from mpp_testing import eventually, running_app, staff_token

from mpp_kit.auth import Role
from mpp_notify.main import build_app
from mpp_notify.testing import consuming, serving
from mpp_queue.main import build_app as build_queue
from mpp_queue.settings import QueueSettings

OPEN_ALL_DAY = {
    "opening_hours": {
        day: [{"open": "00:00", "close": "24:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "observe_national_holidays": False,
}


async def test_a_ticket_taken_with_consent_reaches_the_visitor_with_a_link_the_queue_accepts(
    settings_for, notify_settings, mpp, infra
):
    catalog = mpp.catalog
    response = await catalog.client.patch(
        "/api/v1/catalog/settings", json=OPEN_ALL_DAY, headers=catalog.admin
    )
    assert response.status_code == 200, response.text
    queue_settings = settings_for(QueueSettings, "queue", catalog_url=mpp.url)
    notify = build_app(notify_settings(catalog_url=mpp.url))
    officer = staff_token(queue_settings, Role.OFFICER, agency_id=mpp.agency, user_id="o-1")
    async with (
        serving(build_queue(queue_settings)) as queue_url,
        httpx.AsyncClient(base_url=queue_url, timeout=30) as queue,
        running_app(notify) as client,
    ):
        await consuming(notify)

        async def issue():
            answer = await queue.post(
                "/api/v1/queue/tickets",
                json={
                    "service_id": mpp.service_id,
                    "channel": "kiosk",
                    "priority": "regular",
                    "contact": {"email": "rina@example.id"},
                    "consent": True,
                },
                headers={"Idempotency-Key": "notify-e2e-1"},
            )
            return answer.json() if answer.status_code == 201 else None

        ticket = await eventually(issue, timeout=30)
        [issued] = await eventually(lambda: _inbox(client, "ticket-issued"), timeout=30)
        link = re.search(r"https?://\S+/api/v1/queue/tickets/\S+", issued["body"]).group(0)
        parts = urlsplit(link)
        followed = await queue.get(f"{parts.path}?{parts.query}")

        async def call_next():
            opened = await queue.post(
                f"/api/v1/queue/counters/{mpp.counter_id}/open", headers=officer
            )
            return opened.status_code in (200, 409)

        await eventually(call_next, timeout=30)
        called = await queue.post(
            f"/api/v1/queue/counters/{mpp.counter_id}/call-next", headers=officer
        )
        [call] = await eventually(lambda: _inbox(client, "ticket-called"), timeout=30)

    assert issued["subject"].startswith(f"Nomor antrian {ticket['number']} – Perekaman KTP-el")
    assert issued["to"] == "r***@example.id"
    assert followed.status_code == 200, followed.text
    assert followed.json()["number"] == ticket["number"]
    assert called.status_code == 200, called.text
    assert call["body"].startswith(f"Nomor antrian {ticket['number']}, silakan ke loket 3.")


async def _inbox(client, notification: str):
    items = (await client.get("/api/v1/notify/inbox")).json()["items"]
    return [m for m in items if m["notification"] == notification]
