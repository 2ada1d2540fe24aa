"""Every event the platform publishes: payload model, topic and partition key, in one registry.

Each service's events live in the module named after it; ``EVENT_TYPES`` joins them so the
exporter, the contract tests and the runner (which creates the topics) see all of them.
"""

from __future__ import annotations

from typing import Any

from mpp_kit.contracts import booking, catalog, notify, queue
from mpp_kit.events import EventType

EVENT_TYPES: list[EventType[Any]] = [
    *catalog.EVENTS,
    *queue.EVENTS,
    *booking.EVENTS,
    *notify.EVENTS,
]
BY_CE_TYPE: dict[str, EventType[Any]] = {t.ce_type: t for t in EVENT_TYPES}
