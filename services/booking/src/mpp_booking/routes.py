"""``/api/v1/booking``: availability, bookings, and what holders, kiosks and staff do with them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request

from mpp_booking.access import booking_token, holder_phone, staff_scope, who_acts
from mpp_booking.api_models import (
    Availability,
    BookingView,
    CancelBooking,
    CreatedBooking,
    DayBookings,
    NewBooking,
    Reschedule,
)
from mpp_booking.booking_desk import BookingDesk
from mpp_booking.domain.booking import VISIBLE
from mpp_kit import idempotency
from mpp_kit.auth import CurrentPrincipal, OptionalPrincipal, token_keys
from mpp_kit.problems import invalid_field

Token = Annotated[str | None, Depends(booking_token)]
Phone = Annotated[str | None, Depends(holder_phone)]
Code = Annotated[str, "the booking code, e.g. K7QX4M"]


def booking_routes(desk: BookingDesk) -> APIRouter:
    router = APIRouter(prefix="/api/v1/booking", tags=["booking"])

    @router.get("/availability", response_model=Availability)
    async def availability(
        service_id: Annotated[str, Query(min_length=1, max_length=100)],
        from_: Annotated[date | None, Query(alias="from", description="first local day")] = None,
        to: Annotated[date | None, Query(description="last local day (inclusive)")] = None,
    ) -> dict[str, Any]:
        """The slots of a service that can be booked now, each with the places still free.
        Times are ISO 8601 in the MPP's zone; by default the whole booking window."""
        return await desk.availability(service_id, from_, to)

    @router.post("/bookings", status_code=201, response_model=CreatedBooking)
    async def book(
        body: NewBooking,
        request: Request,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Book a slot. Public: the answer's ``code`` and ``token`` are the holder's keys. Send
        an ``Idempotency-Key`` so a repeated request books once."""
        booked = await desk.book(body, idempotency.validate_key(idempotency_key))
        return booked | {"token": token_keys(request).sign_capability("booking", booked["code"])}

    @router.get("/bookings", response_model=DayBookings)
    async def day_bookings(
        principal: CurrentPrincipal,
        day: Annotated[date | None, Query(description="local day; default today")] = None,
        agency_id: Annotated[str | None, Query(max_length=100)] = None,
        service_id: Annotated[str | None, Query(max_length=100)] = None,
        status: Annotated[str | None, Query(description=", ".join(VISIBLE))] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> dict[str, Any]:
        """Staff: a day's bookings with their check-in status. Officers and agency admins see
        their own agency's; the mpp_admin all."""
        if status is not None and status not in VISIBLE:
            raise invalid_field("status", f"must be one of {', '.join(VISIBLE)}")
        service_agency = None
        if service_id is not None:
            service = await desk.view.service(service_id)
            if service is None:
                raise invalid_field("service_id", f"there is no service {service_id!r}")
            service_agency = service.agency_id
        scope = staff_scope(principal, agency_id, service_agency)
        return await desk.day_list(principal, day, scope, service_id, status, limit, cursor)

    @router.get("/bookings/{code}", response_model=BookingView)
    async def get_booking(
        code: Code, request: Request, principal: OptionalPrincipal, token: Token, phone: Phone
    ) -> dict[str, Any]:
        """The booking, for its holder (token, or code + phone) or staff of its agency."""
        booking = await desk.by_code(code)
        if who_acts(request, booking, principal, token, phone) == "staff":
            assert principal is not None
            await desk.log_staff_read(principal, booking)
        return desk.describe(booking, (await desk.mpp_settings()).timezone)

    @router.post("/bookings/{code}/cancel", response_model=BookingView)
    async def cancel(
        code: Code,
        request: Request,
        principal: OptionalPrincipal,
        token: Token,
        phone: Phone,
        body: Annotated[CancelBooking | None, Body()] = None,
    ) -> dict[str, Any]:
        """Cancel: the slot is free again. Cancelling a cancelled booking changes nothing."""
        booking = await desk.by_code(code)
        return await desk.cancel(booking, who_acts(request, booking, principal, token, phone))

    @router.post("/bookings/{code}/reschedule", response_model=BookingView)
    async def reschedule(
        code: Code,
        body: Reschedule,
        request: Request,
        principal: OptionalPrincipal,
        token: Token,
        phone: Phone,
    ) -> dict[str, Any]:
        """Move to another slot of the same service: all or nothing."""
        booking = await desk.by_code(code)
        by = who_acts(request, booking, principal, token, phone)
        return await desk.reschedule(booking, body.slot_start, by)

    @router.post("/bookings/{code}/check-in", response_model=BookingView)
    async def check_in(code: Code) -> dict[str, Any]:
        """At the kiosk (the code, typed or scanned from its QR code), within the window around
        the slot start: the queue issues one ticket. Outside the window: 409 saying when."""
        return await desk.check_in(await desk.by_code(code))

    return router
