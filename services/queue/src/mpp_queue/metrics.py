"""The queue's own metrics (the kit's cover HTTP, events and the outbox)."""

from __future__ import annotations

from prometheus_client import Gauge, Histogram

TICKETS_WAITING = Gauge(
    "queue_tickets_waiting",
    "Tickets waiting now, per service (every replica reports the same store: aggregate with max)",
    ["service_id"],
)
WAITING_TIME = Histogram(
    "queue_waiting_time_seconds",
    "Waiting time (last call − entered the queue) of tickets whose wait ended: service started "
    "or no-show",
    ["service_id"],
    buckets=(60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400),
)
