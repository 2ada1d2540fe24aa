"""The queue service (antrian): tickets, priority, counters, the display board, KPIs.

* Serves ``/api/v1/queue``: ``tickets`` (issue, follow, cancel; recall, no-show, start, finish,
  transfer; priority confirm/remove), ``counters`` (open, close, call-next), ``board`` (snapshot
  and server-sent events), ``stats``, ``closing-reset``.
* Publishes ``queue.ticket-issued``, ``ticket-called``, ``ticket-recalled``, ``ticket-no-show``,
  ``ticket-transferred``, ``service-started``, ``served``, ``ticket-cancelled``,
  ``ticket-removed`` — keyed by the service whose queue it is (:mod:`mpp_kit.contracts.queue`).
* Consumes ``booking.booking-checked-in`` (one ticket per booking) and the catalog's events (its
  read model, :class:`mpp_kit.catalog_view.CatalogView`).
* Stores ``tickets``, ``daily_numbers``, ``counter_states`` and the catalog read model.
* Jobs: the closing reset; queue lengths (gauge, estimates); forgetting expired contacts.

Run: ``uvicorn mpp_queue.main:app``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import FastAPI

from mpp_kit.catalog_view import CatalogView
from mpp_kit.contracts.queue import EVENTS
from mpp_kit.http import create_app
from mpp_kit.runtime import ServiceRuntime
from mpp_queue import clock
from mpp_queue.board_feed import BoardFeed
from mpp_queue.catalog_cache import CatalogCache
from mpp_queue.closing_reset import ClosingReset
from mpp_queue.counter_desk import CounterDesk
from mpp_queue.handlers import register_handlers
from mpp_queue.queue_lengths import QueueLengths
from mpp_queue.queue_parts import QueueParts
from mpp_queue.routes_board import board_routes
from mpp_queue.routes_counters import counter_routes
from mpp_queue.routes_stats import stats_routes
from mpp_queue.routes_tickets import ticket_routes
from mpp_queue.settings import QueueSettings
from mpp_queue.store import QueueStore
from mpp_queue.ticket_desk import TicketDesk
from mpp_queue.ticket_steps import TicketSteps
from mpp_queue.transactions import Transactions


def build_app(settings: QueueSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, publishes=EVENTS)
    view = CatalogView(runtime)
    catalog = CatalogCache(view)
    store = QueueStore(runtime.db)
    feed = BoardFeed(runtime.db, catalog, poll_seconds=settings.board_poll_seconds)
    transactions = Transactions(runtime, settings.max_concurrent_transactions)
    parts = QueueParts(runtime, transactions, store, catalog, feed)
    desk = TicketDesk(parts)
    steps = TicketSteps(parts, desk)
    counters = CounterDesk(parts, desk)
    reset = ClosingReset(parts, steps)
    register_handlers(runtime, view, store, desk)

    runtime.on_startup(store.prepare)
    runtime.background(feed.run)
    runtime.every(settings.reset_every_seconds)(reset.job)

    runtime.every(settings.waiting_gauge_every_seconds)(QueueLengths(store).refresh)

    @runtime.every(3600)
    async def forget_expired_contacts() -> None:
        await store.forget_contacts(clock.now())

    app = create_app(
        settings,
        title="mpp queue",
        description="Tickets, priority, counters and call-next, the display board, queue KPIs.",
        routers=[
            ticket_routes(desk, steps),
            counter_routes(counters),
            board_routes(store, view, feed, settings),
            stats_routes(store, catalog, reset),
        ],
        runtime=runtime,
    )
    app.state.store = store
    app.state.view = view
    app.state.reset = reset
    app.state.feed = feed
    return app


@cache
def _app_from_environment() -> FastAPI:
    return build_app(QueueSettings())


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use, so tests can import this module without MPP_* settings.
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
