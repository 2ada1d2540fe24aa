"""What the booking service does for citizens and staff: availability, book, cancel, reschedule,
check in, and the staff's day list. Rules come from :mod:`mpp_booking.domain`; the store keeps
capacity exact (see :mod:`mpp_booking.store` for how).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from mpp_booking import metrics
from mpp_booking.api_models import (
    Availability,
    BookingView,
    CheckInTimes,
    ClosedDay,
    DayBookings,
    NewBooking,
    SlotView,
)
from mpp_booking.domain.booking import (
    Booking,
    By,
    Holds,
    Move,
    PlannedReminder,
    claim_ids,
    day_quota_id,
    slot_capacity_id,
)
from mpp_booking.domain.booking_code import new_code, normalise_code
from mpp_booking.domain.check_in_window import check_in_refusal, check_in_window, lapsed
from mpp_booking.domain.local_time import day_label
from mpp_booking.domain.person import nik_hash, person_keys
from mpp_booking.domain.reminders import Reminder, next_due, reminder_plan
from mpp_booking.domain.slots import (
    MAX_RANGE_DAYS,
    bookable_slots,
    last_bookable_day,
    refusal_for,
    today,
)
from mpp_booking.refusals import (
    already_booked,
    booking_busy,
    catalog_unavailable,
    require_active,
    slot_not_offered,
    state_conflict,
)
from mpp_booking.settings import BookingServiceSettings
from mpp_booking.store import BookingStore
from mpp_kit import idempotency
from mpp_kit.auth import Principal
from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.contracts.booking import (
    BOOKING_CANCELLED,
    BOOKING_CHECKED_IN,
    BOOKING_CREATED,
    BOOKING_RESCHEDULED,
    BookingCancelled,
    BookingCheckedIn,
    BookingCreated,
    BookingRescheduled,
)
from mpp_kit.contracts.catalog import MppSettings, ServiceState
from mpp_kit.contracts.queue import Contact
from mpp_kit.mongo import Document, Session
from mpp_kit.personal_data import mask_email, mask_nik, mask_phone
from mpp_kit.problems import Problem, conflict, invalid_field, not_found
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.working_days import closed_reason

T = TypeVar("T")
Json = dict[str, Any]


class _Changed(Exception):
    """The booking changed between reading it and writing: the transaction changes nothing."""


class _Twin(Exception):
    """A concurrent request with the same Idempotency-Key holds this person's day."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(claim_id)
        self.claim_id = claim_id


class BookingDesk:
    def __init__(
        self,
        runtime: ServiceRuntime,
        store: BookingStore,
        view: CatalogView,
        settings: BookingServiceSettings,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.view = view
        self.settings = settings
        self.person_key = settings.person_key()
        self.check_in_before = timedelta(minutes=settings.check_in_opens_minutes_before)
        self.check_in_after = timedelta(minutes=settings.check_in_closes_minutes_after)
        # The service's notion of now; tests travel in time by replacing it.
        self.now: Callable[[], datetime] = utcnow
        # A bookable service and the MPP's settings, kept for a moment: a burst of requests for
        # one slot would otherwise read them from the store for every request.
        self._recent: dict[str, tuple[float, ServiceState, MppSettings]] = {}
        view.on_change(self._catalog_changed)

    # --- the catalog, as this service knows it -------------------------------------------------

    async def _catalog_changed(self, collection: str, state: BaseModel, session: Session) -> None:
        self._recent.clear()

    async def mpp_settings(self) -> MppSettings:
        settings = await self.view.settings()
        if settings is None:
            raise catalog_unavailable()
        return settings

    async def service(self, service_id: str) -> tuple[ServiceState, MppSettings]:
        """A service that takes bookings, and the MPP's settings."""
        if (recent := self._recent.get(service_id)) and recent[0] > time.monotonic():
            return recent[1], recent[2]
        service, settings = await asyncio.gather(
            self.view.service(service_id), self.view.settings()
        )
        if service is None:
            if not self.view.ready.is_set():
                raise catalog_unavailable()
            raise invalid_field("service_id", f"there is no service {service_id!r}")
        if service.status == "retired":
            raise conflict(
                f"The service {service.name!r} is retired and takes no bookings.",
                kind="service-retired",
            )
        if not service.booking.enabled:
            raise conflict(
                f"The service {service.name!r} takes no online bookings; "
                "take a ticket at the kiosk instead.",
                kind="booking-not-offered",
            )
        agency = await self.view.agency(service.agency_id)
        if agency is None or not agency.active:
            raise conflict(
                f"The agency {service.agency_id!r} of this service is not active.",
                kind="agency-inactive",
            )
        if settings is None:
            raise catalog_unavailable()
        if self.settings.catalog_cache_seconds > 0:
            until = time.monotonic() + self.settings.catalog_cache_seconds
            self._recent[service_id] = (until, service, settings)
        return service, settings

    # --- availability --------------------------------------------------------------------------

    async def availability(self, service_id: str, first: date | None, last: date | None) -> Json:
        service, settings = await self.service(service_id)
        now = self.now()
        first = first or today(now, settings)
        last = last or max(first, last_bookable_day(now, settings, service))
        if last < first:
            raise invalid_field("to", "must not be before from", status=422)
        if (last - first).days > MAX_RANGE_DAYS:
            raise invalid_field("to", f"the range may cover at most {MAX_RANGE_DAYS} days")
        slots = bookable_slots(first, last, now, settings, service)
        taken: dict[Any, int] = {}
        if slots:
            taken = await self.store.slots_taken(
                service.id, slots[0].start, slots[-1].start + timedelta(seconds=1)
            )
        quota = service.quotas.online_daily
        day_taken: dict[str, int] = {}
        if quota is not None and slots:
            days = sorted({s.day for s in slots})
            day_taken = await self.store.taken([day_quota_id(service.id, d) for d in days])
        capacity = service.booking.capacity_per_slot
        tz = settings.timezone
        views = []
        for slot in slots:
            remaining = capacity - taken.get(slot.start, 0)
            if quota is not None:
                remaining = min(
                    remaining, quota - day_taken.get(day_quota_id(service.id, slot.day), 0)
                )
            views.append(
                SlotView(
                    start=_local(slot.start, tz),
                    end=_local(slot.end, tz),
                    remaining=max(0, remaining),
                )
            )
        closed = []
        day = first
        while day <= last:
            if (reason := closed_reason(day, settings)) is not None:
                closed.append(ClosedDay(date=day, reason=reason))
            day += timedelta(days=1)
        answer = Availability.model_validate(
            {
                "service_id": service.id,
                "timezone": tz,
                "from": first,
                "to": last,
                "slot_minutes": service.booking.slot_minutes,
                "capacity_per_slot": capacity,
                "online_daily_quota": quota,
                "slots": views,
                "closed_days": closed,
            }
        )
        return answer.model_dump(mode="json", by_alias=True)

    # --- booking -------------------------------------------------------------------------------

    async def book(self, body: NewBooking, idempotency_key: str | None) -> Json:
        """Book a slot: capacity, daily quota and one-per-person are enforced by the store."""
        service, settings = await self.service(body.service_id)
        now = self.now()
        start = body.slot_start.astimezone(UTC)
        if (refusal := refusal_for(start, now, settings, service)) is not None:
            metrics.refused(refusal.reason)
            raise slot_not_offered(refusal)
        tz = settings.timezone
        day = start.astimezone(ZoneInfo(tz)).date()
        keys = person_keys(body.phone, body.nik, body.email, self.person_key)
        quota = service.quotas.online_daily
        booking = Booking(
            id=str(uuid.uuid4()),
            code=new_code(),
            service_id=service.id,
            agency_id=service.agency_id,
            slot_start=start,
            slot_end=start + timedelta(minutes=service.booking.slot_minutes),
            day=day,
            status="confirmed",
            name=body.name,
            phone=body.phone,
            email=body.email,
            nik_hash=nik_hash(body.nik, self.person_key) if body.nik else None,
            nik_masked=mask_nik(body.nik) if body.nik else None,
            consent=body.consent,
            person_keys=keys,
            holds=Holds(
                slot=slot_capacity_id(service.id, start),
                quota=day_quota_id(service.id, day) if quota is not None else None,
                claims=claim_ids(service.id, day, keys),
            ),
            reminders=self._reminders(start, now),
            created_at=now,
        )

        async def confirm(session: Session) -> Json:
            if not await self.store.confirm(session, _document(booking), booking.holds.claims):
                raise conflict(
                    "The booking took too long and was given up; please try again.",
                    kind="booking-timed-out",
                )
            await self.runtime.publish(
                session, BOOKING_CREATED, BookingCreated(**self.event_fields(booking, now))
            )
            return self.describe(booking, tz)

        async def holding(work: Callable[[Session], Awaitable[Json]]) -> Json:
            await self._take_places(booking, service, idempotency_key)
            return await self._or_abandon(booking.id, self._with_free_code(booking, work))

        # The idempotency record keeps a fingerprint of the request: with the NIK hashed.
        request = body.model_dump(mode="json") | {"nik": booking.nik_hash}
        for _ in range(3):
            try:
                answer = await idempotency.once(
                    holding, self.store.db, "bookings", idempotency_key, request, confirm
                )
                metrics.BOOKINGS.labels("created").inc()
                return answer
            except _Twin as twin:
                # The same request is being booked right now: wait for it, then answer as it
                # did (or, if it failed, try once more ourselves).
                await self.store.wait_until_settled(twin.claim_id)
                booking.id = str(uuid.uuid4())
        raise conflict(
            "A request with this Idempotency-Key is still being handled; try again shortly.",
            kind="idempotency-key-in-use",
        )

    async def _take_places(
        self, booking: Booking, service: ServiceState, request_key: str | None
    ) -> None:
        """Claim the person's day (the claims record what the booking is about to take), then
        take a place in the slot and one in the day's quota; on a refusal give back what was
        taken."""
        holds = booking.holds
        intent = {"counters": holds.counters(), "request_key": request_key}

        taken: list[str] = []
        try:
            clash = await self.store.claim(
                holds.claims, booking.id, booking.day, booking.created_at, intent=intent
            )
            if clash is not None:
                holder = await self.store.claim_holder(clash)
                if (
                    request_key is not None
                    and holder is not None
                    and holder.get("pending") is True
                    and holder.get("request_key") == request_key
                ):
                    raise _Twin(clash)
                raise already_booked(clash, service, booking.day)
            fields = {"service_id": service.id, "start": booking.slot_start}
            capacity = service.booking.capacity_per_slot
            if not await self.store.take(holds.slot, booking.id, capacity, fields):
                metrics.refused("slot-full")
                raise conflict(
                    "This slot is fully booked; choose another time from GET /availability.",
                    kind="slot-full",
                )
            taken.append(holds.slot)
            quota = service.quotas.online_daily
            if holds.quota is not None and quota is not None:
                fields = {"service_id": service.id, "day": booking.day.isoformat()}
                if not await self.store.take(holds.quota, booking.id, quota, fields):
                    metrics.refused("daily-quota-reached")
                    raise conflict(
                        f"The online quota of {quota} bookings for {day_label(booking.day)} is "
                        "reached; choose another day.",
                        kind="daily-quota-reached",
                    )
        except Problem:
            # Refused: nothing is in flight, so give back exactly what was taken.
            await asyncio.shield(self.store.give_back(booking.id, holds.claims, taken))
            raise
        except BaseException:
            # Cut off (the client hung up, the store failed): a step may still land after this,
            # so everything named is given back now and once more later by the repair job.
            give_up = self.store.give_up(booking.id, holds.claims, holds.counters(), self.now())
            await asyncio.shield(give_up)
            raise

    async def _with_free_code(
        self, booking: Booking, work: Callable[[Session], Awaitable[Json]]
    ) -> Json:
        """Run the confirming transaction; if another booking has the drawn code, draw again."""
        for _ in range(8):
            try:
                return await self.runtime.transaction(work)
            except DuplicateKeyError:
                if not await self.store.code_in_use(booking.code, booking.id):
                    raise  # not the code: a twin request won (the caller answers as it did)
                booking.code = new_code()
        raise RuntimeError("no free booking code after 8 draws")

    async def _or_abandon(self, booking_id: str, work: Awaitable[T]) -> T:
        try:
            return await work
        except BaseException:
            # Shielded: a client that hangs up must not leave places taken.
            await asyncio.shield(self.store.abandon(booking_id))
            raise

    # --- the holder's booking ------------------------------------------------------------------

    async def by_code(self, code: str) -> Booking:
        normalised = normalise_code(code)
        booking = await self.store.by_code(normalised) if normalised else None
        if booking is None:
            raise not_found("booking", code)
        return booking

    async def cancel(self, booking: Booking, by: By) -> Json:
        """Cancel: its places are free again. A cancelled booking answers as it is."""
        tz = (await self.mpp_settings()).timezone
        for _ in range(3):
            if booking.status == "cancelled":
                return self.describe(booking, tz)
            require_active(booking)
            work = partial(self._cancel, booking=booking, by=by, now=self.now())
            current = await self._changing(booking, work)
            if current.status == "cancelled":
                await self.store.settle_owed(booking.id)
            booking = current  # cancelled now, or changed meanwhile: look again
        raise booking_busy()

    async def _cancel(self, session: Session, booking: Booking, by: By, now: datetime) -> None:
        fields = {"cancelled_at": now, "cancelled_by": by, "owed_at": now}
        owe = booking.holds.counters()
        if not await self.store.transition(session, booking, "cancelled", fields, owe=owe):
            raise _Changed
        await self.store.release_claims(booking.holds.claims, booking.id, session=session)
        await self.runtime.publish(
            session, BOOKING_CANCELLED, BookingCancelled(**self.event_fields(booking, now), by=by)
        )

    async def reschedule(self, booking: Booking, slot_start: datetime, by: By) -> Json:
        """Move to another slot: the new place is taken and the old one given back in one step,
        or nothing changes."""
        service, settings = await self.service(booking.service_id)
        tz = settings.timezone
        start = slot_start.astimezone(UTC)
        if booking.status == "confirmed" and start == booking.slot_start:
            return self.describe(booking, tz)  # already there (a retried request)
        require_active(booking)
        now = self.now()
        if booking.slot_start <= now:
            raise conflict(
                "This booking's slot has begun; it can no longer be moved.", kind="slot-begun"
            )
        if (refusal := refusal_for(start, now, settings, service)) is not None:
            raise slot_not_offered(refusal)
        await self.store.settle_owed(booking.id)
        day = start.astimezone(ZoneInfo(tz)).date()
        same_day = day == booking.day
        quota = service.quotas.online_daily
        if same_day:
            holds = Holds(
                slot=slot_capacity_id(service.id, start),
                quota=booking.holds.quota,
                claims=booking.holds.claims,
            )
        else:
            holds = Holds(
                slot=slot_capacity_id(service.id, start),
                quota=day_quota_id(service.id, day) if quota is not None else None,
                claims=claim_ids(service.id, day, booking.person_keys),
            )
        move = Move(
            id=str(uuid.uuid4()),
            slot_start=start,
            slot_end=start + timedelta(minutes=service.booking.slot_minutes),
            day=day,
            holds=holds,
            new_claims=[] if same_day else holds.claims,
            new_counters=[holds.slot] + ([holds.quota] if holds.quota and not same_day else []),
            at=now,
        )
        if not await self.store.start_move(booking.id, move):
            current = await self.store.by_id(booking.id)
            if current is not None and current.status == "confirmed":
                raise booking_busy()
            raise state_conflict(current or booking)
        moved = booking.model_copy(
            update={
                "slot_start": start,
                "slot_end": move.slot_end,
                "day": day,
                "holds": holds,
                "reminders": self._reminders(start, now),
            }
        )

        async def take_new_places() -> None:
            clash = await self.store.claim(move.new_claims, booking.id, day, now)
            if clash is not None:
                raise already_booked(clash, service, day)
            fields = {"service_id": service.id, "start": start}
            if not await self.store.take(
                holds.slot, booking.id, service.booking.capacity_per_slot, fields
            ):
                raise conflict(
                    "The new slot is fully booked; the booking stays as it was.", kind="slot-full"
                )
            if not same_day and holds.quota is not None and quota is not None:
                fields = {"service_id": service.id, "day": day.isoformat()}
                if not await self.store.take(holds.quota, booking.id, quota, fields):
                    raise conflict(
                        f"The online quota for {day_label(day)} is reached; the booking stays "
                        "as it was.",
                        kind="daily-quota-reached",
                    )

        async def work(session: Session) -> None:
            fields: Document = {
                "slot_start": start,
                "slot_end": move.slot_end,
                "day": day.isoformat(),
                "holds": holds.model_dump(),
                **reminder_fields(moved.reminders),
            }
            owe = [c for c in booking.holds.counters() if c not in holds.counters()]
            if not await self.store.finish_move(session, booking, move, fields, owe):
                raise _Changed
            old_claims = [c for c in booking.holds.claims if c not in holds.claims]
            await self.store.release_claims(old_claims, booking.id, session=session)
            await self.runtime.publish(
                session,
                BOOKING_RESCHEDULED,
                BookingRescheduled(
                    **self.event_fields(moved, now), previous_slot_start=booking.slot_start, by=by
                ),
            )

        try:
            await take_new_places()
            await self.runtime.transaction(work)
        except _Changed:
            await asyncio.shield(self.store.abandon_move(booking.id, move.id))
            raise state_conflict(await self.store.by_id(booking.id) or booking) from None
        except Problem:
            await asyncio.shield(self.store.abandon_move(booking.id, move.id))
            raise
        except BaseException:
            # Cut off: a step may still land later; the repair job releases once more.
            await asyncio.shield(self._give_up_move(booking.id, move))
            raise
        await self.store.settle_owed(booking.id)
        return self.describe(moved, tz)

    async def _give_up_move(self, booking_id: str, move: Move) -> None:
        await self.store.note_given_up(booking_id, move.new_counters, move.new_claims, self.now())
        await self.store.abandon_move(booking_id, move.id)

    async def check_in(self, booking: Booking) -> Json:
        """At the kiosk, within the window around the slot start: the queue gets one ticket.
        A second check-in answers the same and publishes nothing."""
        tz = (await self.mpp_settings()).timezone
        if booking.status == "checked_in":
            return self.describe(booking, tz)
        now = self.now()
        window = check_in_window(booking.slot_start, self.check_in_before, self.check_in_after)
        times = {
            "check_in_opens": _local(window.opens, tz).isoformat(),
            "check_in_closes": _local(window.closes, tz).isoformat(),
        }
        if booking.status == "no_show":
            late = lapsed(booking.slot_start, window, tz)
            raise conflict(late.message, kind=late.reason, **times)
        require_active(booking)
        if (refusal := check_in_refusal(now, booking.slot_start, window, tz)) is not None:
            raise conflict(refusal.message, kind=refusal.reason, **times)

        async def work(session: Session) -> None:
            if not await self.store.transition(
                session, booking, "checked_in", {"checked_in_at": now}
            ):
                raise _Changed
            await self.runtime.publish(
                session,
                BOOKING_CHECKED_IN,
                BookingCheckedIn(
                    booking_id=booking.id,
                    service_id=booking.service_id,
                    agency_id=booking.agency_id,
                    slot_start=booking.slot_start,
                    checked_in_at=now,
                    contact=self._contact(booking),
                    consent=booking.consent,
                ),
            )

        current = await self._changing(booking, work)
        if current.status == "confirmed" and current.slot_start != booking.slot_start:
            return await self.check_in(current)  # rescheduled meanwhile: judge the new slot
        if current.status != "checked_in":
            raise state_conflict(current)
        metrics.CHECK_INS.inc()
        return self.describe(current, tz)

    async def _changing(
        self, booking: Booking, work: Callable[[Session], Awaitable[None]]
    ) -> Booking:
        """Run ``work`` in a transaction; the booking as it is afterwards (changed by us, or by
        someone else meanwhile)."""
        try:
            await self.runtime.transaction(work)
        except _Changed:
            pass
        current = await self.store.by_id(booking.id)
        if current is None:
            raise not_found("booking", booking.code)
        return current

    # --- staff ---------------------------------------------------------------------------------

    async def day_list(
        self,
        principal: Principal,
        day: date | None,
        agency_id: str | None,
        service_id: str | None,
        status: str | None,
        limit: int,
        cursor: str | None,
    ) -> Json:
        settings = await self.mpp_settings()
        tz = settings.timezone
        day = day or today(self.now(), settings)
        after = _decode_cursor(cursor) if cursor else None
        items = await self.store.day_list(
            day,
            agency_id=agency_id,
            service_id=service_id,
            status=status,
            after=after,
            limit=limit + 1,
        )
        more = len(items) > limit
        items = items[:limit]
        counts = await self.store.day_counts(day, agency_id=agency_id, service_id=service_id)
        await self.store.log_staff_access(
            {
                "at": self.now(),
                "user_id": principal.user_id,
                "username": principal.username,
                "what": "day list",
                "day": day.isoformat(),
                "agency_id": agency_id,
                "service_id": service_id,
                "bookings": [b.id for b in items],
            }
        )
        page = DayBookings(
            day=day,
            items=[BookingView.model_validate(self.describe(b, tz)) for b in items],
            next_cursor=_encode_cursor(items[-1]) if more else None,
            counts=counts,
        )
        return page.model_dump(mode="json")

    async def log_staff_read(self, principal: Principal, booking: Booking) -> None:
        await self.store.log_staff_access(
            {
                "at": self.now(),
                "user_id": principal.user_id,
                "username": principal.username,
                "what": "booking",
                "bookings": [booking.id],
            }
        )

    # --- shapes --------------------------------------------------------------------------------

    def describe(self, booking: Booking, tz: str) -> Json:
        window = check_in_window(booking.slot_start, self.check_in_before, self.check_in_after)
        view = BookingView(
            id=booking.id,
            code=booking.code,
            status=booking.status,
            service_id=booking.service_id,
            agency_id=booking.agency_id,
            slot_start=_local(booking.slot_start, tz),
            slot_end=_local(booking.slot_end, tz),
            day=booking.day,
            name=booking.name,
            phone=mask_phone(booking.phone) if booking.phone else None,
            email=mask_email(booking.email) if booking.email else None,
            nik=booking.nik_masked,
            check_in=CheckInTimes(opens=_local(window.opens, tz), closes=_local(window.closes, tz)),
            created_at=_local(booking.created_at, tz),
            checked_in_at=_local(booking.checked_in_at, tz) if booking.checked_in_at else None,
            cancelled_at=_local(booking.cancelled_at, tz) if booking.cancelled_at else None,
            cancelled_by=booking.cancelled_by,
        )
        return view.model_dump(mode="json")

    def event_fields(self, booking: Booking, at: datetime) -> Json:
        """The fields every booking event carries."""
        return {
            "booking_id": booking.id,
            "code": booking.code,
            "service_id": booking.service_id,
            "agency_id": booking.agency_id,
            "slot_start": booking.slot_start,
            "slot_end": booking.slot_end,
            "day": booking.day,
            "at": at,
            "contact": self._contact(booking) if booking.consent else None,
        }

    @staticmethod
    def _contact(booking: Booking) -> Contact | None:
        if booking.phone is None and booking.email is None:
            return None
        return Contact(phone=booking.phone, email=booking.email)

    def _reminders(self, slot_start: datetime, now: datetime) -> list[PlannedReminder]:
        plan = reminder_plan(
            slot_start,
            now,
            timedelta(hours=self.settings.reminder_day_before_hours),
            timedelta(minutes=self.settings.reminder_soon_minutes),
        )
        return [PlannedReminder(kind=r.kind, due_at=r.due_at) for r in plan]


# --- helpers -------------------------------------------------------------------------------------


def _document(booking: Booking) -> Document:
    """A booking as stored: times as BSON dates, the day as ``YYYY-MM-DD``."""
    doc = booking.model_dump(by_alias=True)
    doc["day"] = booking.day.isoformat()
    doc["holds"] = booking.holds.model_dump()
    doc["reminders"] = [r.model_dump() for r in booking.reminders]
    doc.update(reminder_fields(booking.reminders))
    return doc


def reminder_fields(reminders: list[PlannedReminder]) -> Document:
    plan = [Reminder(r.kind, r.due_at) for r in reminders]
    return {"reminders": [r.model_dump() for r in reminders], "next_reminder_at": next_due(plan)}


def _local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def _encode_cursor(booking: Booking) -> str:
    raw = json.dumps([booking.slot_start.isoformat(), booking.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        start, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(start), str(last_id)
    except (ValueError, TypeError) as exc:
        raise invalid_field("cursor", "is not a cursor this API gave out", status=400) from exc
