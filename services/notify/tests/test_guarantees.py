"""Delivered once, whatever the broker and the process do; one failing provider blocks nobody;
limits that protect citizens: a rate limit, quiet hours for reminders, bodies purged in time."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from mpp_testing import eventually, running_app

from mpp_kit.contracts.booking import BOOKING_REMINDER_DUE, BookingReminderDue
from mpp_kit.contracts.queue import TICKET_ISSUED
from mpp_notify.main import build_app
from mpp_notify.testing import (
    WA_PHONE_NUMBER_ID,
    WA_TOKEN,
    SmtpInbox,
    WhatsAppCloud,
    booking_event,
    consuming,
    deliveries,
    issued,
    publish,
    serving,
    smtp_server,
)

API = "/api/v1/notify"


def _smtp(port: int) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}


async def test_the_same_event_delivered_three_times_sends_one_message_per_recipient(
    notify_settings, infra
):
    inbox = SmtpInbox()
    async with smtp_server(inbox) as port:
        settings = notify_settings(**_smtp(port))
        app = build_app(settings)
        async with running_app(app) as client:
            await consuming(app)
            ticket = issued("A-001", email="budi@example.id", phone="081234567890")
            others = [issued(f"A-00{n}", email=f"warga{n}@example.id") for n in (2, 3)]
            # The broker hands the same CloudEvent (same ce_id) over three times.
            [event_id] = await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket], times=3)
            await publish(infra.bootstrap, settings, TICKET_ISSUED, others)
            await eventually(lambda: _count(inbox.messages, 3))
            await eventually(lambda: _inbox_has(client, 1))
            await asyncio.sleep(1.0)  # time for any duplicate to show up
            mine = await deliveries(app, event_id=event_id)
            handled = await app.state.runtime.db.processed_events.count_documents({"_id": event_id})

    assert len(inbox.to("budi@example.id")) == 1
    assert len(inbox.messages) == 3
    assert sorted(d["channel"] for d in mine) == ["email", "whatsapp"]
    assert handled == 1


async def test_a_restart_in_the_middle_of_a_batch_sends_every_message_exactly_once(
    notify_settings, infra
):
    inbox = SmtpInbox(delay=0.1)
    count = 30
    async with smtp_server(inbox) as port:
        settings = notify_settings(**_smtp(port), destination_concurrency=2, lease_seconds=4.0)
        tickets = [issued(f"R-{n:03d}", email=f"warga{n}@example.id") for n in range(count)]
        first = build_app(settings)
        async with running_app(first):
            await consuming(first)
            await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
            await eventually(lambda: _count(inbox.messages, 5))
        stopped_at = len(inbox.messages)
        # A new process of the same service (same consumer group, same database) takes over.
        second = build_app(settings)
        async with running_app(second):
            await eventually(lambda: _count(inbox.messages, count), timeout=60)
            await asyncio.sleep(1.0)
            sent = await deliveries(second, status="sent")

    assert stopped_at < count  # it really stopped in the middle
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == sorted(f"warga{n}@example.id" for n in range(count))
    assert len({m["Message-ID"] for m in inbox.messages}) == count
    assert len(sent) == count


async def test_a_provider_that_hangs_does_not_hold_up_the_other_channels(notify_settings, infra):
    inbox, cloud = SmtpInbox(), WhatsAppCloud(delay=30.0)
    async with smtp_server(inbox) as port, serving(cloud.app()) as url:
        settings = notify_settings(
            **_smtp(port),
            whatsapp_api_base=f"{url}/v21.0",
            whatsapp_phone_number_id=WA_PHONE_NUMBER_ID,
            whatsapp_token=WA_TOKEN,
            send_timeout_seconds=1.0,
            lease_seconds=3.0,
            destination_concurrency=2,
            message_retry_base_seconds=30.0,
        )
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            tickets = [
                issued(f"W-{n:02d}", email=f"warga{n}@example.id", phone=f"08123456{n:04d}")
                for n in range(12)
            ]
            await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
            await eventually(lambda: _count(inbox.messages, 12), timeout=5)
            stuck = await eventually(lambda: _retrying(app, "whatsapp"), timeout=10)

    assert stuck[0]["answer"] == "no answer within 1 s"
    assert stuck[0]["next_attempt_at"] > stuck[0]["history"][0]["at"] + timedelta(seconds=29)


async def test_one_recipient_gets_no_more_than_the_rate_limit(notify_settings, infra):
    settings = notify_settings(recipient_rate_limit=3, phone_channels=[])
    app = build_app(settings)
    async with running_app(app):
        await consuming(app)
        tickets = [issued(f"L-{n}", email="bug@example.id") for n in range(5)]
        await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
        await eventually(lambda: _total(app, 5))
        await eventually(lambda: _sent(app, 3))
        suppressed = await deliveries(app, status="suppressed")
        inbox = await app.state.runtime.db.inbox.count_documents({})

    assert len(suppressed) == 2
    assert inbox == 3
    assert suppressed[0]["answer"] == "rate limit: 3 messages per 3600 s to one recipient"


async def test_reminders_wait_until_the_quiet_hours_end_but_other_messages_do_not(
    notify_settings, infra
):
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    # Quiet from an hour ago until two hours from now, MPP local time.
    start, end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=2)).time()
    settings = notify_settings(quiet_hours=f"{start:%H:%M}-{end:%H:%M}", phone_channels=[])
    app = build_app(settings)
    async with running_app(app):
        await consuming(app)
        await publish(
            infra.bootstrap,
            settings,
            BOOKING_REMINDER_DUE,
            [booking_event(BookingReminderDue, email="q@example.id", kind="day_before")],
        )
        await publish(
            infra.bootstrap, settings, TICKET_ISSUED, [issued("Q-1", email="q@example.id")]
        )
        [ticket_message] = await eventually(lambda: deliveries(app, status="sent"))
        [reminder] = await deliveries(app, notification="booking-reminder")
        inbox = await app.state.runtime.db.inbox.count_documents({})

    assert ticket_message["notification"] == "ticket-issued" and inbox == 1
    assert reminder["status"] == "pending"
    local = reminder["next_attempt_at"].astimezone(ZoneInfo("Asia/Jakarta"))
    assert local.time() == time(end.hour, end.minute)
    assert local > now


async def test_addresses_and_bodies_are_purged_after_the_retention_period(notify_settings, infra):
    settings = notify_settings(retention_hours=1 / 3600, purge_interval_seconds=0.5)
    app = build_app(settings)
    async with running_app(app):
        await consuming(app)
        await publish(
            infra.bootstrap, settings, TICKET_ISSUED, [issued("P-1", email="p@example.id")]
        )
        [delivery] = await eventually(lambda: deliveries(app, purged_at={"$ne": None}), timeout=10)
        await eventually(lambda: _inbox_empty(app), timeout=10)

    for personal in ("to", "subject", "body", "params"):
        assert personal not in delivery
    assert delivery["status"] == "sent"
    assert delivery["recipient"] == "p***@example.id"  # the masked form stays for the log


async def _count(items: list, count: int) -> bool:
    return len(items) >= count


async def _inbox_has(client, count: int) -> bool:
    return len((await client.get(f"{API}/inbox")).json()["items"]) >= count


async def _retrying(app, channel: str):
    docs = await deliveries(app, channel=channel, status="pending")
    return [d for d in docs if d.get("history")]


async def _total(app, count: int) -> bool:
    return len(await deliveries(app)) >= count


async def _sent(app, count: int) -> bool:
    return len(await deliveries(app, status="sent")) >= count


async def _inbox_empty(app) -> bool:
    return await app.state.runtime.db.inbox.count_documents({}) == 0
