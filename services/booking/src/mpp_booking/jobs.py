"""The booking service's periodic jobs. Each is idempotent and safe with several replicas: every
change is a conditional state transition inside the transaction that writes its event.

* no-shows: an active booking whose check-in window closed lapses (DOMAIN.md, Booking);
* reminders: the day before and shortly before the slot, each sent once;
* repair: an attempt or reschedule whose process died gives back the places it took;
* retention: names and contacts are erased once the purpose is served (UU 27/2022).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from mpp_booking import metrics
from mpp_booking.booking_desk import BookingDesk, reminder_fields
from mpp_booking.domain.booking import Booking
from mpp_booking.domain.reminders import Reminder, reminder_step
from mpp_booking.settings import BookingServiceSettings
from mpp_booking.store import BookingStore
from mpp_kit.contracts.booking import (
    BOOKING_NO_SHOW,
    BOOKING_REMINDER_DUE,
    BookingNoShow,
    BookingReminderDue,
)
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Session
from mpp_kit.runtime import ServiceRuntime

_log = get_logger(__name__)
BATCH = 200


class BookingJobs:
    def __init__(
        self,
        runtime: ServiceRuntime,
        store: BookingStore,
        desk: BookingDesk,
        settings: BookingServiceSettings,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.desk = desk
        self.settings = settings

    async def sweep_no_shows(self) -> None:
        """Lapse every active booking whose check-in window has closed."""
        now = self.desk.now()
        lapsed = 0
        while True:
            batch = await self.store.lapsed(now - self.desk.check_in_after, BATCH)
            for booking in batch:
                lapsed += await self.runtime.transaction(
                    partial(self._lapse, booking=booking, now=now)
                )
            if len(batch) < BATCH:
                break
        if lapsed:
            metrics.NO_SHOWS.inc(lapsed)
            _log.info("bookings lapsed", count=lapsed)

    async def _lapse(self, session: Session, booking: Booking, now: datetime) -> int:
        if not await self.store.transition(session, booking, "no_show", {"lapsed_at": now}):
            return 0  # checked in, cancelled or lapsed meanwhile (another replica)
        await self.store.release_claims(booking.holds.claims, booking.id, session=session)
        event = BookingNoShow(
            **self.desk.event_fields(booking, now),
            check_in_closed_at=booking.slot_start + self.desk.check_in_after,
        )
        await self.runtime.publish(session, BOOKING_NO_SHOW, event)
        return 1

    async def send_due_reminders(self) -> None:
        """Publish each reminder that is due, once."""
        now = self.desk.now()
        sent = 0
        for booking in await self.store.reminders_due(now, BATCH):
            sent += await self.runtime.transaction(partial(self._remind, booking=booking, now=now))
        if sent:
            _log.info("reminders due", count=sent)

    async def _remind(self, session: Session, booking: Booking, now: datetime) -> int:
        plan = [Reminder(r.kind, r.due_at) for r in booking.reminders]
        step = reminder_step(plan, now, booking.slot_start)
        remaining = [r for r in booking.reminders if r.due_at > now]
        if not await self.store.advance_reminders(session, booking, reminder_fields(remaining)):
            return 0  # another replica did it, or the booking changed
        if step.send is None:
            return 0  # the slot began: too late to remind
        # Unique per booking, kind and slot: once, across restarts and replicas.
        key = f"{booking.id}|{step.send.kind}|{booking.slot_start.isoformat()}"
        if not await self.store.record_reminder(session, key, now):
            return 0
        event = BookingReminderDue(
            **self.desk.event_fields(booking, now), kind=step.send.kind, due_at=step.send.due_at
        )
        await self.runtime.publish(session, BOOKING_REMINDER_DUE, event)
        metrics.REMINDERS.labels(step.send.kind).inc()
        return 1

    async def repair(self) -> None:
        """Give back what unfinished attempts and reschedules took (their process died)."""
        before = self.desk.now() - timedelta(seconds=self.settings.abandon_after_seconds)
        attempts = await self.store.unfinished_attempts(before)
        for booking_id in attempts:
            await self.store.abandon(booking_id)
        for note in await self.store.given_up_before(before):
            # Once more, for a step that landed late; not what the booking holds by right now.
            booking = await self.store.by_id(note["_id"])
            rightful = set(booking.holds.counters()) if booking else set()
            if booking is not None and booking.move is not None:
                rightful.update(booking.move.new_counters)
            await self.store.release(
                [c for c in note["counters"] if c not in rightful], note["_id"]
            )
            await self.store.forget_given_up(note["_id"])
        changes = await self.store.unfinished_changes(before)
        for booking in changes:
            if booking.move is not None and booking.move.at < before:
                await self.store.abandon_move(booking.id, booking.move.id)
            if booking.owed and booking.owed_at is not None and booking.owed_at < before:
                await self.store.settle_owed(booking.id)
        if attempts or changes:
            metrics.ABANDONED.inc(len(attempts) + len(changes))
            _log.warning(
                "gave back the places of unfinished bookings",
                attempts=len(attempts),
                changes=len(changes),
            )

    async def erase_expired_personal_data(self) -> None:
        days = self.settings.personal_data_retention_days
        await self.store.erase_personal_data(self.desk.now() - timedelta(days=days))
