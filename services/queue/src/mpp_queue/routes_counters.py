"""``/api/v1/queue/counters``: open and close a counter, call the next visitor."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mpp_kit.auth import CurrentPrincipal
from mpp_queue.api_models import CounterView, TicketView
from mpp_queue.counter_desk import CounterDesk


def counter_routes(counters: CounterDesk) -> APIRouter:
    router = APIRouter(prefix="/api/v1/queue/counters", tags=["counters"])

    @router.get("/{counter_id}", response_model=CounterView)
    async def counter_state(counter_id: str, principal: CurrentPrincipal) -> CounterView:
        return await counters.state(counter_id, principal)

    @router.post("/{counter_id}/open", response_model=CounterView)
    async def open_counter(counter_id: str, principal: CurrentPrincipal) -> CounterView:
        """Staff the counter (officers of its agency)."""
        return await counters.open(counter_id, principal)

    @router.post("/{counter_id}/close", response_model=CounterView)
    async def close_counter(counter_id: str, principal: CurrentPrincipal) -> CounterView:
        return await counters.close(counter_id, principal)

    @router.post(
        "/{counter_id}/call-next",
        response_model=TicketView,
        responses={204: {"description": "Nobody is waiting for this counter's services."}},
    )
    async def call_next(counter_id: str, principal: CurrentPrincipal) -> TicketView | Response:
        """Call the next visitor across the counter's services: priority classes, then booked
        visitors, then walk-ins; first come, first called within each."""
        ticket = await counters.call_next(counter_id, principal)
        return ticket if ticket is not None else Response(status_code=204)

    return router
