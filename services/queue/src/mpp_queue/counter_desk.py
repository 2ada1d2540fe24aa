"""Counters (loket): open, close, and call the next visitor."""

from __future__ import annotations

import asyncio
from typing import Any

from mpp_kit.auth import Principal
from mpp_kit.contracts.catalog import CounterState
from mpp_kit.contracts.queue import TICKET_CALLED, TicketCalled
from mpp_kit.mongo import Document, Session
from mpp_kit.problems import conflict, not_found
from mpp_queue import clock
from mpp_queue.access import require_staff_of
from mpp_queue.api_models import CounterBrief, CounterView, TicketView
from mpp_queue.domain.ticket import Ticket
from mpp_queue.queue_parts import QueueParts, UsesQueueParts
from mpp_queue.ticket_desk import TicketDesk

# Candidates read at once for call-next, and how often to read again if others took them all.
_CANDIDATES = 16
_CALL_ATTEMPTS = 3


def brief(counter: CounterState) -> CounterBrief:
    return CounterBrief(id=counter.id, number=counter.number, name=counter.name)


def called_event(ticket: Ticket, counter: CounterState) -> dict[str, Any]:
    """The fields ``ticket-called`` and ``ticket-recalled`` share."""
    assert ticket.called_at is not None and ticket.officer_id is not None
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service_id": ticket.service_id,
        "agency_id": ticket.agency_id,
        "at": ticket.called_at,
        "counter_id": counter.id,
        "counter_number": counter.number,
        "counter_name": counter.name,
        "officer_id": ticket.officer_id,
        "call_class": ticket.call_class,
        "waiting_seconds": ticket.waiting_seconds,
        "contact": ticket.contact,
    }


class CounterDesk(UsesQueueParts):
    def __init__(self, parts: QueueParts, desk: TicketDesk) -> None:
        super().__init__(parts)
        self.desk = desk
        self._reading: dict[tuple[str, ...], asyncio.Future[list[str]]] = {}

    async def counter(self, counter_id: str, principal: Principal) -> CounterState:
        """The counter, if ``principal`` is staff of its agency (403 otherwise)."""
        counter = await self.catalog.counter(counter_id)
        if counter is None:
            raise not_found("counter", counter_id)
        require_staff_of(principal, counter.agency_id)
        return counter

    async def state(self, counter_id: str, principal: Principal) -> CounterView:
        counter = await self.counter(counter_id, principal)
        return counter_view(counter, await self.store.counter_state(counter_id))

    async def open(self, counter_id: str, principal: Principal) -> CounterView:
        """Staff the counter. Opening it again by the same person changes nothing."""
        counter = await self.counter(counter_id, principal)
        if not counter.active:
            raise conflict(f"Counter {counter.number} is not in use (inactive in the catalog).")
        now = clock.now()

        async def work(session: Session) -> Document:
            state = await self.store.counter_state(counter_id, session=session) or {}
            if state.get("open"):
                if state.get("officer_id") == principal.user_id:
                    return state
                raise conflict(
                    f"Counter {counter.number} is already open, staffed by someone else; "
                    "it must be closed first.",
                    kind="counter-taken",
                )
            state = {
                "_id": counter.id,
                "agency_id": counter.agency_id,
                "open": True,
                "officer_id": principal.user_id,
                "opened_at": now,
                "service_ids": counter.service_ids,
                "current_ticket_id": state.get("current_ticket_id"),
            }
            await self.store.save_counter_state(session, state)
            return state

        state = await self.transaction(work)
        self.desk.forget_open_counters()
        return counter_view(counter, state)

    async def close(self, counter_id: str, principal: Principal) -> CounterView:
        """Close the counter; not while a visitor is called to it or being served there."""
        counter = await self.counter(counter_id, principal)

        async def work(session: Session) -> Document | None:
            state = await self.store.counter_state(counter_id, session=session)
            if state is None or not state.get("open"):
                return state
            if state.get("current_ticket_id"):
                raise conflict(
                    f"Counter {counter.number} still has a visitor (ticket "
                    f"{state['current_ticket_id']}); finish, transfer or mark it no-show first.",
                    kind="counter-busy",
                )
            state.update(open=False, officer_id=None, closed_at=clock.now())
            await self.store.save_counter_state(session, state)
            return state

        state = await self.transaction(work)
        self.desk.forget_open_counters()
        return counter_view(counter, state)

    async def call_next(self, counter_id: str, principal: Principal) -> TicketView | None:
        """Call the first waiting ticket across the counter's services, in call order; ``None``
        when nobody waits. The claim and its event commit together, or neither does."""
        counter = await self.counter(counter_id, principal)
        services = await self.catalog.services_for_counter(counter_id)
        service_ids = [s.id for s in services]
        now = clock.now()

        async def claim(ticket_id: str) -> tuple[Ticket, str, TicketCalled] | None:
            async def work(session: Session) -> tuple[Ticket, str, TicketCalled] | None:
                state = await self.store.counter_state(counter_id, session=session)
                refuse_unless_ready(counter, state, service_ids)
                ticket = await self.store.claim(
                    session, ticket_id, counter_id=counter_id, officer_id=principal.user_id, now=now
                )
                if ticket is None:  # another counter was first
                    return None
                await self.store.set_counter_ticket(session, counter_id, None, ticket.id)
                event = TicketCalled(**called_event(ticket, counter))
                return ticket, await self.runtime.publish(session, TICKET_CALLED, event), event

            return await self.transaction(work)

        for _ in range(_CALL_ATTEMPTS):
            candidates = await self._first_waiting(service_ids)
            if not candidates:
                refuse_unless_ready(
                    counter, await self.store.counter_state(counter_id), service_ids
                )
                return None
            for candidate in candidates:
                if (called := await claim(candidate)) is not None:
                    ticket, event_id, event = called
                    await self.feed.announce(event_id, TICKET_CALLED.ce_type, event)
                    await self.store.count_waiting(ticket.service_id, ticket.day, -1)
                    return self.desk.view_of(ticket, counter=brief(counter))
        raise conflict("The line moved faster than this call; call again.", kind="busy-line")

    async def _first_waiting(self, service_ids: list[str]) -> list[str]:
        """The first waiting tickets in call order. Counters calling at the same moment share
        one read: the embedded store sorts every waiting ticket to answer it, so each read
        costs in proportion to the line. Each counter then claims the first still waiting."""
        if not service_ids:
            return []
        key = tuple(sorted(service_ids))
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self.store.first_waiting(service_ids, _CANDIDATES))
            self._reading[key] = reading
            reading.add_done_callback(lambda _: self._reading.pop(key, None))
        return await asyncio.shield(reading)


def refuse_unless_ready(
    counter: CounterState, state: Document | None, service_ids: list[str]
) -> None:
    """A counter calls only when open, free, and serving some active service (409 otherwise)."""
    if state is None or not state.get("open"):
        raise conflict(
            f"Counter {counter.number} is closed; open it before calling.", kind="counter-closed"
        )
    if state.get("current_ticket_id"):
        raise conflict(
            f"Counter {counter.number} still has a visitor (ticket "
            f"{state['current_ticket_id']}); finish, transfer or mark it no-show first.",
            kind="counter-busy",
        )
    if not service_ids:
        raise conflict(
            f"Counter {counter.number} serves no active service.", kind="counter-without-services"
        )


def counter_view(counter: CounterState, state: Document | None) -> CounterView:
    state = state or {}
    return CounterView(
        id=counter.id,
        number=counter.number,
        name=counter.name,
        agency_id=counter.agency_id,
        open=bool(state.get("open")),
        officer_id=state.get("officer_id"),
        service_ids=counter.service_ids,
        current_ticket_id=state.get("current_ticket_id"),
        opened_at=state.get("opened_at"),
    )
