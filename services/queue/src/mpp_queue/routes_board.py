"""``/api/v1/queue/board``: what the display boards show — public, no personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse

from mpp_kit.catalog_view import CatalogView
from mpp_queue.api_models import Board
from mpp_queue.board_feed import BoardFeed, board_snapshot
from mpp_queue.settings import QueueSettings
from mpp_queue.store import QueueStore

AgencyFilter = Annotated[
    str | None, Query(max_length=40, description="one agency's board; leave out for the MPP's")
]


def board_routes(
    store: QueueStore, view: CatalogView, feed: BoardFeed, settings: QueueSettings
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/queue/board", tags=["board"])

    @router.get("", response_model=Board)
    async def board(agency_id: AgencyFilter = None) -> Board:
        """Now serving at each open counter, and the next numbers of each queue."""
        return await board_snapshot(store, view, agency_id, settings.board_next_count)

    @router.get(
        "/stream",
        response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def board_stream(agency_id: AgencyFilter = None) -> EventSourceResponse:
        """Server-sent events ``ticket-called`` and ``ticket-recalled``: number, counter,
        service, and the sentence to announce ("Nomor antrian A nol nol satu, silakan ke loket
        tiga")."""
        subscription = feed.subscribe(agency_id)

        async def events() -> AsyncIterator[dict[str, str]]:
            with subscription:
                async for call in subscription:
                    yield {"event": call.event, "id": call.event_id, "data": call.model_dump_json()}

        return EventSourceResponse(events(), ping=settings.board_ping_seconds)

    return router
