"""Reads of slowly changing documents kept for a few seconds: catalog names, template
overrides, webhook endpoints. Every event needs them; the embedded store is happier asked
less (a change shows within the time given; misses are never kept)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MAX_ITEMS = 10_000


class RecentlyRead:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._items: dict[Hashable, tuple[float, Any]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T | None]]) -> T | None:
        now = time.monotonic()
        kept = self._items.get(key)
        if kept is not None and kept[0] > now:
            value: T = kept[1]
            return value
        loaded = await load()
        if loaded is not None:
            if len(self._items) >= _MAX_ITEMS:
                self._items.clear()
            self._items[key] = (now + self._seconds, loaded)
        return loaded

    def forget(self) -> None:
        self._items.clear()
