"""What the queue does with other services' events."""

from __future__ import annotations

from pydantic import BaseModel

from mpp_kit.catalog_view import COUNTERS, CatalogView
from mpp_kit.consumer import Delivery
from mpp_kit.contracts.booking import BOOKING_CHECKED_IN, BookingCheckedIn
from mpp_kit.contracts.catalog import CounterState
from mpp_kit.mongo import Session
from mpp_kit.runtime import ServiceRuntime
from mpp_queue.store import QueueStore
from mpp_queue.ticket_desk import TicketDesk


def register_handlers(
    runtime: ServiceRuntime, view: CatalogView, store: QueueStore, desk: TicketDesk
) -> None:
    @runtime.on(BOOKING_CHECKED_IN)
    async def ticket_for_checked_in_booking(delivery: Delivery[BookingCheckedIn]) -> None:
        # Exactly one ticket per booking: the consumer skips a redelivered event, and the
        # unique booking id stops a second check-in event for the same booking.
        await desk.issue_for_booking(delivery.session, delivery.payload)

    @view.on_change
    async def open_counter_follows_its_services(
        collection: str, state: BaseModel, session: Session
    ) -> None:
        if collection == COUNTERS and isinstance(state, CounterState):
            await store.update_counter_services(session, state.id, state.service_ids)
