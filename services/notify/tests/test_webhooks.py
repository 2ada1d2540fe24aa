"""Agency webhooks: the CloudEvent, signed, to the endpoints registered in the catalog; retried
on a persisted schedule; disabled after consecutive failures; never held up by a slow peer."""

from __future__ import annotations

import asyncio
import json
import time

from mpp_testing import EventReader, eventually, running_app

from mpp_kit.auth import Role
from mpp_kit.contracts.notify import NOTIFICATION_FAILED, NotificationOutcome
from mpp_kit.contracts.queue import TICKET_ISSUED
from mpp_notify.main import build_app
from mpp_notify.testing import (
    WebhookReceiver,
    as_staff,
    consuming,
    deliveries,
    issued,
    publish,
    serving,
    verify_signature,
)

API = "/api/v1/notify"
SECRET = "whsec-dukcapil-0123456789abcdef"
OTHER_SECRET = "whsec-samsat-0123456789abcdef"


async def _synced(app, count: int) -> bool:
    return await app.state.runtime.db.webhook_endpoints.count_documents({}) >= count


async def test_agency_webhook_gets_its_own_agencys_events_signed_in_structured_mode(
    notify_settings, mpp, infra
):
    ours, theirs = WebhookReceiver(), WebhookReceiver()
    async with serving(ours.app()) as our_url, serving(theirs.app()) as their_url:
        await mpp.webhook(mpp.agency, f"{our_url}/hook", [TICKET_ISSUED.ce_type], SECRET)
        await mpp.webhook(
            mpp.other_agency, f"{their_url}/hook", [TICKET_ISSUED.ce_type], OTHER_SECRET
        )
        settings = notify_settings(catalog_url=mpp.url)
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            await eventually(lambda: _synced(app, 2))
            ticket = issued("A-001", service_id=mpp.service_id, email="budi@example.id")
            [event_id] = await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
            await eventually(lambda: _received(ours, 1))
            await eventually(lambda: deliveries(app, channel="webhook", status="sent"))
            await asyncio.sleep(0.3)

    assert theirs.received == []  # samsat never hears about dukcapil's tickets
    [(headers, body, _)] = ours.received
    assert headers["content-type"] == "application/cloudevents+json"
    assert verify_signature(SECRET, headers["x-mpp-signature"], body)
    assert not verify_signature(OTHER_SECRET, headers["x-mpp-signature"], body)
    assert not verify_signature(SECRET, headers["x-mpp-signature"], body + b" ")
    event = json.loads(body)
    assert {k: event[k] for k in ("specversion", "id", "type", "source", "datacontenttype")} == {
        "specversion": "1.0",
        "id": event_id,
        "type": "id.mpp.queue.ticket-issued.v1",
        "source": "/mpp/queue",
        "datacontenttype": "application/json",
    }
    assert event["data"]["number"] == "A-001"
    assert event["data"]["ticket_id"] == ticket.ticket_id
    assert "contact" not in event["data"]  # the citizen's contact is for notify, not for agencies
    assert b"budi@example.id" not in body


async def test_a_failing_webhook_is_retried_on_the_persisted_schedule_until_it_answers(
    notify_settings, mpp, infra
):
    receiver = WebhookReceiver(statuses=[500, 502])
    async with serving(receiver.app()) as url:
        await mpp.webhook(mpp.agency, f"{url}/hook", [TICKET_ISSUED.ce_type], SECRET)
        settings = notify_settings(catalog_url=mpp.url, webhook_retry_base_seconds=0.5)
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            await eventually(lambda: _synced(app, 1))
            await publish(
                infra.bootstrap, settings, TICKET_ISSUED, [issued("A-2", service_id=mpp.service_id)]
            )
            [waiting] = await eventually(lambda: _retrying(app))
            [delivery] = await eventually(lambda: deliveries(app, status="sent"), timeout=20)

    # The retry is a row in the store with its time, not a sleeping task.
    first_failure = waiting["history"][0]["at"]
    assert waiting["status"] == "pending"
    assert abs((waiting["next_attempt_at"] - first_failure).total_seconds() - 0.5) < 0.1
    assert delivery["attempts"] == 3
    assert [h["answer"][:3] for h in delivery["history"]] == ["500", "502", "200"]
    arrivals = [at for _, _, at in receiver.received]
    assert arrivals[1] - arrivals[0] >= 0.5  # base
    assert arrivals[2] - arrivals[1] >= 1.0  # twice the base
    # Every attempt carries a fresh, valid signature and the same delivery id.
    assert all(verify_signature(SECRET, h["x-mpp-signature"], b) for h, b, _ in receiver.received)
    assert len({h["x-mpp-delivery"] for h, _, _ in receiver.received}) == 1


async def test_an_endpoint_failing_again_and_again_is_disabled_and_its_admin_sees_why(
    notify_settings, mpp, infra
):
    receiver = WebhookReceiver(always=503)
    async with serving(receiver.app()) as url:
        endpoint_id = await mpp.webhook(mpp.agency, f"{url}/hook", [TICKET_ISSUED.ce_type], SECRET)
        settings = notify_settings(
            catalog_url=mpp.url, webhook_disable_after=4, webhook_max_attempts=3
        )
        app = build_app(settings)
        failed_topic = settings.topic(NOTIFICATION_FAILED.topic)
        async with running_app(app) as client, EventReader(infra.bootstrap, failed_topic) as reader:
            await consuming(app)
            await eventually(lambda: _synced(app, 1))
            tickets = [issued(f"A-{n}", service_id=mpp.service_id) for n in (1, 2)]
            await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
            await eventually(lambda: _all_failed(app, 2), timeout=20)
            records = await reader.read(2)
            admin = as_staff(settings, Role.AGENCY_ADMIN, mpp.agency)
            [status] = (await client.get(f"{API}/webhooks", headers=admin)).json()
            refused = await client.get(
                f"{API}/webhooks", params={"agency_id": mpp.other_agency}, headers=admin
            )
            samsat_view = await client.get(
                f"{API}/webhooks", headers=as_staff(settings, Role.AGENCY_ADMIN, mpp.other_agency)
            )
            officer = await client.get(
                f"{API}/webhooks", headers=as_staff(settings, Role.OFFICER, mpp.agency)
            )
            # Once the agency has fixed its system, it enables the endpoint and retries.
            receiver.always = None
            assert (
                await client.post(f"{API}/webhooks/{endpoint_id}/enable", headers=admin)
            ).status_code == 204
            [one, _] = await deliveries(app, channel="webhook")
            retried = await client.post(f"{API}/deliveries/{one['_id']}/retry", headers=admin)
            await eventually(lambda: deliveries(app, _id=one["_id"], status="sent"))

    assert status["id"] == endpoint_id
    assert status["disabled"] is True
    assert status["consecutive_failures"] >= 4
    assert status["disabled_reason"].startswith("Disabled after 4 consecutive failed deliveries")
    assert "503" in status["disabled_reason"]
    assert refused.status_code == 403
    assert samsat_view.json() == []
    assert officer.status_code == 403
    outcomes = [NotificationOutcome.model_validate_json(r.value) for r in records]
    assert sum(o.endpoint_disabled for o in outcomes) == 1
    assert all(o.channel == "webhook" and o.endpoint_id == endpoint_id for o in outcomes)
    assert retried.status_code == 202


async def test_a_slow_endpoint_does_not_hold_up_the_others(notify_settings, mpp, infra):
    slow, fast = WebhookReceiver(delay=3.0), WebhookReceiver()
    async with serving(slow.app()) as slow_url, serving(fast.app()) as fast_url:
        await mpp.webhook(mpp.agency, f"{slow_url}/hook", [TICKET_ISSUED.ce_type], SECRET)
        await mpp.webhook(mpp.agency, f"{fast_url}/hook", [TICKET_ISSUED.ce_type], SECRET)
        settings = notify_settings(
            catalog_url=mpp.url,
            send_timeout_seconds=5.0,
            lease_seconds=10.0,
            dispatch_concurrency=8,
            destination_concurrency=2,
        )
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            await eventually(lambda: _synced(app, 2))
            started = time.monotonic()
            tickets = [issued(f"A-{n:03d}", service_id=mpp.service_id) for n in range(20)]
            await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
            await eventually(lambda: _received(fast, 20), timeout=20)
            fast_done = time.monotonic() - started
            slow_so_far = len(slow.received)

    assert fast_done < 3.0, fast_done  # well before the slow endpoint answered even twice
    assert slow_so_far <= 4  # it never held more than its share of the senders


async def _received(receiver: WebhookReceiver, count: int) -> bool:
    return len(receiver.received) >= count


async def _retrying(app):
    docs = await deliveries(app, status="pending", attempts=1)
    return [d for d in docs if d.get("history")]


async def _all_failed(app, count: int) -> bool:
    return len(await deliveries(app, channel="webhook", status="failed")) >= count
