"""Issuing tickets — at the kiosk, online, and for booked visitors who checked in — and telling a
ticket's holder where they stand."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from mpp_kit import idempotency
from mpp_kit.contracts.booking import BookingCheckedIn
from mpp_kit.contracts.catalog import ServiceState
from mpp_kit.contracts.queue import TICKET_ISSUED, Channel, Contact, PriorityCode, TicketIssued
from mpp_kit.mongo import Session
from mpp_kit.problems import conflict, invalid_field
from mpp_queue import clock
from mpp_queue.api_models import CounterBrief, IssueTicket, TicketView
from mpp_queue.catalog_rules import joinable_service, mpp_settings, target_wait_minutes
from mpp_queue.domain.issuing import daily_quota, kept_contact
from mpp_queue.domain.priority import (
    CALL_CLASS_RANK,
    PriorityStatus,
    call_class,
    initial_priority_status,
)
from mpp_queue.domain.ticket import HistoryEntry, Ticket
from mpp_queue.domain.ticket_numbering import display_number, numbering_day
from mpp_queue.domain.wait_estimate import (
    RECENT_SAMPLES,
    estimated_wait_minutes,
    recent_average_service_minutes,
)
from mpp_queue.queue_parts import QueueParts, UsesQueueParts
from mpp_queue.settings import QueueSettings
from mpp_queue.store import Numbered

# Estimates need not be exact to the second: their inputs are cached this long per service.
_AVERAGE_TTL = 60.0
_COUNTERS_TTL = 5.0


class TicketDesk(UsesQueueParts):
    def __init__(self, parts: QueueParts) -> None:
        super().__init__(parts)
        settings = parts.runtime.settings
        assert isinstance(settings, QueueSettings)
        self.contact_retention = timedelta(days=settings.contact_retention_days)
        self._averages: dict[str, tuple[float, float]] = {}
        self._open_counters: dict[str, tuple[float, int]] = {}

    async def issue(self, request: IssueTicket, idempotency_key: str | None) -> dict[str, Any]:
        """A walk-in (kiosk) or remote (online) ticket; the same key answers the same ticket."""
        idempotency.validate_key(idempotency_key)
        now = clock.now()
        service, settings = await joinable_service(self.catalog, request.service_id, now)
        if request.priority != "regular" and not service.priority_service:
            raise invalid_field(
                "priority",
                f"the service {service.name!r} offers no priority treatment; choose 'regular'",
            )
        if request.contact is not None and not request.consent:
            raise invalid_field("consent", "must be true to leave a phone number or e-mail")
        quota = daily_quota(request.channel, service.quotas)
        day = numbering_day(now, settings.timezone)

        prepared: list[tuple[Ticket, int]] = []

        async def numbered_transaction(work: idempotency.Work) -> dict[str, Any]:
            # Reached only for a new request (a repeated key is answered before this). The number
            # comes from one atomic update outside the transaction (see store.take_number), and
            # the ticket is built before it too: the transaction only writes ticket and event.
            numbered = await self.store.take_number(service.id, day, request.channel, quota)
            if numbered is None:
                raise conflict(
                    f"Today's quota of {quota} {request.channel} tickets for {service.name!r} "
                    "is used up.",
                    kind="daily-quota-reached",
                )
            prepared.append(
                await self._numbered_ticket(
                    service,
                    numbered=numbered,
                    day=day,
                    channel=request.channel,
                    priority=request.priority,
                    contact=kept_contact(request.contact, request.consent),
                    arrived_at=now,
                    target=target_wait_minutes(service, settings),
                )
            )
            return await self.transaction(work)

        async def work(session: Session) -> dict[str, Any]:
            ticket, position = prepared[-1]
            return await self._record_issue(session, ticket, position)

        return await idempotency.once(
            numbered_transaction,
            self.runtime.db,
            "tickets",
            idempotency_key,
            request.model_dump(mode="json"),
            work,
        )

    async def issue_for_booking(self, session: Session, checked_in: BookingCheckedIn) -> None:
        """One ticket per booking, however often its check-in arrives; the booked class."""
        if await self.store.ticket_for_booking(checked_in.booking_id, session=session):
            return
        service = await self.catalog.service(checked_in.service_id)
        if service is None:
            # The catalog's event may still be on its way: failing lets the consumer retry.
            raise LookupError(f"service {checked_in.service_id} is not in the catalog view yet")
        settings = await mpp_settings(self.catalog)
        now = clock.now()
        day = numbering_day(now, settings.timezone)
        numbered = await self.store.take_number(service.id, day, "booking", None)
        assert numbered is not None  # bookings have no daily quota here
        arrived = min(checked_in.checked_in_at, now)
        ticket, position = await self._numbered_ticket(
            service,
            numbered=numbered,
            day=day,
            channel="booking",
            priority="regular",
            contact=kept_contact(checked_in.contact, checked_in.consent),
            arrived_at=arrived.replace(microsecond=arrived.microsecond // 1000 * 1000),
            target=target_wait_minutes(service, settings),
            booking_id=checked_in.booking_id,
        )
        await self._record_issue(session, ticket, position)

    async def _numbered_ticket(
        self,
        service: ServiceState,
        *,
        numbered: Numbered,
        day: date,
        channel: Channel,
        priority: PriorityCode,
        contact: Contact | None,
        arrived_at: datetime,
        target: int,
        booking_id: str | None = None,
    ) -> tuple[Ticket, int]:
        """A new ticket with its number, and its position in line."""
        ticket_id = str(uuid.uuid4())
        status: PriorityStatus = initial_priority_status(priority)
        klass = call_class(status, booked=channel == "booking")
        # Everyone waiting is ahead of a new walk-in: the count taken with the number says how
        # many, without counting the tickets (which the embedded store does one by one).
        waiting_ahead = numbered.waiting - 1 if klass == "walk_in" else None
        position, estimate = await self.place_in_line(
            service, CALL_CLASS_RANK[klass], arrived_at, ahead=waiting_ahead
        )
        ticket = Ticket(
            id=ticket_id,
            visit_id=ticket_id,
            number=display_number(service.ticket_prefix, numbered.seq),
            seq=numbered.seq,
            day=day,
            service_id=service.id,
            agency_id=service.agency_id,
            channel=channel,
            priority=priority,
            priority_status=status,
            call_class=klass,
            rank=CALL_CLASS_RANK[klass],
            arrived_at=arrived_at,
            entered_at=arrived_at,
            status="waiting",
            first_estimate_minutes=estimate,
            target_wait_minutes=target,
            booking_id=booking_id,
            contact=contact,
            history=[HistoryEntry(at=arrived_at, action=f"issue:{channel}")],
        )
        return ticket, position

    async def _record_issue(
        self, session: Session, ticket: Ticket, position: int
    ) -> dict[str, Any]:
        await self.store.insert_ticket(
            session, ticket, contact_expires_at=ticket.entered_at + self.contact_retention
        )
        await self.runtime.publish(
            session,
            TICKET_ISSUED,
            TicketIssued(
                ticket_id=ticket.id,
                number=ticket.number,
                service_id=ticket.service_id,
                agency_id=ticket.agency_id,
                at=ticket.entered_at,
                channel=ticket.channel,
                priority=ticket.priority,
                call_class=ticket.call_class,
                day=ticket.day,
                arrived_at=ticket.arrived_at,
                position=position,
                estimated_wait_minutes=ticket.first_estimate_minutes,
                booking_id=ticket.booking_id,
                contact=ticket.contact,
            ),
        )
        view = self.view_of(ticket, position=position, estimate=ticket.first_estimate_minutes)
        return view.model_dump(mode="json")

    async def _service(self, service_id: str) -> ServiceState:
        service = await self.catalog.service(service_id)
        if service is None:
            raise LookupError(f"service {service_id} vanished from the catalog view")
        return service

    # --- where a ticket stands -------------------------------------------------------------------

    async def place_in_line(
        self, service: ServiceState, rank: int, arrived_at: datetime, *, ahead: int | None = None
    ) -> tuple[int, int]:
        """(position, estimated minutes) of a waiting ticket with this rank and arrival; counts
        those ahead unless the caller knows."""
        if ahead is None:
            ahead = await self.store.ahead_of(service.id, rank, arrived_at)
        ahead = max(ahead, 0)
        minutes = estimated_wait_minutes(
            ahead,
            await self._average_service_minutes(service),
            await self._open_counters_serving(service.id),
        )
        return ahead + 1, minutes

    async def describe(self, ticket: Ticket) -> TicketView:
        """The ticket as its holder or an officer sees it now."""
        position = estimate = None
        if ticket.status == "waiting":
            position, estimate = await self.place_in_line(
                await self._service(ticket.service_id), ticket.rank, ticket.arrived_at
            )
        counter = None
        if ticket.counter_id is not None and ticket.status in ("called", "serving"):
            found = await self.catalog.counter(ticket.counter_id)
            if found is not None:
                counter = CounterBrief(id=found.id, number=found.number, name=found.name)
        return self.view_of(ticket, position=position, estimate=estimate, counter=counter)

    @staticmethod
    def view_of(
        ticket: Ticket,
        *,
        position: int | None = None,
        estimate: int | None = None,
        counter: CounterBrief | None = None,
    ) -> TicketView:
        return TicketView(
            **ticket.model_dump(
                include=set(TicketView.model_fields) - {"counter", "position"},
            ),
            position=position,
            estimated_wait_minutes=estimate,
            counter=counter,
        )

    async def _average_service_minutes(self, service: ServiceState) -> float:
        cached = self._averages.get(service.id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        recent = await self.store.recent_service_seconds(service.id, RECENT_SAMPLES)
        average = recent_average_service_minutes(recent, service.avg_service_minutes)
        self._averages[service.id] = (time.monotonic() + _AVERAGE_TTL, average)
        return average

    async def _open_counters_serving(self, service_id: str) -> int:
        cached = self._open_counters.get(service_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        count = await self.store.open_counters_serving(service_id)
        self._open_counters[service_id] = (time.monotonic() + _COUNTERS_TTL, count)
        return count

    def forget_open_counters(self) -> None:
        """A counter opened or closed here: estimates should see it at once."""
        self._open_counters.clear()
