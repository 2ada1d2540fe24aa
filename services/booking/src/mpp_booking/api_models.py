"""What the booking service's HTTP API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mpp_booking.domain.person import check_nik, normalise_phone
from mpp_kit.contracts.queue import Email

IdText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class NewBooking(BaseModel):
    service_id: IdText
    slot_start: AwareDatetime = Field(
        description="a slot's start as GET /availability lists it: ISO 8601 with offset"
    )
    name: PersonName
    phone: str | None = Field(default=None, description="Indonesian number, e.g. 0812 3456 7890")
    email: Email | None = None
    nik: str | None = Field(
        default=None, description="16 digits; optional; stored only as a keyed hash"
    )
    consent: bool = Field(
        default=True,
        description="send the confirmation and reminders to this phone or e-mail",
    )

    @field_validator("phone")
    @classmethod
    def _indonesian_phone(cls, phone: str | None) -> str | None:
        return normalise_phone(phone) if phone is not None else None

    @field_validator("nik")
    @classmethod
    def _nik_structure(cls, nik: str | None) -> str | None:
        return check_nik(nik) if nik is not None else None

    @model_validator(mode="after")
    def _reachable(self) -> NewBooking:
        if self.phone is None and self.email is None:
            raise ValueError("give a phone number or an e-mail address (or both)")
        return self


class Reschedule(BaseModel):
    slot_start: AwareDatetime = Field(description="the new slot's start, ISO 8601 with offset")


class CancelBooking(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class SlotView(BaseModel):
    start: datetime = Field(description="ISO 8601 in the MPP's zone, with its offset")
    end: datetime
    remaining: int = Field(ge=0, description="places still free (0: full)")


class ClosedDay(BaseModel):
    date: date
    reason: str


class Availability(BaseModel):
    service_id: str
    timezone: str
    from_: date = Field(alias="from")
    to: date
    slot_minutes: int
    capacity_per_slot: int
    online_daily_quota: int | None
    slots: list[SlotView]
    closed_days: list[ClosedDay] = Field(
        description="days of the range closed by a holiday, cuti bersama or the MPP's closure"
    )


class CheckInTimes(BaseModel):
    opens: datetime
    closes: datetime


VisibleStatus = Literal["confirmed", "checked_in", "cancelled", "no_show"]


class BookingView(BaseModel):
    """A booking as its holder and staff see it; contacts and NIK masked."""

    id: str
    code: str
    status: VisibleStatus
    service_id: str
    agency_id: str
    slot_start: datetime
    slot_end: datetime
    day: date
    name: str | None
    phone: str | None
    email: str | None
    nik: str | None
    check_in: CheckInTimes
    created_at: datetime
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: Literal["holder", "staff"] | None = None


class CreatedBooking(BookingView):
    token: str = Field(description="the holder's key to see, move and cancel this booking")


class DayBookings(BaseModel):
    day: date
    items: list[BookingView]
    next_cursor: str | None
    counts: dict[str, int] = Field(description="bookings of the day (all pages) per status")
