"""Who hears about what: the table from event type to notification, as data.

A rule names the event (its CloudEvents type), the template, and which payload fields fill the
template; the citizen's contact travels in the event, and only when they consented to it.
Rules for events whose contract is not in the registry yet are simply inactive, so booking,
complaint and survey notifications switch on by themselves once their contracts exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


def ce_type(service: str, name: str, version: int = 1) -> str:
    return f"id.mpp.{service}.{name}.v{version}"


@dataclass(frozen=True)
class Rule:
    """Citizens hear about ``event`` through the template ``notification``."""

    event: str
    notification: str
    # Template value name → payload field (dotted path).
    values: Mapping[str, str] = field(default_factory=dict)
    # Which link the message carries: follow the ticket, or the survey.
    link: Literal["ticket", "survey", "none"] = "none"
    # Reminders wait out the quiet hours; calls to the counter never do.
    reminder: bool = False


TICKET_ISSUED = ce_type("queue", "ticket-issued")
TICKET_CALLED = ce_type("queue", "ticket-called")
TICKET_RECALLED = ce_type("queue", "ticket-recalled")
SERVED = ce_type("queue", "served")

_TICKET = {"number": "number"}
_CALL = {"number": "number", "counter": "counter_number", "counter_name": "counter_name"}
_BOOKING = {"code": "code", "slot": "slot_start"}

RULES: list[Rule] = [
    Rule(
        TICKET_ISSUED,
        "ticket-issued",
        values={
            **_TICKET,
            "position": "position",
            "estimated_wait_minutes": "estimated_wait_minutes",
        },
        link="ticket",
    ),
    Rule(TICKET_CALLED, "ticket-called", values=_CALL),
    Rule(TICKET_RECALLED, "ticket-called", values=_CALL),
    # SKM right after the visit (PermenPANRB 14/2017: ask users right after they are served).
    Rule(SERVED, "survey-invitation", values=_TICKET, link="survey"),
    Rule(ce_type("booking", "booking-created"), "booking-created", values=_BOOKING),
    Rule(
        ce_type("booking", "booking-reminder-due"),
        "booking-reminder",
        values=_BOOKING,
        reminder=True,
    ),
    Rule(ce_type("booking", "booking-rescheduled"), "booking-rescheduled", values=_BOOKING),
    Rule(ce_type("booking", "booking-cancelled"), "booking-cancelled", values=_BOOKING),
    Rule(ce_type("booking", "booking-no-show"), "booking-no-show", values=_BOOKING),
    Rule(
        ce_type("complaints", "complaint-filed"),
        "complaint-received",
        values={"tracking_id": "tracking_id"},
    ),
    *[
        Rule(
            ce_type("complaints", name),
            "complaint-updated",
            values={"tracking_id": "tracking_id", "status": "status"},
        )
        for name in (
            "complaint-verified",
            "complaint-responded",
            "complaint-closed",
            "complaint-rejected",
        )
    ],
]


# Derived from ticket-called: sent to waiting tickets of the same service (see almost_turn.py).
ALMOST_YOUR_TURN = Rule(TICKET_CALLED, "almost-your-turn", values=_TICKET, link="ticket")


@dataclass(frozen=True)
class WaitingLine:
    """Which events move a ticket into and out of a service's line (for "almost your turn")."""

    joins: str = TICKET_ISSUED
    called: str = TICKET_CALLED
    leaves: frozenset[str] = frozenset(
        ce_type("queue", name)
        for name in (
            "ticket-called",
            "ticket-cancelled",
            "ticket-removed",
            "ticket-transferred",
            "ticket-no-show",
        )
    )


LINE = WaitingLine()

# Agencies may subscribe their webhooks to the events of these services.
WEBHOOK_SOURCES = ("queue", "booking", "complaints", "survey")

# Where the ids that every message may need sit in a payload.
AGENCY_ID, SERVICE_ID, COUNTER_ID, TICKET_ID = "agency_id", "service_id", "counter_id", "ticket_id"


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """A payload field by dotted path, ``None`` if absent."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def contact_of(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(phone, e-mail) given with consent: under ``contact`` or at the top of the payload."""
    contact = data.get("contact")
    source = contact if isinstance(contact, Mapping) else data
    phone, email = source.get("phone"), source.get("email")
    return (phone if isinstance(phone, str) else None, email if isinstance(email, str) else None)


def rules_for(event_type: str, rules: list[Rule] = RULES) -> list[Rule]:
    return [rule for rule in rules if rule.event == event_type]
