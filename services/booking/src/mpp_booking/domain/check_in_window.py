"""When a booked visitor may check in, and what to tell one who comes at another time.

Check-in at the kiosk within a window around the slot start turns the booking into a queue ticket;
missing the window makes it a no-show (DOMAIN.md, Booking). The window is a setting (issue 6:
e.g. 30 minutes before to 15 after the slot start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mpp_booking.domain.local_time import day_label, local_clock


@dataclass(frozen=True)
class CheckInWindow:
    opens: datetime
    closes: datetime


@dataclass(frozen=True)
class CheckInRefusal:
    reason: str  # check-in-wrong-day, check-in-too-early, check-in-too-late
    message: str


def check_in_window(slot_start: datetime, before: timedelta, after: timedelta) -> CheckInWindow:
    return CheckInWindow(slot_start - before, slot_start + after)


def check_in_refusal(
    now: datetime, slot_start: datetime, window: CheckInWindow, tz: str
) -> CheckInRefusal | None:
    """``None`` inside the window; otherwise why not, saying when to come."""
    zone = ZoneInfo(tz)
    slot_day = slot_start.astimezone(zone).date()
    between = f"between {local_clock(window.opens, tz)} and {local_clock(window.closes, tz)}"
    if window.opens <= now <= window.closes:
        return None
    if now > window.closes:
        return lapsed(slot_start, window, tz)
    if now.astimezone(zone).date() != slot_day:
        return CheckInRefusal(
            "check-in-wrong-day",
            f"This booking is for {day_label(slot_day)} at {local_clock(slot_start, tz)}. "
            f"Please come that day and check in {between}.",
        )
    return CheckInRefusal(
        "check-in-too-early",
        f"Too early: check in for the slot at {local_clock(slot_start, tz)} {between}.",
    )


def lapsed(slot_start: datetime, window: CheckInWindow, tz: str) -> CheckInRefusal:
    """The window closed without a check-in: the booking is a no-show (DOMAIN.md, Booking)."""
    slot_day = slot_start.astimezone(ZoneInfo(tz)).date()
    return CheckInRefusal(
        "check-in-too-late",
        f"Check-in for the slot at {local_clock(slot_start, tz)} on {day_label(slot_day)} "
        f"closed at {local_clock(window.closes, tz)}; the booking has lapsed. "
        "Please make a new booking.",
    )
