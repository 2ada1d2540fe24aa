"""Events published by the queue service: a ticket's life from issue to its outcome.

Every event is keyed by the id of the service whose queue it belongs to, so the events of one queue
keep their order (ARCHITECTURE.md, Events). Events carry the least personal data: the visitor's
contact only where a consumer needs it (notify, the survey), and only when the visitor consented.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from mpp_kit.events import EventType

Channel = Literal["kiosk", "online", "booking"]
# Stable codes of the priority classes (UU 25/2009 Pasal 29, perlakuan khusus); labels live in
# the queue service's domain.
PriorityCode = Literal["regular", "disability", "elderly", "pregnant", "with_small_children"]
CallClass = Literal["priority", "booked", "walk_in"]

_PHONE_SEPARATORS = re.compile(r"[\s().-]")

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
    ),
]


class Contact(BaseModel):
    """How to reach a visitor for notifications: given voluntarily, kept only with consent."""

    phone: str | None = Field(default=None, description="e.g. +6281234567890 or 081234567890")
    email: Email | None = None

    @field_validator("phone")
    @classmethod
    def _phone_digits(cls, phone: str | None) -> str | None:
        if phone is None:
            return None
        compact = _PHONE_SEPARATORS.sub("", phone)
        if not re.fullmatch(r"\+?[0-9]{8,15}", compact):
            raise ValueError("must be 8-15 digits, optionally starting with +")
        return compact

    @model_validator(mode="after")
    def _something_given(self) -> Contact:
        if self.phone is None and self.email is None:
            raise ValueError("give a phone number or an e-mail address (or leave contact out)")
        return self


class TicketEvent(BaseModel):
    """What every queue event says about its ticket."""

    ticket_id: str
    number: str = Field(description="display number, e.g. A-001 (the prefix and daily sequence)")
    service_id: str
    agency_id: str
    at: datetime


class TicketIssued(TicketEvent):
    channel: Channel
    priority: PriorityCode
    call_class: CallClass
    day: date = Field(description="the MPP's local day the number belongs to")
    arrived_at: datetime
    position: int = Field(ge=1)
    estimated_wait_minutes: int = Field(ge=0)
    booking_id: str | None = None
    contact: Contact | None = Field(default=None, description="only when the visitor consented")


class CounterRef(BaseModel):
    counter_id: str
    counter_number: int
    counter_name: str


class TicketCalled(TicketEvent, CounterRef):
    officer_id: str
    call_class: CallClass
    waiting_seconds: int = Field(ge=0, description="this call minus the time it entered the queue")
    contact: Contact | None = Field(default=None, description="only when the visitor consented")


class TicketRecalled(TicketCalled):
    recalls: int = Field(ge=1, description="how many times it has been recalled, this one included")


class TicketNoShow(TicketEvent):
    counter_id: str
    officer_id: str | None
    recalls: int = Field(ge=0)
    reason: Literal["recall_limit", "officer"]


class ServiceStarted(TicketEvent):
    counter_id: str
    officer_id: str
    waiting_seconds: int = Field(ge=0)


class Served(TicketEvent):
    """A visitor was served: what the survey needs to invite them (one response per visit)."""

    counter_id: str
    officer_id: str
    channel: Channel
    waiting_seconds: int = Field(ge=0, description="last call minus the time it entered the queue")
    service_seconds: int = Field(ge=0, description="from the call to served")
    booking_id: str | None = None
    contact: Contact | None = Field(default=None, description="only when the visitor consented")


class TicketTransferred(TicketEvent):
    """The ticket left ``service_id`` for ``to_service_id``; the visitor keeps the number and
    their original arrival time, under the new ticket id."""

    to_ticket_id: str
    to_service_id: str
    to_agency_id: str
    counter_id: str
    officer_id: str
    service_seconds: int = Field(ge=0, description="from the call to the transfer")
    arrived_at: datetime


class TicketCancelled(TicketEvent):
    """The visitor cancelled their ticket (with its token)."""

    status_before: Literal["waiting", "called"]


class TicketRemoved(TicketEvent):
    """Staff removed the ticket, or the closing reset did (it was still waiting at closing)."""

    outcome: Literal["removed_by_staff", "removed_by_reset"]
    officer_id: str | None = None
    status_before: Literal["waiting", "called"]


def _queue_key(payload: Any) -> str:
    return str(payload.service_id)


TICKET_ISSUED = EventType(
    "queue", "ticket-issued", TicketIssued, key=_queue_key, description="A ticket joined a queue."
)
TICKET_CALLED = EventType(
    "queue",
    "ticket-called",
    TicketCalled,
    key=_queue_key,
    description="A counter called a ticket (the display board announces it).",
)
TICKET_RECALLED = EventType(
    "queue",
    "ticket-recalled",
    TicketRecalled,
    key=_queue_key,
    description="A called visitor who did not come was called again.",
)
TICKET_NO_SHOW = EventType(
    "queue",
    "ticket-no-show",
    TicketNoShow,
    key=_queue_key,
    description="A called visitor did not come (marked, or past the MPP's recall limit).",
)
TICKET_TRANSFERRED = EventType(
    "queue",
    "ticket-transferred",
    TicketTransferred,
    # Keyed by the queue the ticket joins, so its later events in that queue follow this one.
    key=lambda payload: payload.to_service_id,
    description="A ticket moved to another service's queue, keeping its number and arrival.",
)
SERVICE_STARTED = EventType(
    "queue",
    "service-started",
    ServiceStarted,
    key=_queue_key,
    description="The visitor reached the counter and service began.",
)
SERVED = EventType(
    "queue",
    "served",
    Served,
    key=_queue_key,
    description="A visitor was served; carries what the survey invitation needs.",
)
TICKET_CANCELLED = EventType(
    "queue",
    "ticket-cancelled",
    TicketCancelled,
    key=_queue_key,
    description="The visitor cancelled the ticket.",
)
TICKET_REMOVED = EventType(
    "queue",
    "ticket-removed",
    TicketRemoved,
    key=_queue_key,
    description="Staff removed a ticket, or it was still waiting at closing.",
)

EVENTS: list[EventType[Any]] = [
    TICKET_ISSUED,
    TICKET_CALLED,
    TICKET_RECALLED,
    TICKET_NO_SHOW,
    TICKET_TRANSFERRED,
    SERVICE_STARTED,
    SERVED,
    TICKET_CANCELLED,
    TICKET_REMOVED,
]
