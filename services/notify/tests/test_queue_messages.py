"""What a visitor with a consented contact hears during one visit: the ticket, "almost your
turn" when few are ahead, the call to the counter, and the survey invitation afterwards."""

from __future__ import annotations

from mpp_testing import eventually, running_app

from mpp_kit.contracts.queue import SERVED, TICKET_CALLED, TICKET_ISSUED
from mpp_notify.main import build_app
from mpp_notify.testing import called, consuming, issued, publish, served


async def _messages(app, notification: str) -> list[dict]:
    docs: list[dict] = await app.state.runtime.db.inbox.find(
        {"notification": notification}
    ).to_list()
    return docs


async def _waiting(app, count: int) -> bool:
    return await app.state.runtime.db.waiting_tickets.count_documents({"gone": False}) == count


async def test_almost_your_turn_comes_once_when_the_tickets_ahead_drop_to_the_threshold(
    notify_settings, infra
):
    settings = notify_settings(almost_turn_ahead=2, phone_channels=[])
    app = build_app(settings)
    line = [
        issued("A-001", position=1),
        issued("A-002", position=2),
        issued("A-003", position=3, email="tiga@example.id"),  # already close: no alert
        issued("A-004", position=4, email="empat@example.id"),
        issued("A-005", position=5, email="lima@example.id"),
        issued("A-006", position=6),
    ]
    async with running_app(app):
        await consuming(app)
        await publish(infra.bootstrap, settings, TICKET_ISSUED, line)
        await eventually(lambda: _waiting(app, 6))
        # A-001 is called: A-004 has two ahead now.
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(line[0])])
        await eventually(lambda: _waiting(app, 5))
        [first] = await eventually(lambda: _messages(app, "almost-your-turn"))
        # A-002 is called: A-005 has two ahead now; A-004 is not told again.
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(line[1])])
        await eventually(lambda: _waiting(app, 4))
        alerts = await eventually(lambda: _at_least(app, "almost-your-turn", 2))
        # are called: nobody new is close enough to be told.
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(line[2]), called(line[3])])
        await eventually(lambda: _waiting(app, 2))
        await eventually(lambda: _at_least(app, "ticket-called", 2))
        alerts = await _messages(app, "almost-your-turn")

    assert first["to"] == "empat@example.id"
    assert sorted(a["to"] for a in alerts) == ["empat@example.id", "lima@example.id"]
    assert "tinggal 2 antrian lagi" in first["body"]
    assert "Nomor antrian A-004" in first["body"]


async def test_a_priority_ticket_that_joins_later_counts_as_ahead(notify_settings, infra):
    settings = notify_settings(almost_turn_ahead=1, phone_channels=[])
    app = build_app(settings)
    walk_ins = [issued(f"A-00{n}", position=n) for n in (1, 2)]
    mine = issued("A-003", position=3, email="saya@example.id")
    priority = issued("P-001", position=1, call_class="priority")
    async with running_app(app):
        await consuming(app)
        await publish(infra.bootstrap, settings, TICKET_ISSUED, [*walk_ins, mine, priority])
        await eventually(lambda: _waiting(app, 4))
        # After the first call, A-003 would have one ahead — but the priority ticket is too.
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(walk_ins[0])])
        await eventually(lambda: _waiting(app, 3))
        none_yet = await _messages(app, "almost-your-turn")
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(priority)])
        [alert] = await eventually(lambda: _messages(app, "almost-your-turn"))

    assert none_yet == []
    assert alert["to"] == "saya@example.id"


async def test_the_call_and_the_survey_invitation_reach_the_visitor(notify_settings, infra):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    ticket = issued("B-014", email="warga@example.id")
    async with running_app(app):
        await consuming(app)
        await publish(infra.bootstrap, settings, TICKET_ISSUED, [ticket])
        await eventually(lambda: _waiting(app, 1))
        await publish(infra.bootstrap, settings, TICKET_CALLED, [called(ticket, counter_number=7)])
        [call] = await eventually(lambda: _messages(app, "ticket-called"))
        await publish(infra.bootstrap, settings, SERVED, [served(ticket)])
        [survey] = await eventually(lambda: _messages(app, "survey-invitation"))

    assert call["subject"].startswith("Nomor antrian B-014, silakan ke loket 7")
    assert call["body"].startswith("Nomor antrian B-014, silakan ke loket 7.")
    assert f"https://mpp.example.go.id/survei?tiket={ticket.ticket_id}&token=" in survey["body"]
    assert survey["body"].index("Survei Kepuasan Masyarakat") < survey["body"].index("survey")


async def _at_least(app, notification: str, count: int):
    found = await _messages(app, notification)
    return found if len(found) >= count else None
