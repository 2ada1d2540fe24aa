"""What a citizen who booked a slot hears: the confirmation, a move, a cancellation, a lapse —
with the code and the slot in the MPP's local time."""

from __future__ import annotations

from datetime import UTC, datetime

from mpp_testing import eventually, running_app

from mpp_kit.contracts.booking import (
    BOOKING_CANCELLED,
    BOOKING_CREATED,
    BOOKING_NO_SHOW,
    BOOKING_RESCHEDULED,
    BookingCancelled,
    BookingCreated,
    BookingNoShow,
    BookingRescheduled,
)
from mpp_notify.main import build_app
from mpp_notify.testing import booking_event, consuming, publish

SLOT = datetime(2026, 5, 12, 2, 30, tzinfo=UTC)  # 09:30 WIB


async def test_each_step_of_a_booking_reaches_its_holder(notify_settings, infra):
    settings = notify_settings(phone_channels=[])
    app = build_app(settings)
    common = {"email": "dewi@example.id", "slot_start": SLOT}
    steps = [
        (BOOKING_CREATED, booking_event(BookingCreated, **common)),
        (
            BOOKING_RESCHEDULED,
            booking_event(BookingRescheduled, **common, previous_slot_start=SLOT, by="holder"),
        ),
        (BOOKING_CANCELLED, booking_event(BookingCancelled, **common, by="staff")),
        (BOOKING_NO_SHOW, booking_event(BookingNoShow, **common, check_in_closed_at=SLOT)),
    ]
    async with running_app(app):
        await consuming(app)
        for event_type, payload in steps:
            await publish(infra.bootstrap, settings, event_type, [payload])
        messages = await eventually(lambda: _inbox(app, 4))

    by_kind = {m["notification"]: m for m in messages}
    assert set(by_kind) == {
        "booking-created",
        "booking-rescheduled",
        "booking-cancelled",
        "booking-no-show",
    }
    assert (
        "Kode reservasi: K7QX4M\nWaktu: 12/05/2026 09:30 WIB" in by_kind["booking-created"]["body"]
    )
    assert by_kind["booking-rescheduled"]["subject"] == "Reservasi K7QX4M dipindah / Booking moved"
    assert "dibatalkan" in by_kind["booking-cancelled"]["body"]
    assert "hangus" in by_kind["booking-no-show"]["body"]
    assert {m["to"] for m in messages} == {"dewi@example.id"}


async def _inbox(app, count: int):
    found = await app.state.runtime.db.inbox.find().to_list()
    return found if len(found) >= count else None
