"""The booking service (reservasi): a citizen picks a time online and checks in on arrival.

* Serves ``/api/v1/booking``: ``availability``; ``bookings`` (book; the holder's view, cancel,
  reschedule; check-in at the kiosk; the staff's day list).
* Publishes ``booking.booking-created``, ``booking-rescheduled``, ``booking-cancelled``,
  ``booking-checked-in`` (the queue turns it into one ticket), ``booking-no-show``,
  ``booking-reminder-due`` (:mod:`mpp_kit.contracts.booking`).
* Consumes the catalog's events (its read model, :class:`mpp_kit.catalog_view.CatalogView`).
* Stores ``bookings``, ``capacity`` (slot and daily-quota places), ``person_day_claims``,
  ``sent_reminders``, ``staff_access_log`` and the catalog read model.
* Jobs: no-shows, reminders, repair of unfinished attempts, erasure of old personal data.

Run: ``uvicorn mpp_booking.main:app``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import FastAPI

from mpp_booking.booking_desk import BookingDesk
from mpp_booking.jobs import BookingJobs
from mpp_booking.routes import booking_routes
from mpp_booking.settings import BookingServiceSettings
from mpp_booking.store import BookingStore
from mpp_kit.catalog_view import CatalogView
from mpp_kit.contracts.booking import EVENTS
from mpp_kit.http import create_app
from mpp_kit.runtime import ServiceRuntime


def build_app(settings: BookingServiceSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, publishes=EVENTS)
    view = CatalogView(runtime)
    store = BookingStore(runtime.db)
    desk = BookingDesk(runtime, store, view, settings)
    jobs = BookingJobs(runtime, store, desk, settings)

    runtime.on_startup(store.prepare)
    runtime.every(settings.no_show_every_seconds)(jobs.sweep_no_shows)
    runtime.every(settings.reminders_every_seconds)(jobs.send_due_reminders)
    runtime.every(settings.repair_every_seconds)(jobs.repair)
    runtime.every(3600)(jobs.erase_expired_personal_data)

    app = create_app(
        settings,
        title="mpp booking",
        description="Online booking of slots, check-in into the queue, reminders and no-shows.",
        routers=[booking_routes(desk)],
        runtime=runtime,
    )
    app.state.store = store
    app.state.view = view
    app.state.desk = desk
    app.state.jobs = jobs
    return app


@cache
def _app_from_environment() -> FastAPI:
    return build_app(BookingServiceSettings())


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use, so tests can import this module without MPP_* settings.
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
