"""Prometheus metrics shared by every service (RED per route, events, outbox).

Labels are bounded: route templates, not raw paths; event types, not ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events published by the outbox", ["type"])
EVENTS_PUBLISH_FAILED = Counter(
    "events_publish_failed_total", "Outbox publish attempts that failed", ["type"]
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox records not yet published")
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events taken from the bus, by outcome (handled, duplicate, failed, dead_lettered)",
    ["type", "outcome"],
)
