"""How many wait in each queue: the gauge, and mending the running counts behind estimates.

Issuing counts a new ticket as waiting in the same atomic update that gives its number, and every
ticket that stops waiting is counted down after its commit (:meth:`QueueStore.count_waiting`). This
job counts the tickets themselves now and then: it sets the gauge, and mends a count that drifted
because a process died between a commit and its count update.
"""

from __future__ import annotations

from datetime import timedelta

from mpp_queue import clock
from mpp_queue.metrics import TICKETS_WAITING
from mpp_queue.store import QueueStore

# A count untouched this long has no ticket between its number and its commit.
QUIET = timedelta(seconds=5)


class QueueLengths:
    def __init__(self, store: QueueStore) -> None:
        self._store = store
        self._seen: set[str] = set()

    async def refresh(self) -> None:
        truth = await self._store.waiting_counts()
        totals: dict[str, int] = {}
        for (service_id, _), count in truth.items():
            totals[service_id] = totals.get(service_id, 0) + count
        self._seen.update(totals)
        for service_id in self._seen:  # queues that emptied go to 0
            TICKETS_WAITING.labels(service_id).set(totals.get(service_id, 0))
        await self._store.heal_waiting_counts(truth, quiet_since=clock.now() - QUIET)
