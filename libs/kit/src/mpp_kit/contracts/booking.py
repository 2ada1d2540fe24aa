"""Events published by the booking service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from mpp_kit.contracts.queue import Contact
from mpp_kit.events import EventType


class BookingCheckedIn(BaseModel):
    """A visitor with a booking checked in at the kiosk within the window around their slot:
    the queue issues exactly one ticket for it (DOMAIN.md, Booking)."""

    booking_id: str
    service_id: str
    agency_id: str
    slot_start: datetime
    checked_in_at: datetime
    contact: Contact | None = None
    consent: bool = Field(
        default=False, description="the visitor agreed to be notified at this contact"
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


BOOKING_CHECKED_IN = EventType(
    "booking",
    "booking-checked-in",
    BookingCheckedIn,
    key=lambda payload: payload.booking_id,
    description="A booked visitor checked in; the queue turns it into one ticket.",
)


class BookingEvent(BaseModel):
    """What every other booking event says about its booking. The contact travels only when the
    holder agreed to be notified at it (events carry the least personal data: ARCHITECTURE.md)."""

    booking_id: str
    code: str = Field(description="the short booking code the holder knows, e.g. K7QX4M")
    service_id: str
    agency_id: str
    slot_start: datetime
    slot_end: datetime
    day: date = Field(description="the MPP's local day of the slot")
    at: datetime = Field(description="when this happened")
    contact: Contact | None = None


class BookingCreated(BookingEvent):
    """A slot was booked."""


class BookingRescheduled(BookingEvent):
    """The booking moved to another slot (``slot_start``); the previous one is free again."""

    previous_slot_start: datetime
    by: Literal["holder", "staff"]


class BookingCancelled(BookingEvent):
    by: Literal["holder", "staff"]


class BookingNoShow(BookingEvent):
    """The check-in window closed without a check-in: the booking lapsed."""

    check_in_closed_at: datetime


class BookingReminderDue(BookingEvent):
    """Time to remind the holder: ``day_before`` the slot, or ``soon`` (shortly before)."""

    kind: Literal["day_before", "soon"]
    due_at: datetime


def _booking_id(payload: Any) -> str:
    return str(payload.booking_id)


BOOKING_CREATED = EventType(
    "booking",
    "booking-created",
    BookingCreated,
    key=_booking_id,
    description="A slot was booked; the holder may be sent a confirmation.",
)
BOOKING_RESCHEDULED = EventType(
    "booking",
    "booking-rescheduled",
    BookingRescheduled,
    key=_booking_id,
    description="A booking moved to another slot.",
)
BOOKING_CANCELLED = EventType(
    "booking",
    "booking-cancelled",
    BookingCancelled,
    key=_booking_id,
    description="A booking was cancelled by its holder or by staff; its slot is free again.",
)
BOOKING_NO_SHOW = EventType(
    "booking",
    "booking-no-show",
    BookingNoShow,
    key=_booking_id,
    description="Nobody checked in within the window around the slot: the booking lapsed.",
)
BOOKING_REMINDER_DUE = EventType(
    "booking",
    "booking-reminder-due",
    BookingReminderDue,
    key=_booking_id,
    description="A reminder is due (the day before, or shortly before the slot); sent once.",
)

EVENTS: list[EventType[Any]] = [
    BOOKING_CREATED,
    BOOKING_RESCHEDULED,
    BOOKING_CANCELLED,
    BOOKING_CHECKED_IN,
    BOOKING_NO_SHOW,
    BOOKING_REMINDER_DUE,
]
