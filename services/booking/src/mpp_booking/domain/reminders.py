"""Reminders: the day before the slot, and shortly before it (DOMAIN.md, Booking).

A reminder whose time had passed when the booking was made is not planned (the confirmation
said it all). When several are due at once (the service was down), only the latest is sent: a
"tomorrow" reminder an hour before the slot would mislead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

ReminderKind = Literal["day_before", "soon"]


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    due_at: datetime


def reminder_plan(
    slot_start: datetime, booked_at: datetime, day_before: timedelta, soon: timedelta
) -> list[Reminder]:
    """The reminders still ahead for a slot booked at ``booked_at``, earliest first."""
    plan = [
        Reminder("day_before", slot_start - day_before),
        Reminder("soon", slot_start - soon),
    ]
    return sorted((r for r in plan if r.due_at > booked_at), key=lambda r: r.due_at)


@dataclass(frozen=True)
class ReminderStep:
    send: Reminder | None  # the one to send now
    remaining: list[Reminder]  # still ahead


def reminder_step(plan: list[Reminder], now: datetime, slot_start: datetime) -> ReminderStep:
    """What to do at ``now``: send the latest reminder that is due (unless the slot began),
    drop the earlier due ones, keep the rest."""
    due = [r for r in plan if r.due_at <= now]
    remaining = [r for r in plan if r.due_at > now]
    send = due[-1] if due and now < slot_start else None
    return ReminderStep(send, remaining)


def next_due(plan: list[Reminder]) -> datetime | None:
    return min((r.due_at for r in plan), default=None)
