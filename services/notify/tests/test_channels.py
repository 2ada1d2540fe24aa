"""Each channel against its real local peer: an SMTP server, Meta's WhatsApp Cloud API format,
an Indonesian HTTP SMS gateway, and the dev inbox when no provider is configured."""

from __future__ import annotations

import json

import pytest
from mpp_testing import EventReader, eventually, running_app

from mpp_kit.auth import TokenKeys
from mpp_kit.contracts.notify import NOTIFICATION_SENT, NotificationOutcome
from mpp_kit.contracts.queue import TICKET_CALLED, TICKET_ISSUED
from mpp_notify.main import build_app
from mpp_notify.testing import (
    SMS_PASSKEY,
    SMS_USERKEY,
    WA_PHONE_NUMBER_ID,
    WA_TOKEN,
    SmsGateway,
    SmtpInbox,
    WhatsAppCloud,
    called,
    consuming,
    deliveries,
    issued,
    publish,
    serving,
    smtp_server,
)

API = "/api/v1/notify"


async def test_ticket_issued_reaches_the_citizen_by_email_through_a_real_smtp_server(
    notify_settings, mpp, infra
):
    inbox = SmtpInbox()
    async with smtp_server(inbox) as port:
        settings = notify_settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_from="MPP Kota Contoh <noreply@mpp.example.go.id>",
            catalog_url=mpp.url,
        )
        app = build_app(settings)
        sent_topic = settings.topic(NOTIFICATION_SENT.topic)
        async with running_app(app) as client, EventReader(infra.bootstrap, sent_topic) as sent:
            await consuming(app)
            await eventually(lambda: _names_known(app, mpp.service_id))
            ticket = issued(
                "A-007",
                service_id=mpp.service_id,
                email="Budi.Santoso@Example.ID",
                position=4,
                wait=25,
            )
            [event_id] = await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
            await eventually(lambda: _count(inbox.messages, 1))
            [record] = await sent.read(1)
            [delivery] = await deliveries(app, channel="email")
            metrics = (await client.get("/metrics")).text

    [mail] = inbox.messages
    assert inbox.envelopes == [("noreply@mpp.example.go.id", ["Budi.Santoso@example.id"])]
    assert mail["From"] == "MPP Kota Contoh <noreply@mpp.example.go.id>"
    assert mail["Subject"] == "Nomor antrian A-007 – Perekaman KTP-el / Your queue number"
    assert mail["Message-ID"] == f"<{delivery['_id']}@mpp.example.go.id>"
    body = mail.get_content()
    # Bahasa Indonesia first, English second; names come from the catalog's read model.
    assert body.index("Nomor antrian Anda A-007 untuk layanan Perekaman KTP-el") < body.index(
        "Your queue number is A-007"
    )
    assert "(Dinas Kependudukan dan Pencatatan Sipil)" in body
    assert "Posisi Anda dalam antrian: 4. Perkiraan waktu tunggu: 25 menit." in body
    token = TokenKeys(settings).sign_capability("ticket", ticket.ticket_id)
    link = f"https://mpp.example.go.id/api/v1/queue/tickets/{ticket.ticket_id}?token={token}"
    assert link in body  # the queue accepts this token: the visit's capability

    assert delivery["status"] == "sent"
    assert delivery["event_id"] == event_id
    assert delivery["recipient"] == "B***@example.id"
    assert delivery["answer"] == "250 2.0.0 Ok: queued as Q0001"
    outcome = NotificationOutcome.model_validate_json(record.value)
    assert (outcome.delivery_id, outcome.channel, outcome.provider) == (
        delivery["_id"],
        "email",
        "smtp",
    )
    assert outcome.recipient == "B***@example.id"
    assert "Budi" not in record.value.decode()
    assert 'notify_deliveries_total{channel="email",outcome="sent",provider="smtp"}' in metrics


# The local test server takes AUTH without TLS; aiosmtpd rightly warns about that.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_smtp_login_is_used_and_a_refused_login_fails_without_retrying(
    notify_settings, infra
):
    accepted, refused = SmtpInbox(), SmtpInbox()
    login = ("mpp-mailer", "rahasia-123")
    async with (
        smtp_server(accepted, login=login) as good_port,
        smtp_server(refused, login=login) as bad_port,
    ):
        good_settings = notify_settings(**_smtp_login(good_port, "rahasia-123"))
        # A second service of its own (database, topics), not a replica of the first.
        bad_settings = notify_settings(
            **_smtp_login(bad_port, "salah"),
            mongo_db=f"{good_settings.database_name}_2",
            topic_prefix=f"{good_settings.topic_prefix}2.",
        )
        good, bad = build_app(good_settings), build_app(bad_settings)
        async with running_app(good), running_app(bad):
            await consuming(good)
            await consuming(bad)
            for app in (good, bad):
                settings = app.state.settings
                await publish(
                    infra.bootstrap, settings, TICKET_ISSUED, [issued("E-1", email="e@example.id")]
                )
            await eventually(lambda: _count(accepted.messages, 1))
            [failed] = await eventually(lambda: deliveries(bad, status="failed"))

    assert accepted.messages[0]["To"] == "e@example.id"
    assert refused.messages == []
    assert failed["attempts"] == 1
    assert failed["answer"].startswith("535 ")


def _smtp_login(port: int, password: str) -> dict:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
        "smtp_username": "mpp-mailer",
        "smtp_password": password,
        "phone_channels": [],
    }


async def test_whatsapp_requests_follow_the_cloud_api_text_and_template_formats(
    notify_settings, infra
):
    cloud = WhatsAppCloud()
    async with serving(cloud.app()) as url:
        settings = notify_settings(
            whatsapp_api_base=f"{url}/v21.0",
            whatsapp_phone_number_id=WA_PHONE_NUMBER_ID,
            whatsapp_token=WA_TOKEN,
            whatsapp_templates={
                "ticket-called": {
                    "name": "mpp_nomor_dipanggil",
                    "language": "id",
                    "parameters": ["number", "counter"],
                }
            },
        )
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            ticket = issued("B-021", phone="0812-3456-7890", position=2)
            await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
            await eventually(lambda: _count(cloud.requests, 1))
            await publish(infra.bootstrap, settings, TICKET_CALLED, [called(ticket)])
            await eventually(lambda: _count(cloud.requests, 2))
            docs = await eventually(lambda: _sent(app, "whatsapp", 2))

    text, template = cloud.requests
    assert cloud.refused == []
    assert text == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+6281234567890",
        "type": "text",
        "text": {"preview_url": False, "body": text["text"]["body"]},
    }
    assert text["text"]["body"].startswith("Mal Pelayanan Publik: Nomor antrian Anda B-021")
    assert template == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+6281234567890",
        "type": "template",
        "template": {
            "name": "mpp_nomor_dipanggil",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "B-021"},
                        {"type": "text", "text": "3"},
                    ],
                }
            ],
        },
    }
    assert sorted(d["answer"] for d in docs) == ["200 wamid.HBgL000001", "200 wamid.HBgL000002"]
    assert {d["recipient"] for d in docs} == {"+6281*******90"}


async def test_whatsapp_refusal_fails_the_delivery_with_metas_answer_and_no_retry(
    notify_settings, infra
):
    cloud = WhatsAppCloud(undeliverable={"+6281299990000"})
    async with serving(cloud.app()) as url:
        settings = notify_settings(
            whatsapp_api_base=f"{url}/v21.0",
            whatsapp_phone_number_id=WA_PHONE_NUMBER_ID,
            whatsapp_token=WA_TOKEN,
        )
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            await publish(
                infra.bootstrap, settings, TICKET_ISSUED, [issued("B-1", phone="+6281299990000")]
            )
            [delivery] = await eventually(lambda: deliveries(app, status="failed"))
    assert delivery["attempts"] == 1  # a 4xx from Meta will not change by trying again
    assert delivery["answer"] == "400 (131026) Message Undeliverable."


async def test_sms_gateway_gets_its_documented_request_and_a_refusal_is_retried_then_failed(
    notify_settings, infra
):
    gateway = SmsGateway(invalid_numbers={"081299990000"})
    async with serving(gateway.app()) as url:
        settings = notify_settings(
            phone_channels=["sms"],
            sms_url=f"{url}/reguler/api/sendsms/",
            sms_params={"userkey": SMS_USERKEY, "passkey": SMS_PASSKEY},
            sms_number_format="local",
            sms_success_field="status",
            sms_success_values=["1"],
            message_max_attempts=3,
        )
        app = build_app(settings)
        async with running_app(app):
            await consuming(app)
            good, bad = (
                issued("C-001", phone="+6285712345678"),
                issued("C-002", phone="081299990000"),
            )
            await publish(infra.bootstrap, settings, TICKET_ISSUED, [good, bad])
            [failed] = await eventually(lambda: deliveries(app, status="failed"), timeout=30)
            [sent] = await deliveries(app, status="sent")

    [request] = gateway.requests
    assert request["userkey"] == SMS_USERKEY and request["passkey"] == SMS_PASSKEY
    assert request["to"] == "085712345678"
    assert request["message"].startswith("Mal Pelayanan Publik: Nomor antrian Anda C-001")
    assert sent["answer"].startswith("200 ")
    assert failed["attempts"] == 3
    assert json.loads(failed["answer"].removeprefix("200 ")) == {
        "status": "0",
        "text": "Nomor tujuan tidak valid",
    }
    gaps = [
        (b["at"] - a["at"]).total_seconds()
        for a, b in zip(failed["history"], failed["history"][1:], strict=False)
    ]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # base, then twice the base


async def test_without_providers_messages_land_in_the_dev_inbox_shown_as_demo(
    notify_settings, infra
):
    settings = notify_settings()
    app = build_app(settings)
    async with running_app(app) as client:
        await consuming(app)
        ticket = issued("D-003", email="sari@example.id", phone="081311112222")
        await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
        page = await eventually(lambda: _inbox(client, 2))
        html = (await client.get(f"{API}/inbox/page")).text
        [sent_email] = await eventually(lambda: _sent(app, "email", 1))

    assert page["demo"] is True
    assert {(m["channel"], m["to"]) for m in page["items"]} == {
        ("email", "s***@example.id"),
        ("whatsapp", "+6281*******22"),
    }
    email = next(m for m in page["items"] if m["channel"] == "email")
    assert email["subject"].startswith("Nomor antrian D-003")
    assert "DEMO" in html and "D-003" in html and "s***@example.id" in html
    assert "sari@example.id" not in html
    assert sent_email["provider"] == "dev-inbox"


async def test_the_dev_inbox_is_absent_when_switched_off(notify_settings):
    app = build_app(notify_settings(dev_inbox=False))
    async with running_app(app) as client:
        response = await client.get(f"{API}/inbox")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def _inbox(client, count: int):
    page = (await client.get(f"{API}/inbox")).json()
    return page if len(page["items"]) >= count else None


async def _sent(app, channel: str, count: int):
    docs = await deliveries(app, channel=channel, status="sent")
    return docs if len(docs) >= count else None


async def _count(items: list, count: int) -> bool:
    return len(items) >= count


async def _names_known(app, service_id: str) -> bool:
    return await app.state.runtime.db.catalog_services.find_one({"_id": service_id}) is not None
