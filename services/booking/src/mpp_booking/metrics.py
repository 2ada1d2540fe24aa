"""The booking service's own metrics (the shared ones come from :mod:`mpp_kit.metrics`)."""

from __future__ import annotations

from prometheus_client import Counter

BOOKINGS = Counter(
    "booking_bookings_total", "Booking requests by outcome (created, or the refusal)", ["outcome"]
)
CHECK_INS = Counter("booking_check_ins_total", "Bookings checked in at the kiosk")
NO_SHOWS = Counter("booking_no_shows_total", "Bookings that lapsed without a check-in")
REMINDERS = Counter("booking_reminders_total", "Reminders made due", ["kind"])
ABANDONED = Counter(
    "booking_abandoned_attempts_total",
    "Unfinished bookings or reschedules whose places the repair job gave back",
)


def refused(reason: str) -> None:
    BOOKINGS.labels(reason).inc()
