"""The booking service's refusals: each a problem document that names the reason and says what
to do instead (ARCHITECTURE.md, HTTP APIs: a 4xx that changes nothing)."""

from __future__ import annotations

from datetime import date

from mpp_booking import metrics
from mpp_booking.domain.booking import Booking
from mpp_booking.domain.local_time import day_label
from mpp_booking.domain.slots import SlotRefusal
from mpp_kit.contracts.catalog import ServiceState
from mpp_kit.problems import Problem, conflict


def catalog_unavailable() -> Problem:
    return Problem(
        503,
        "Catalog not available",
        "The catalog has not reached the booking service yet; try again shortly.",
        kind="catalog-unavailable",
    )


def slot_not_offered(refusal: SlotRefusal) -> Problem:
    return Problem(
        422,
        "Slot not offered",
        refusal.message,
        kind=refusal.reason,
        errors=[{"field": "slot_start", "message": refusal.message}],
    )


def already_booked(claim_id: str, service: ServiceState, day: date) -> Problem:
    field = claim_id.rsplit("|", 1)[-1].split(":", 1)[0]  # phone, nik or email
    metrics.refused("already-booked")
    message = (
        f"this person already has a booking for {service.name} on {day_label(day)}; "
        "cancel or move that one first"
    )
    return Problem(
        409,
        "Already booked",
        f"One active booking per person per service per day: {message}.",
        kind="already-booked",
        errors=[{"field": field, "message": message}],
    )


def require_active(booking: Booking) -> None:
    if booking.status != "confirmed":
        raise state_conflict(booking)


def state_conflict(booking: Booking) -> Problem:
    details = {
        "cancelled": ("This booking was cancelled.", "booking-cancelled"),
        "checked_in": (
            "This booking is already checked in; its ticket is in the queue.",
            "booking-checked-in",
        ),
        "no_show": (
            "Nobody checked in for this booking in time; it has lapsed. Please book again.",
            "booking-lapsed",
        ),
    }
    detail, kind = details.get(booking.status, ("This booking cannot be changed now.", "conflict"))
    return conflict(detail, kind=kind)


def booking_busy() -> Problem:
    return conflict(
        "Another change of this booking is under way; try again in a moment.",
        kind="booking-busy",
    )
