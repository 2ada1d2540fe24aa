"""The display board's live feed: every call and recall, per agency or for the whole MPP.

Fed from the service's own events — the ``ticket-called`` and ``ticket-recalled`` records that
each call writes to the outbox in its own transaction, so a board never announces a call that did
not happen. A call made in this process is announced to its boards as soon as it commits; every
replica also follows the outbox of the shared store, so a board connected to any replica hears the
calls made on any other within ``board_poll_seconds`` (each call once: by its event id).

Why not consume our own Kafka topics: the kit's consumer shares one group among the replicas, so
each record would reach only one of them (and its boards); and this way the boards keep working
while the broker is away, since the outbox is in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Literal

from bson import ObjectId
from pydantic import BaseModel

from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.contracts.queue import (
    TICKET_CALLED,
    TICKET_RECALLED,
    TicketCalled,
    TicketRecalled,
)
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Database
from mpp_kit.outbox import OUTBOX
from mpp_queue.api_models import Board, BoardCounter, BoardQueue, CounterBrief
from mpp_queue.catalog_cache import CatalogCache
from mpp_queue.domain.announcement import call_announcement
from mpp_queue.store import QueueStore

# A transaction commits a little after its records get their ids: look back this far, and
# recognise what was already sent by its event id.
LOOKBACK = timedelta(seconds=5)
BoardEvent = Literal["ticket-called", "ticket-recalled"]
_TYPES: dict[str, BoardEvent] = {
    TICKET_CALLED.ce_type: "ticket-called",
    TICKET_RECALLED.ce_type: "ticket-recalled",
}
_log = get_logger(__name__)


class BoardCall(BaseModel):
    """What a board shows and says for one call."""

    event: BoardEvent
    event_id: str
    ticket_id: str
    number: str
    counter: CounterBrief
    service_id: str
    service_name: str
    agency_id: str
    at: datetime
    recalls: int = 0
    announcement: str


class Subscription:
    """One board's stream: the calls of one agency, or all of them."""

    def __init__(self, feed: BoardFeed, agency_id: str | None) -> None:
        self.agency_id = agency_id
        self._feed = feed
        self._calls: asyncio.Queue[BoardCall] = asyncio.Queue(maxsize=200)

    def offer(self, call: BoardCall) -> None:
        if self.agency_id is not None and call.agency_id != self.agency_id:
            return
        if self._calls.full():  # a board that stopped reading loses the oldest calls, not ours
            self._calls.get_nowait()
        self._calls.put_nowait(call)

    async def __aiter__(self) -> AsyncIterator[BoardCall]:
        while True:
            yield await self._calls.get()

    def __enter__(self) -> Subscription:
        self._feed.follow()
        self._feed.subscribers.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._feed.subscribers.discard(self)


class BoardFeed:
    def __init__(self, db: Database, catalog: CatalogCache, *, poll_seconds: float) -> None:
        self._outbox = db[OUTBOX]
        self._catalog = catalog
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self.subscribers: set[Subscription] = set()
        self._seen: dict[str, float] = {}
        self._following_since: datetime | None = None

    def subscribe(self, agency_id: str | None) -> Subscription:
        return Subscription(self, agency_id)

    def follow(self) -> None:
        """A board joins: calls from this moment on are for it."""
        if self._following_since is None:
            self._following_since = utcnow()
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    async def announce(self, event_id: str, ce_type: str, payload: TicketCalled) -> None:
        """A call committed in this process: tell this replica's boards now."""
        if not self.subscribers or event_id in self._seen:
            return
        self._seen[event_id] = time.monotonic()
        self._offer(await self._board_call(event_id, ce_type, payload.model_dump_json()))

    def _offer(self, call: BoardCall) -> None:
        for subscription in list(self.subscribers):
            subscription.offer(call)

    async def run(self) -> None:
        """Follow the outbox while anyone listens (a background task of the runtime)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            if not self.subscribers:
                self._following_since = None
                self._seen.clear()
                continue
            try:
                await self._deliver_new_calls()
            except Exception as exc:  # the store is away: boards wait, the feed goes on
                _log.warning("board feed paused", error=repr(exc))
                await asyncio.sleep(self._poll)

    async def _deliver_new_calls(self) -> None:
        now = utcnow()
        if self._following_since is None:
            self._following_since = now
        since = max(self._following_since, now - LOOKBACK)
        cursor = self._outbox.find(
            {"ce_type": {"$in": list(_TYPES)}, "_id": {"$gte": ObjectId.from_datetime(since)}},
            {"ce_id": 1, "ce_type": 1, "data": 1, "ce_time": 1},
        ).sort("_id", 1)
        async for record in cursor:
            if record["ce_id"] in self._seen or record["ce_time"] < self._following_since:
                continue
            self._seen[record["ce_id"]] = time.monotonic()
            self._offer(await self._board_call(record["ce_id"], record["ce_type"], record["data"]))
        horizon = time.monotonic() - 4 * LOOKBACK.total_seconds()
        self._seen = {k: t for k, t in self._seen.items() if t > horizon}

    async def _board_call(self, event_id: str, ce_type: str, data: str) -> BoardCall:
        recalled = ce_type == TICKET_RECALLED.ce_type
        payload = TicketRecalled.model_validate_json(data) if recalled else None
        called = payload or TicketCalled.model_validate_json(data)
        service = await self._catalog.service(called.service_id)
        return BoardCall(
            event=_TYPES[ce_type],
            event_id=event_id,
            ticket_id=called.ticket_id,
            number=called.number,
            counter=CounterBrief(
                id=called.counter_id, number=called.counter_number, name=called.counter_name
            ),
            service_id=called.service_id,
            service_name=service.name if service is not None else called.service_id,
            agency_id=called.agency_id,
            at=called.at,
            recalls=payload.recalls if payload is not None else 0,
            announcement=call_announcement(called.number, called.counter_number),
        )


async def board_snapshot(
    store: QueueStore, view: CatalogView, agency_id: str | None, next_count: int
) -> Board:
    """What a board shows when it starts: who is at each open counter, and who comes next."""
    counters = []
    states = [s for s in await store.counter_states(agency_id) if s.get("open")]
    at_counter = {t.counter_id: t for t in await store.at_counters([s["_id"] for s in states])}
    for state in states:
        counter = await view.counter(state["_id"])
        if counter is None:
            continue
        ticket = at_counter.get(counter.id)
        counters.append(
            BoardCounter(
                counter=CounterBrief(id=counter.id, number=counter.number, name=counter.name),
                agency_id=counter.agency_id,
                open=True,
                now_serving=ticket.number if ticket else None,
                status=ticket.status if ticket and ticket.status != "waiting" else None,
                service_id=ticket.service_id if ticket else None,
            )
        )
    counters.sort(key=lambda c: c.counter.number)
    waiting = await store.waiting_by_service()
    queues = []
    for service in await view.active_services(agency_id):
        count = waiting.get(service.id, 0)
        upcoming = await store.waiting([service.id], next_count) if count else []
        queues.append(
            BoardQueue(
                service_id=service.id,
                service_name=service.name,
                agency_id=service.agency_id,
                waiting=count,
                next=[t.number for t in upcoming],
            )
        )
    return Board(agency_id=agency_id, counters=counters, queues=queues)
