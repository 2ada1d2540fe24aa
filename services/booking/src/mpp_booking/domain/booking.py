"""A booking: its states, and the names of what it holds while it is active.

An active booking holds one place in its slot's capacity, one in its day's online quota (when the
service has one), and one claim per person key on (service, local day). The store enforces each
of these atomically (capacity never exceeded; one active booking per person per service per day:
DOMAIN.md, Booking); the names below are how the store finds them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# confirmed is the active state; the others end it.
Status = Literal["confirmed", "checked_in", "cancelled", "no_show"]
VISIBLE: tuple[Status, ...] = ("confirmed", "checked_in", "cancelled", "no_show")
ACTIVE: Status = "confirmed"
By = Literal["holder", "staff"]


def slot_capacity_id(service_id: str, slot_start: datetime) -> str:
    return f"slot|{service_id}|{slot_start.astimezone(UTC):%Y-%m-%dT%H:%M}Z"


def day_quota_id(service_id: str, day: date) -> str:
    return f"day|{service_id}|{day.isoformat()}"


def claim_ids(service_id: str, day: date, person_keys: list[str]) -> list[str]:
    """One claim per person key: a second active booking of that person that day collides."""
    return [f"{service_id}|{day.isoformat()}|{key}" for key in person_keys]


class Holds(BaseModel):
    """What a booking holds: the capacity documents it counts in, and its person-day claims."""

    slot: str
    quota: str | None = None
    claims: list[str] = Field(default_factory=list)

    def counters(self) -> list[str]:
        return [self.slot] + ([self.quota] if self.quota else [])


class Move(BaseModel):
    """A reschedule in flight: what it took for the new slot, released if it does not finish."""

    id: str
    slot_start: datetime
    slot_end: datetime
    day: date
    holds: Holds
    new_claims: list[str] = Field(default_factory=list)
    new_counters: list[str] = Field(default_factory=list)
    at: datetime
    abandoned: bool = False


class PlannedReminder(BaseModel):
    kind: Literal["day_before", "soon"]
    due_at: datetime


class Booking(BaseModel):
    """A booking as stored (``_id`` is its id; the code is what people use)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    code: str
    service_id: str
    agency_id: str
    slot_start: datetime
    slot_end: datetime
    day: date
    status: Status
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik_hash: str | None = None
    nik_masked: str | None = None
    consent: bool = True
    person_keys: list[str] = Field(default_factory=list)
    holds: Holds
    owed: list[str] = Field(default_factory=list, description="counters to release")
    owed_at: datetime | None = None
    move: Move | None = None
    reminders: list[PlannedReminder] = Field(default_factory=list)
    created_at: datetime
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: By | None = None
    lapsed_at: datetime | None = None
