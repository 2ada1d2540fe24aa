"""At closing, tickets still waiting are closed as ``removed_by_reset`` (DOMAIN.md, Queue).

A periodic job on every replica; each ticket is reset in its own transaction, conditional on it
still waiting, so replicas running it together — or a rerun — reset each ticket once.
"""

from __future__ import annotations

from datetime import date, datetime

from mpp_kit.contracts.catalog import ServiceState
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Session
from mpp_queue import clock
from mpp_queue.catalog_rules import mpp_settings
from mpp_queue.domain.closing import due_for_reset
from mpp_queue.domain.ticket import Ticket
from mpp_queue.queue_parts import QueueParts, UsesQueueParts
from mpp_queue.ticket_steps import TicketSteps

_log = get_logger(__name__)


class ClosingReset(UsesQueueParts):
    def __init__(self, parts: QueueParts, steps: TicketSteps) -> None:
        super().__init__(parts)
        self.steps = steps

    async def run(self, now: datetime | None = None) -> int:
        """Reset every waiting ticket that is past its service's closing; returns how many."""
        now = now or clock.now()
        settings = await mpp_settings(self.catalog)
        services: dict[str, ServiceState | None] = {}
        due: dict[tuple[str, date], bool] = {}
        removed = 0
        for ticket in await self.store.waiting_tickets():
            if ticket.service_id not in services:
                services[ticket.service_id] = await self.catalog.service(ticket.service_id)
            service = services[ticket.service_id]
            key = (ticket.service_id, ticket.day)
            if key not in due:
                hours = service.opening_hours if service is not None else None
                due[key] = due_for_reset(ticket.day, now, settings, hours)
            if due[key] and await self._reset(ticket, now):
                removed += 1
        if removed:
            _log.info("closing reset", removed=removed)
        return removed

    async def job(self) -> None:
        await self.run()

    async def _reset(self, ticket: Ticket, now: datetime) -> bool:
        async def work(session: Session) -> bool:
            return await self.steps.reset(session, ticket, now) is not None

        if not await self.transaction(work):
            return False
        await self.store.count_waiting(ticket.service_id, ticket.day, -1)
        return True
