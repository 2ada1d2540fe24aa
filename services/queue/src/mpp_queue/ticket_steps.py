"""The steps of a ticket after its call: recall, no-show, start, finish, transfer; cancelling and
removing; confirming or removing a priority claim.

Each step reads the ticket in its transaction, checks who asks and whether the step is allowed
(:func:`mpp_queue.domain.lifecycle.refusal`), then writes the change and its event together. A
refused step raises before anything is written, so nothing changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from mpp_kit.auth import Principal
from mpp_kit.contracts.catalog import CounterState
from mpp_kit.contracts.queue import (
    SERVED,
    SERVICE_STARTED,
    TICKET_CANCELLED,
    TICKET_NO_SHOW,
    TICKET_RECALLED,
    TICKET_REMOVED,
    TICKET_TRANSFERRED,
    Served,
    ServiceStarted,
    TicketCancelled,
    TicketNoShow,
    TicketRecalled,
    TicketRemoved,
    TicketTransferred,
)
from mpp_kit.mongo import Document, Session
from mpp_kit.problems import conflict, invalid_field, not_found
from mpp_queue import clock
from mpp_queue.access import require_staff_of
from mpp_queue.catalog_rules import joinable_service, mpp_settings, target_wait_minutes
from mpp_queue.counter_desk import called_event
from mpp_queue.domain.lifecycle import Action, after, recall_or_no_show, refusal
from mpp_queue.domain.priority import CALL_CLASS_RANK, call_class
from mpp_queue.domain.ticket import HistoryEntry, Ticket
from mpp_queue.metrics import WAITING_TIME
from mpp_queue.queue_parts import QueueParts, UsesQueueParts
from mpp_queue.ticket_desk import TicketDesk

Authorize = Callable[[Ticket], None]
Apply = Callable[[Session, Ticket, datetime], Awaitable[Ticket]]


class TicketSteps(UsesQueueParts):
    def __init__(self, parts: QueueParts, desk: TicketDesk) -> None:
        super().__init__(parts)
        self.desk = desk

    async def ticket(self, ticket_id: str) -> Ticket:
        ticket = await self.store.ticket(ticket_id)
        if ticket is None:
            raise not_found("ticket", ticket_id)
        return ticket

    # --- at the counter --------------------------------------------------------------------------

    async def recall(self, ticket_id: str, principal: Principal) -> Ticket:
        """Call the visitor again; past the MPP's recall limit the ticket becomes a no-show."""
        limit = (await mpp_settings(self.catalog)).recall_limit
        announced: list[tuple[str, TicketRecalled]] = []

        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            announced.clear()  # a retried transaction publishes anew
            if recall_or_no_show(ticket.recalls, limit) == "no_show":
                return await self._no_show(session, ticket, now, principal, "recall_limit")
            counter = await self._counter(ticket)
            recalled = await self._change(
                session, ticket, "recall", now, principal, {"called_at": now}, inc={"recalls": 1}
            )
            event = TicketRecalled(**called_event(recalled, counter), recalls=recalled.recalls)
            announced.append((await self.runtime.publish(session, TICKET_RECALLED, event), event))
            return recalled

        ticket = await self._step(ticket_id, "recall", self._staff(principal), apply)
        for event_id, event in announced:
            await self.feed.announce(event_id, TICKET_RECALLED.ce_type, event)
        return ticket

    async def no_show(self, ticket_id: str, principal: Principal) -> Ticket:
        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            return await self._no_show(session, ticket, now, principal, "officer")

        return await self._step(ticket_id, "no_show", self._staff(principal), apply)

    async def start(self, ticket_id: str, principal: Principal) -> Ticket:
        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            started = await self._change(
                session, ticket, "start", now, principal, {"status": "serving", "started_at": now}
            )
            await self.runtime.publish(
                session,
                SERVICE_STARTED,
                ServiceStarted(
                    **_about(started, now),
                    counter_id=_counter_id(started),
                    officer_id=principal.user_id,
                    waiting_seconds=started.waiting_seconds,
                ),
            )
            return started

        ticket = await self._step(ticket_id, "start", self._staff(principal), apply)
        WAITING_TIME.labels(ticket.service_id).observe(ticket.waiting_seconds)
        return ticket

    async def finish(self, ticket_id: str, principal: Principal) -> Ticket:
        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            served = await self._change(
                session, ticket, "finish", now, principal, {"status": "served", "ended_at": now}
            )
            await self._free_counter(session, ticket)
            await self.runtime.publish(
                session,
                SERVED,
                Served(
                    **_about(served, now),
                    counter_id=_counter_id(served),
                    officer_id=principal.user_id,
                    channel=served.channel,
                    waiting_seconds=served.waiting_seconds,
                    service_seconds=served.seconds_between(served.called_at, now),
                    booking_id=served.booking_id,
                    contact=served.contact,
                ),
            )
            return served

        return await self._step(ticket_id, "finish", self._staff(principal), apply)

    async def transfer(self, ticket_id: str, target_id: str, principal: Principal) -> Ticket:
        """Send the visitor to another service's queue (same or other agency). They keep their
        number and their original arrival, so they do not lose their place by the move."""
        target, settings = await joinable_service(self.catalog, target_id, clock.now())

        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            if target.id == ticket.service_id:
                raise invalid_field("service_id", "is the ticket's own service")
            klass = call_class(
                ticket.priority_status, booked=False, priority_offered=target.priority_service
            )
            _, estimate = await self.desk.place_in_line(
                target, CALL_CLASS_RANK[klass], ticket.arrived_at
            )
            successor = ticket.model_copy(
                update={
                    "id": str(uuid.uuid4()),
                    "leg": ticket.leg + 1,
                    "seq": None,
                    "service_id": target.id,
                    "agency_id": target.agency_id,
                    "call_class": klass,
                    "rank": CALL_CLASS_RANK[klass],
                    "entered_at": now,
                    "status": "waiting",
                    "counter_id": None,
                    "officer_id": None,
                    "called_at": None,
                    "first_called_at": None,
                    "recalls": 0,
                    "started_at": None,
                    "ended_at": None,
                    "first_estimate_minutes": estimate,
                    "target_wait_minutes": target_wait_minutes(target, settings),
                    "booking_id": None,
                    "transferred_from": ticket.id,
                    "transferred_to": None,
                    "version": 1,
                    "history": [HistoryEntry(at=now, action="transfer-in", by=principal.user_id)],
                }
            )
            moved = await self._change(
                session,
                ticket,
                "transfer",
                now,
                principal,
                {"status": "transferred", "ended_at": now, "transferred_to": successor.id},
            )
            await self._free_counter(session, ticket)
            await self.store.insert_ticket(
                session, successor, contact_expires_at=now + self.desk.contact_retention
            )
            await self.runtime.publish(
                session,
                TICKET_TRANSFERRED,
                TicketTransferred(
                    **_about(moved, now),
                    to_ticket_id=successor.id,
                    to_service_id=target.id,
                    to_agency_id=target.agency_id,
                    counter_id=_counter_id(moved),
                    officer_id=principal.user_id,
                    service_seconds=moved.seconds_between(moved.called_at, now),
                    arrived_at=moved.arrived_at,
                ),
            )
            return moved

        moved = await self._step(ticket_id, "transfer", self._staff(principal), apply)
        await self.store.count_waiting(target.id, moved.day, 1)  # the successor waits there
        return moved

    # --- leaving the queue -----------------------------------------------------------------------

    async def cancel_by_visitor(self, ticket_id: str, authorize: Authorize) -> Ticket:
        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            cancelled = await self._change(
                session,
                ticket,
                "cancel",
                now,
                None,
                {"status": "cancelled_by_visitor", "ended_at": now},
            )
            await self._free_counter(session, ticket)
            await self.runtime.publish(
                session,
                TICKET_CANCELLED,
                TicketCancelled(**_about(cancelled, now), status_before=_before(ticket)),
            )
            return cancelled

        return await self._step(ticket_id, "cancel", authorize, apply)

    async def remove_by_staff(self, ticket_id: str, principal: Principal) -> Ticket:
        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            removed = await self._change(
                session,
                ticket,
                "remove",
                now,
                principal,
                {"status": "removed_by_staff", "ended_at": now},
            )
            await self._free_counter(session, ticket)
            await self.runtime.publish(
                session,
                TICKET_REMOVED,
                TicketRemoved(
                    **_about(removed, now),
                    outcome="removed_by_staff",
                    officer_id=principal.user_id,
                    status_before=_before(ticket),
                ),
            )
            return removed

        return await self._step(ticket_id, "remove", self._staff(principal), apply)

    async def reset(self, session: Session, ticket: Ticket, now: datetime) -> Ticket | None:
        """Close a ticket still waiting at closing (the job's step; ``None`` if it moved on)."""
        current = await self.store.ticket(ticket.id, session=session)
        if current is None or refusal(current.status, "reset") is not None:
            return None
        removed = await self._change(
            session, current, "reset", now, None, {"status": "removed_by_reset", "ended_at": now}
        )
        await self.runtime.publish(
            session,
            TICKET_REMOVED,
            TicketRemoved(
                **_about(removed, now), outcome="removed_by_reset", status_before="waiting"
            ),
        )
        return removed

    # --- priority claims (UU 25/2009 Pasal 29) ---------------------------------------------------

    async def confirm_priority(self, ticket_id: str, principal: Principal) -> Ticket:
        """An officer saw that the visitor is entitled to the priority they claimed."""

        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            _has_claim(ticket)
            if ticket.priority_status == "confirmed":
                return ticket
            return await self._change(
                session,
                ticket,
                "confirm_priority",
                now,
                principal,
                {"priority_status": "confirmed"},
            )

        return await self._step(ticket_id, "confirm_priority", self._staff(principal), apply)

    async def remove_priority(self, ticket_id: str, principal: Principal) -> Ticket:
        """The visitor is not entitled to the priority line: back to the line they belong in,
        keeping their arrival; a called ticket returns to waiting."""

        async def apply(session: Session, ticket: Ticket, now: datetime) -> Ticket:
            _has_claim(ticket)
            klass = call_class("removed", booked=ticket.channel == "booking" and ticket.leg == 0)
            fields: Document = {
                "priority_status": "removed",
                "call_class": klass,
                "rank": CALL_CLASS_RANK[klass],
                "status": after(ticket.status, "remove_priority"),
            }
            unset = None
            if ticket.status == "called":
                unset = ["counter_id", "officer_id", "called_at"]
                await self._free_counter(session, ticket)
            return await self._change(
                session, ticket, "remove_priority", now, principal, fields, unset=unset
            )

        return await self._step(ticket_id, "remove_priority", self._staff(principal), apply)

    # --- the machinery of a step -----------------------------------------------------------------

    def _staff(self, principal: Principal) -> Authorize:
        return lambda ticket: require_staff_of(principal, ticket.agency_id)

    async def _step(
        self, ticket_id: str, action: Action, authorize: Authorize, apply: Apply
    ) -> Ticket:
        now = clock.now()

        async def work(session: Session) -> tuple[Ticket, Ticket]:
            ticket = await self.store.ticket(ticket_id, session=session)
            if ticket is None:
                raise not_found("ticket", ticket_id)
            authorize(ticket)
            if (why := refusal(ticket.status, action)) is not None:
                raise conflict(
                    why, kind="invalid-transition", ticket_status=ticket.status, action=action
                )
            return ticket, await apply(session, ticket, now)

        before, after = await self.transaction(work)
        if (before.status == "waiting") != (after.status == "waiting"):
            delta = 1 if after.status == "waiting" else -1
            await self.store.count_waiting(after.service_id, after.day, delta)
        return after

    async def _change(
        self,
        session: Session,
        ticket: Ticket,
        action: Action,
        now: datetime,
        principal: Principal | None,
        fields: Document,
        *,
        inc: Document | None = None,
        unset: list[str] | None = None,
    ) -> Ticket:
        entry = HistoryEntry(
            at=now,
            action=action,
            by=principal.user_id if principal is not None else None,
            counter_id=ticket.counter_id,
        )
        changed = await self.store.change(
            session, ticket, entry, set_fields=fields, inc=inc, unset=unset
        )
        if changed is None:
            raise conflict(
                "The ticket changed meanwhile; look at it again.", kind="concurrent-change"
            )
        return changed

    async def _no_show(
        self,
        session: Session,
        ticket: Ticket,
        now: datetime,
        principal: Principal,
        reason: Literal["recall_limit", "officer"],
    ) -> Ticket:
        gone = await self._change(
            session, ticket, "no_show", now, principal, {"status": "no_show", "ended_at": now}
        )
        await self._free_counter(session, ticket)
        await self.runtime.publish(
            session,
            TICKET_NO_SHOW,
            TicketNoShow(
                **_about(gone, now),
                counter_id=_counter_id(gone),
                officer_id=principal.user_id,
                recalls=gone.recalls,
                reason=reason,
            ),
        )
        WAITING_TIME.labels(gone.service_id).observe(gone.waiting_seconds)
        return gone

    async def _free_counter(self, session: Session, ticket: Ticket) -> None:
        if ticket.counter_id is not None and ticket.status in ("called", "serving"):
            await self.store.set_counter_ticket(session, ticket.counter_id, ticket.id, None)

    async def _counter(self, ticket: Ticket) -> CounterState:
        counter = await self.catalog.counter(_counter_id(ticket))
        if counter is None:
            raise LookupError(f"counter {ticket.counter_id} is not in the catalog view")
        return counter


def _about(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service_id": ticket.service_id,
        "agency_id": ticket.agency_id,
        "at": now,
    }


def _counter_id(ticket: Ticket) -> str:
    assert ticket.counter_id is not None  # called and served tickets are at a counter
    return ticket.counter_id


def _before(ticket: Ticket) -> Literal["waiting", "called"]:
    return "called" if ticket.status == "called" else "waiting"


def _has_claim(ticket: Ticket) -> None:
    if ticket.priority_status == "none":
        raise conflict("The ticket claims no priority.", kind="no-priority-claim")
    if ticket.priority_status == "removed":
        raise conflict("The ticket's priority claim was removed already.", kind="no-priority-claim")
