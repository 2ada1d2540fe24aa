"""Who may see and change a booking (ARCHITECTURE.md, HTTP APIs; issue 6).

The holder proves it with the booking's token, or with the code and the phone number given when
booking; staff act only on their own agency's bookings (the mpp_admin on all). Checking in needs
only the code: that is what the kiosk scans.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Header, Query, Request

from mpp_booking.domain.booking import Booking, By
from mpp_booking.domain.person import normalise_phone
from mpp_kit.auth import Principal, Role, require_agency, token_keys
from mpp_kit.problems import forbidden, invalid_field, unauthorized

STAFF = (Role.OFFICER, Role.AGENCY_ADMIN)
HOW_TO_PROVE = (
    "Present the booking's token (?token= or X-Booking-Token), the phone number it was made "
    "with (?phone= or X-Booking-Phone), or log in as staff of its agency."
)


def booking_token(
    token: Annotated[str | None, Query(description="the booking's token", max_length=200)] = None,
    x_booking_token: Annotated[str | None, Header(max_length=200)] = None,
) -> str | None:
    return x_booking_token or token


def holder_phone(
    phone: Annotated[
        str | None, Query(description="the phone number of the booking", max_length=40)
    ] = None,
    x_booking_phone: Annotated[str | None, Header(max_length=40)] = None,
) -> str | None:
    return x_booking_phone or phone


def who_acts(
    request: Request,
    booking: Booking,
    principal: Principal | None,
    token: str | None,
    phone: str | None,
) -> By:
    """``holder`` or ``staff``; anyone else is refused (401 without proof, 403 with a wrong one)."""
    if token is not None:
        if token_keys(request).check_capability("booking", booking.code, token):
            return "holder"
        raise forbidden("This token does not belong to this booking.")
    if phone is not None:
        try:
            given = normalise_phone(phone)
        except ValueError as exc:
            raise invalid_field("phone", str(exc)) from None
        if booking.phone is not None and hmac.compare_digest(given, booking.phone):
            return "holder"
        raise forbidden("This phone number does not belong to this booking.")
    if principal is not None:
        require_agency(principal, booking.agency_id, *STAFF)
        return "staff"
    raise unauthorized(HOW_TO_PROVE)


def staff_scope(
    principal: Principal, agency_id: str | None, service_agency_id: str | None
) -> str | None:
    """The agency whose bookings a staff member may list (``None``: all, for the mpp_admin)."""
    if principal.is_mpp_admin:
        return agency_id or service_agency_id
    own = principal.agency_id
    if not principal.has_any(*STAFF) or own is None:
        raise forbidden("Listing bookings needs an officer or agency admin (or the mpp_admin).")
    for asked in (agency_id, service_agency_id):
        if asked is not None and asked != own:
            raise forbidden("You may only see your own agency's bookings.")
    return own
