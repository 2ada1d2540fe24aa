"""What every part of the queue's service layer works with, built once in ``main``."""

from __future__ import annotations

from dataclasses import dataclass

from mpp_kit.runtime import ServiceRuntime
from mpp_queue.board_feed import BoardFeed
from mpp_queue.catalog_cache import CatalogCache
from mpp_queue.store import QueueStore
from mpp_queue.transactions import Transactions


@dataclass(frozen=True)
class QueueParts:
    runtime: ServiceRuntime
    transaction: Transactions
    store: QueueStore
    catalog: CatalogCache
    feed: BoardFeed


class UsesQueueParts:
    """Base of the desks and jobs: the parts as attributes."""

    def __init__(self, parts: QueueParts) -> None:
        self.runtime = parts.runtime
        self.transaction = parts.transaction
        self.store = parts.store
        self.catalog = parts.catalog
        self.feed = parts.feed
