"""Notify's rules without I/O: retry schedule, quiet hours, "almost your turn", addresses,
signatures, templates, and the rule table checked against the event contracts."""

from __future__ import annotations

import json
import time as clock
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mpp_kit.contracts import BY_CE_TYPE
from mpp_kit.events import Envelope
from mpp_notify.default_templates import DEFAULTS, SAMPLES
from mpp_notify.domain.addresses import format_phone, normalise_email, normalise_phone
from mpp_notify.domain.almost_turn import WaitingTicket, tickets_to_alert
from mpp_notify.domain.quiet_hours import not_before, parse_quiet_hours
from mpp_notify.domain.retry_schedule import RetryPolicy
from mpp_notify.domain.rules import ALMOST_YOUR_TURN, RULES
from mpp_notify.domain.webhook_signature import signature_header, verify
from mpp_notify.message_templates import MessageTemplate, TemplateProblem, problems, render
from mpp_notify.planning import structured_cloudevent

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB


def test_retry_waits_double_each_time_up_to_the_cap_then_gives_up():
    policy = RetryPolicy(max_attempts=6, base_seconds=30, max_interval_seconds=300)
    assert [policy.delay_after(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 300]
    assert policy.next_attempt(T0, 1) == T0 + timedelta(seconds=30)
    assert policy.next_attempt(T0, 6) is None
    assert policy.next_attempt(T0, 2, allowed=2) is None  # a manual retry allows one more only


def test_the_default_webhook_schedule_keeps_trying_for_hours():
    from mpp_notify.settings import NotifySettings

    s = NotifySettings(jwt_secret="x")
    policy = RetryPolicy(
        s.webhook_max_attempts, s.webhook_retry_base_seconds, s.retry_max_interval_seconds
    )
    assert timedelta(hours=12) < policy.span() < timedelta(hours=48)


@pytest.mark.parametrize(
    ("local", "expected_local"),
    [
        ("2026-03-02T22:30", "2026-03-03T07:00"),  # late evening: next morning
        ("2026-03-03T06:59", "2026-03-03T07:00"),  # early morning: this morning
        ("2026-03-03T07:00", "2026-03-03T07:00"),  # the window has ended
        ("2026-03-03T20:59", "2026-03-03T20:59"),  # before it starts
        ("2026-03-03T21:00", "2026-03-04T07:00"),
    ],
)
def test_quiet_hours_spanning_midnight_delay_to_the_morning_mpp_time(local, expected_local):
    quiet = parse_quiet_hours("21:00-07:00")
    wib = "Asia/Jakarta"
    instant = datetime.fromisoformat(local + "+07:00")
    assert not_before(instant, quiet, wib) == datetime.fromisoformat(expected_local + "+07:00")


def test_quiet_hours_follow_the_mpps_own_zone():
    quiet = parse_quiet_hours("21:00-07:00")
    instant = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 20:30 WIB, 21:30 WITA, 22:30 WIT
    assert not_before(instant, quiet, "Asia/Jakarta") == instant
    assert not_before(instant, quiet, "Asia/Makassar") == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert not_before(instant, quiet, "Asia/Jayapura") == datetime(2026, 3, 2, 22, 0, tzinfo=UTC)


def test_quiet_hours_text_is_checked():
    assert parse_quiet_hours("off") is None and parse_quiet_hours("") is None
    assert parse_quiet_hours("13:00-14:30") == (time(13), time(14, 30))
    for bad in ("21-7", "21:00", "07:00-07:00", "25:00-07:00"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def _ticket(n: int, ahead_at_issue: int, **extra) -> WaitingTicket:
    return WaitingTicket(f"t{n}", T0 + timedelta(minutes=n), ahead_at_issue, **extra)


def test_almost_your_turn_picks_tickets_whose_line_shrank_to_the_threshold():
    line = [
        _ticket(1, 5),
        _ticket(2, 6),
        _ticket(3, 2),  # was close when issued: its ticket message said so
        _ticket(4, 8, alerted=True),
        _ticket(5, 9, has_contact=False),
        _ticket(6, 10),
    ]
    assert tickets_to_alert(line, threshold=3) == [("t1", 0), ("t2", 1)]


def test_priority_and_booked_tickets_are_ahead_of_earlier_walk_ins():
    line = [
        _ticket(1, 3),
        _ticket(2, 3),
        _ticket(3, 3),
        _ticket(9, 0, call_class="priority"),
        _ticket(8, 0, call_class="booked"),
    ]
    assert tickets_to_alert(line, threshold=2) == [("t1", 2)]


@given(size=st.integers(min_value=1, max_value=25), threshold=st.integers(min_value=1, max_value=5))
def test_calling_the_line_in_order_alerts_each_eligible_ticket_exactly_once(size, threshold):
    line = [_ticket(n, n) for n in range(size)]
    alerts: list[tuple[str, int]] = []
    while line:
        due = tickets_to_alert(line, threshold)
        alerts += due
        alerted = {ticket_id for ticket_id, _ in due}
        line = [
            WaitingTicket(
                t.ticket_id,
                t.queued_at,
                t.ahead_at_issue,
                alerted=t.alerted or t.ticket_id in alerted,
            )
            for t in line[1:]
        ]
    eligible = [f"t{n}" for n in range(size) if n > threshold]
    assert [ticket_id for ticket_id, _ in alerts] == eligible
    assert all(ahead == threshold for _, ahead in alerts)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(0361) 234567", "+62361234567"),
        ("12345", None),
        ("08abc", None),
    ],
)
def test_phone_numbers_normalise_to_e164(raw, e164):
    assert normalise_phone(raw) == e164


def test_phone_numbers_are_formatted_as_each_gateway_wants():
    assert format_phone("+6281234567890", "local") == "081234567890"
    assert format_phone("+6281234567890", "international") == "6281234567890"
    assert format_phone("+6281234567890", "e164") == "+6281234567890"


def test_email_domains_are_case_folded_and_nonsense_refused():
    assert normalise_email(" Budi@Example.ID ") == "Budi@example.id"
    assert normalise_email("not an address") is None


def test_webhook_signature_covers_timestamp_and_body_and_goes_stale():
    body = b'{"id":"1"}'
    now = int(clock.time())
    header = signature_header("s3cret-s3cret-s3cret", now, body)
    assert verify("s3cret-s3cret-s3cret", header, body, now)
    assert not verify("s3cret-s3cret-s3cret", header, body + b"x", now)
    assert not verify("other-secret-other", header, body, now)
    assert not verify("s3cret-s3cret-s3cret", header, body, now + 301)  # a replay, later
    assert not verify("s3cret-s3cret-s3cret", "garbage", body, now)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_default_template_renders_indonesian_first_then_english(name):
    rendered = render(DEFAULTS[name], SAMPLES[name])
    indonesian, _, english = rendered.body.partition("\n---\n")
    assert indonesian and english
    assert "Terima kasih" in indonesian
    assert "\n" not in rendered.subject
    assert len(rendered.short) <= 480  # three SMS parts at most


def test_a_template_problem_names_the_part_and_the_sandbox_holds():
    template = MessageTemplate(
        subject="{{ number", body="{{ nomor }}", short="{{ ''.__class__.__mro__ }}"
    )
    found = {p.part: p.message for p in problems(template, {"number": "A-1"})}
    assert found["subject"].startswith("line 1:")
    assert found["body"] == "'nomor' is undefined"
    assert "short" in found
    with pytest.raises(TemplateProblem):
        render(template, {"number": "A-1"})


def test_every_rule_uses_a_template_and_fields_its_contract_has():
    for rule in [*RULES, ALMOST_YOUR_TURN]:
        assert rule.notification in DEFAULTS
        event_type = BY_CE_TYPE.get(rule.event)
        if event_type is None:
            continue  # that contract does not exist yet: the rule waits for it
        fields = event_type.payload.model_fields
        for path in rule.values.values():
            assert path.split(".")[0] in fields, (rule.event, path)
        assert "ticket_id" in fields or rule.link == "none"


def test_the_cloudevent_for_agencies_leaves_out_the_citizens_contact():
    envelope = Envelope(
        id="e-1",
        type="id.mpp.queue.ticket-issued.v1",
        source="/mpp/queue",
        time=T0,
        data=b"",
        subject="t-1",
    )
    data = {"ticket_id": "t-1", "contact": {"email": "a@example.id"}, "number": "A-1"}
    event = json.loads(structured_cloudevent(envelope, data, ["contact"]))
    assert event == {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/mpp/queue",
        "type": "id.mpp.queue.ticket-issued.v1",
        "time": "2026-03-02T01:00:00+00:00",
        "datacontenttype": "application/json",
        "subject": "t-1",
        "data": {"ticket_id": "t-1", "number": "A-1"},
    }
