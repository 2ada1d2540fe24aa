"""Which slots a service offers, and why a requested time is not one of them.

Slots come from the service's opening hours (or the MPP's), cut into the service's slot length,
minus closed days; booking opens ``days_ahead`` days ahead and closes ``closes_minutes_before``
the slot starts (DOMAIN.md, Booking). Instants are UTC; days and hours are the MPP's local ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from mpp_booking.domain.local_time import day_label, local_clock
from mpp_kit.contracts.catalog import MppSettings, ServiceState
from mpp_kit.working_days import closed_reason, open_periods

# The widest range one availability request may cover (the catalog allows days_ahead <= 90).
MAX_RANGE_DAYS = 92


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC
    day: date  # the MPP's local day


@dataclass(frozen=True)
class SlotRefusal:
    """Why a time is not a bookable slot: a stable ``reason`` code and a sentence for people."""

    reason: str
    message: str


def today(now: datetime, settings: MppSettings) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def last_bookable_day(now: datetime, settings: MppSettings, service: ServiceState) -> date:
    """Booking opens ``days_ahead`` days ahead: today plus that many days is the last one."""
    return today(now, settings) + timedelta(days=service.booking.days_ahead)


def booking_deadline(slot_start: datetime, service: ServiceState) -> datetime:
    """Booking for a slot closes this long before it starts (per service: DOMAIN.md, Booking)."""
    return slot_start - timedelta(minutes=service.booking.closes_minutes_before)


def slots_of_day(day: date, settings: MppSettings, service: ServiceState) -> list[Slot]:
    """Every slot of a local day: each opening period cut into slots from its start; a tail
    shorter than a slot is no slot. A closed day (holiday, cuti bersama, MPP closure) has none."""
    length = timedelta(minutes=service.booking.slot_minutes)
    slots = []
    for opens, closes in open_periods(day, settings, service.opening_hours):
        start = opens
        while start + length <= closes:
            slots.append(Slot(start.astimezone(UTC), (start + length).astimezone(UTC), day))
            start += length
    return slots


def bookable_slots(
    first: date, last: date, now: datetime, settings: MppSettings, service: ServiceState
) -> list[Slot]:
    """The slots of ``first``…``last`` (local days) that can be booked at ``now``."""
    first = max(first, today(now, settings))
    last = min(last, last_bookable_day(now, settings, service))
    slots: list[Slot] = []
    day = first
    while day <= last:
        slots += [
            s
            for s in slots_of_day(day, settings, service)
            if booking_deadline(s.start, service) > now
        ]
        day += timedelta(days=1)
    return slots


def refusal_for(
    start: datetime, now: datetime, settings: MppSettings, service: ServiceState
) -> SlotRefusal | None:
    """``None`` if ``start`` is a slot bookable at ``now``, else why not (the first reason that
    applies, in the order a person would want to hear them)."""
    tz = settings.timezone
    day = start.astimezone(ZoneInfo(tz)).date()
    if start <= now:
        return SlotRefusal("slot-in-the-past", f"{_when(start, tz)} has already begun or passed.")
    last = last_bookable_day(now, settings, service)
    if day > last:
        return SlotRefusal(
            "slot-too-far-ahead",
            f"Booking opens {service.booking.days_ahead} days ahead; the last day that can be "
            f"booked now is {day_label(last)}.",
        )
    if (reason := closed_reason(day, settings)) is not None:
        return SlotRefusal("closed-day", f"The MPP is closed on {day_label(day)} ({reason}).")
    slots = slots_of_day(day, settings, service)
    if not slots:
        return SlotRefusal(
            "closed-day", f"{service.name} does not serve on {day_label(day)} (no opening hours)."
        )
    if not any(s.start == start.astimezone(UTC) for s in slots):
        first, last_slot = slots[0].start, slots[-1].start
        return SlotRefusal(
            "not-a-slot",
            f"{_when(start, tz)} is not a slot of {service.name}: on that day slots start every "
            f"{service.booking.slot_minutes} minutes from {local_clock(first, tz)} to "
            f"{local_clock(last_slot, tz)}.",
        )
    deadline = booking_deadline(start, service)
    if deadline <= now:
        return SlotRefusal(
            "booking-closed-for-slot",
            f"Booking for {_when(start, tz)} closed at {local_clock(deadline, tz)}, "
            f"{service.booking.closes_minutes_before} minutes before the slot starts.",
        )
    return None


def _when(instant: datetime, tz: str) -> str:
    return f"{day_label(instant.astimezone(ZoneInfo(tz)).date())} {local_clock(instant, tz)}"
