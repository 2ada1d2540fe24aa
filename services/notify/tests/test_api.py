"""The staff API: who sees which deliveries, masking, retry, templates and their preview, and
bad input answered with problem documents."""

from __future__ import annotations

from mpp_testing import eventually, running_app

from mpp_kit.auth import Role
from mpp_kit.contracts.queue import TICKET_ISSUED
from mpp_notify.main import build_app
from mpp_notify.testing import (
    SmtpInbox,
    as_staff,
    consuming,
    deliveries,
    issued,
    publish,
    smtp_server,
)

API = "/api/v1/notify"


async def test_the_delivery_log_shows_each_role_what_it_may_see(notify_settings, infra):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    async with running_app(app) as client:
        await consuming(app)
        ours = [issued(f"A-{n}", agency_id="dukcapil", email=f"a{n}@example.id") for n in range(3)]
        theirs = [issued("S-1", agency_id="samsat", email="s1@example.id")]
        await publish(infra.bootstrap, settings, TICKET_ISSUED, ours + theirs)
        await eventually(lambda: _sent(app, 4))
        admin = as_staff(settings, Role.AGENCY_ADMIN, "dukcapil")
        mpp_admin = as_staff(settings, Role.MPP_ADMIN)

        own = (await client.get(f"{API}/deliveries", headers=admin)).json()
        everything = (await client.get(f"{API}/deliveries", headers=mpp_admin)).json()
        samsat_only = (
            await client.get(f"{API}/deliveries", params={"agency_id": "samsat"}, headers=mpp_admin)
        ).json()
        other_agency = await client.get(
            f"{API}/deliveries", params={"agency_id": "samsat"}, headers=admin
        )
        officer = await client.get(
            f"{API}/deliveries", headers=as_staff(settings, Role.OFFICER, "dukcapil")
        )
        anonymous = await client.get(f"{API}/deliveries")
        samsat_id = samsat_only["items"][0]["id"]
        one_of_theirs = await client.get(f"{API}/deliveries/{samsat_id}", headers=admin)

    assert {d["agency_id"] for d in own["items"]} == {"dukcapil"} and len(own["items"]) == 3
    assert len(everything["items"]) == 4
    assert [d["recipient"] for d in samsat_only["items"]] == ["s***@example.id"]
    assert other_agency.status_code == 403
    assert officer.status_code == 403
    assert anonymous.status_code == 401
    assert one_of_theirs.status_code == 404  # not even its existence
    for response in (other_agency, officer, anonymous, one_of_theirs):
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_delivery_log_filters_and_pages(notify_settings, infra):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    async with running_app(app) as client:
        await consuming(app)
        tickets = [issued(f"A-{n}", email=f"a{n}@example.id") for n in range(5)]
        await publish(infra.bootstrap, settings, TICKET_ISSUED, tickets)
        await eventually(lambda: _sent(app, 5))
        headers = as_staff(settings, Role.MPP_ADMIN)

        async def get(**params):
            return await client.get(f"{API}/deliveries", params=params, headers=headers)

        first = (await get(limit=2)).json()
        second = (await get(limit=2, cursor=first["next_cursor"])).json()
        third = (await get(limit=2, cursor=second["next_cursor"])).json()
        sent = (await get(status="sent", event_type=TICKET_ISSUED.ce_type)).json()
        failed = (await get(status="failed")).json()
        newest = first["items"][0]["created_at"]
        before_all = (await get(until="2020-01-01T00:00:00Z")).json()
        since_newest = (await get(since=newest)).json()
        bad_status = await get(status="lost")
        bad_range = await get(since="2026-01-02T00:00:00Z", until="2026-01-01T00:00:00Z")
        bad_cursor = await get(cursor="not-a-cursor")
        bad_limit = await get(limit=0)

    ids = [d["id"] for page in (first, second, third) for d in page["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert third["next_cursor"] is None
    assert len(sent["items"]) == 5 and failed["items"] == []
    assert before_all["items"] == []
    assert len(since_newest["items"]) >= 1
    for response, field in (
        (bad_status, "status"),
        (bad_range, "until"),
        (bad_cursor, "cursor"),
        (bad_limit, "limit"),
    ):
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]


async def test_recipients_are_masked_in_the_logs_and_in_the_delivery_log(
    notify_settings, infra, capsys
):
    inbox = SmtpInbox(refuse={"siti.rahma@example.id"})
    async with smtp_server(inbox) as port:
        settings = notify_settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, log_level="INFO"
        )
        app = build_app(settings)
        async with running_app(app) as client:
            await consuming(app)
            ticket = issued("M-1", email="siti.rahma@example.id", phone="081234567890")
            await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
            await eventually(lambda: deliveries(app, status="failed"))
            await eventually(lambda: deliveries(app, channel="whatsapp", status="sent"))
            log = await client.get(f"{API}/deliveries", headers=as_staff(settings, Role.MPP_ADMIN))
            [failed] = await deliveries(app, status="failed")
    logs = capsys.readouterr().err

    body = log.text
    for raw in ("siti.rahma@example.id", "081234567890", "6281234567890"):
        assert raw not in body
        assert raw not in logs
    recipients = {d["channel"]: d["recipient"] for d in log.json()["items"]}
    assert recipients == {"email": "s***@example.id", "whatsapp": "+6281*******90"}
    # The SMTP server's refusal names the address; the log keeps the answer, masked.
    assert failed["answer"].startswith("550 5.1.1 <s***@example.id>: Recipient address rejected")
    assert failed["attempts"] == 1  # 5xx is permanent
    assert "delivery failed" in logs and "s***@example.id" in logs


async def test_a_failed_delivery_can_be_retried_once_and_only_a_failed_one(notify_settings, infra):
    inbox = SmtpInbox(refuse={"late@example.id"})
    async with smtp_server(inbox) as port:
        settings = notify_settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, phone_channels=[]
        )
        app = build_app(settings)
        async with running_app(app) as client:
            await consuming(app)
            good, bad = issued("F-1", email="ok@example.id"), issued("F-2", email="late@example.id")
            await publish(infra.bootstrap, settings, TICKET_ISSUED, [good, bad])
            [failed] = await eventually(lambda: deliveries(app, status="failed"))
            [sent] = await eventually(lambda: deliveries(app, status="sent"))
            admin = as_staff(settings, Role.AGENCY_ADMIN, "dukcapil")
            inbox.refuse.clear()  # the mailbox exists now
            retried = await client.post(f"{API}/deliveries/{failed['_id']}/retry", headers=admin)
            await eventually(lambda: _count(inbox.to("late@example.id"), 1))
            again = await client.post(f"{API}/deliveries/{failed['_id']}/retry", headers=admin)
            not_failed = await client.post(f"{API}/deliveries/{sent['_id']}/retry", headers=admin)
            other = await client.post(
                f"{API}/deliveries/{failed['_id']}/retry",
                headers=as_staff(settings, Role.AGENCY_ADMIN, "samsat"),
            )
            unknown = await client.post(f"{API}/deliveries/nope/retry", headers=admin)
            [done] = await deliveries(app, _id=failed["_id"])

    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert done["status"] == "sent" and done["attempts"] == 2
    assert again.status_code == 409 and not_failed.status_code == 409
    assert not_failed.json()["type"] == "/problems/not-failed"
    assert other.status_code == 404 and unknown.status_code == 404


async def test_templates_preview_with_samples_and_bad_templates_name_the_part(
    notify_settings, infra
):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    admin = as_staff(settings, Role.MPP_ADMIN)
    dukcapil = as_staff(settings, Role.AGENCY_ADMIN, "dukcapil")
    async with running_app(app) as client:

        async def preview(headers=admin, **body):
            return await client.post(f"{API}/templates/preview", json=body, headers=headers)

        default = await preview(name="ticket-called")
        own_body = await preview(name="ticket-called", short="Loket {{ counter }}: {{ number }}")
        misspelt = await preview(name="ticket-issued", body="Nomor {{ numbr }}")
        broken = await preview(name="ticket-issued", subject="{% if %}", short="{{ number }")
        unknown = await preview(name="no-such-template")
        officer = await preview(
            headers=as_staff(settings, Role.OFFICER, "dukcapil"), name="ticket-called"
        )
        listed = await client.get(f"{API}/templates", headers=dukcapil)

    assert default.status_code == 200
    assert default.json()["short"].startswith("Nomor antrian A-012, silakan ke loket 3.")
    assert default.json()["origin"] == "default"
    assert own_body.json()["short"] == "Loket 3: A-012"
    assert own_body.json()["origin"] == "request"
    assert misspelt.status_code == 422
    assert misspelt.json()["errors"] == [{"field": "body", "message": "'numbr' is undefined"}]
    assert broken.status_code == 422
    assert [e["field"] for e in broken.json()["errors"]] == ["subject", "short"]
    assert broken.json()["errors"][0]["message"].startswith("line 1:")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "name"
    assert officer.status_code == 403
    assert {t["name"] for t in listed.json()} >= {
        "ticket-issued",
        "ticket-called",
        "almost-your-turn",
    }


async def test_an_agency_override_changes_that_agencys_messages_only(notify_settings, infra):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    dukcapil = as_staff(settings, Role.AGENCY_ADMIN, "dukcapil")
    override = {
        "agency_id": "dukcapil",
        "subject": "Antrian {{ number }}",
        "body": "Halo! Nomor Anda {{ number }}, posisi {{ position }}.",
        "short": "Nomor {{ number }}",
    }
    async with running_app(app) as client:
        await consuming(app)
        stored = await client.put(f"{API}/templates/ticket-issued", json=override, headers=dukcapil)
        mpp_wide = await client.put(
            f"{API}/templates/ticket-issued", json={**override, "agency_id": None}, headers=dukcapil
        )
        for_samsat = await client.put(
            f"{API}/templates/ticket-issued",
            json={**override, "agency_id": "samsat"},
            headers=dukcapil,
        )
        bad = await client.put(
            f"{API}/templates/ticket-issued",
            json={**override, "body": "{{ posisi }}"},
            headers=dukcapil,
        )
        await publish(
            infra.bootstrap,
            settings,
            TICKET_ISSUED,
            [
                issued("A-9", agency_id="dukcapil", email="a@example.id", position=2),
                issued("S-9", agency_id="samsat", email="s@example.id"),
            ],
        )
        await eventually(lambda: _sent(app, 2))
        messages = {m["to"]: m for m in await app.state.runtime.db.inbox.find().to_list()}
        removed = await client.delete(
            f"{API}/templates/ticket-issued", params={"agency_id": "dukcapil"}, headers=dukcapil
        )

    assert stored.status_code == 200
    assert mpp_wide.status_code == 403 and for_samsat.status_code == 403
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body"
    assert messages["a@example.id"]["subject"] == "Antrian A-9"
    assert messages["a@example.id"]["body"] == "Halo! Nomor Anda A-9, posisi 2."
    assert messages["s@example.id"]["subject"].startswith("Nomor antrian S-9 – ")
    assert removed.status_code == 204


async def _sent(app, count: int) -> bool:
    return len(await deliveries(app, status="sent")) >= count


async def _count(items, count: int) -> bool:
    return len(items) >= count
