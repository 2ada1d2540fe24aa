"""Notify's own metrics: deliveries per channel and outcome, and how long providers take."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "notify_deliveries_total",
    "Delivery attempts and decisions, by channel, provider and outcome "
    "(sent, retry, failed, suppressed, planned)",
    ["channel", "provider", "outcome"],
)
SEND_SECONDS = Histogram(
    "notify_send_duration_seconds",
    "Time a provider took to answer one attempt",
    ["channel", "provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
IN_FLIGHT = Gauge("notify_sends_in_flight", "Attempts waiting for a provider's answer")
ENDPOINTS_DISABLED = Counter(
    "notify_webhook_endpoints_disabled_total",
    "Agency webhook endpoints disabled after consecutive failures",
)
PURGED = Counter("notify_messages_purged_total", "Message bodies purged after the retention period")
