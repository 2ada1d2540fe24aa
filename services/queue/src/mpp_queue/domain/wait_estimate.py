"""The estimated waiting time a visitor is told when they take a ticket (issue 4).

From the place in line, the service's recent average service time, and the number of open
counters serving it. The first estimate is kept next to the actual wait, so its accuracy can be
reported (DOMAIN.md, Queue).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Fewer recent services than this say little; the catalog's average stands in for them.
MIN_SAMPLES = 5
RECENT_SAMPLES = 20


def recent_average_service_minutes(
    recent_service_seconds: Sequence[float], catalog_average_minutes: float
) -> float:
    """The mean of the last services, or the catalog's figure while there are too few of them."""
    if len(recent_service_seconds) < MIN_SAMPLES:
        return float(catalog_average_minutes)
    return sum(recent_service_seconds) / len(recent_service_seconds) / 60


def estimated_wait_minutes(ahead: int, average_service_minutes: float, open_counters: int) -> int:
    """Minutes until the call: those ahead share the open counters (at least one is assumed, so
    a queue whose counters are still closed gets a figure rather than infinity)."""
    if ahead <= 0:
        return 0
    return math.ceil(ahead * average_service_minutes / max(open_counters, 1))
