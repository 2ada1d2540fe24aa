"""The service's transactions, a few at a time per process.

Transactions that write the same collections at once conflict, and the driver retries the losers
with a growing pause: on the embedded store 16 at once manage ~60 a second where 2 at once manage
~450 (bench/ceiling.py, bench/queue.py). Waiting for a slot here costs less than that pause. Real
MongoDB conflicts far less; raise ``MPP_MAX_CONCURRENT_TRANSACTIONS`` there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mpp_kit.mongo import Session
from mpp_kit.runtime import ServiceRuntime

T = TypeVar("T")


class Transactions:
    def __init__(self, runtime: ServiceRuntime, limit: int) -> None:
        self._runtime = runtime
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, work: Callable[[Session], Awaitable[T]]) -> T:
        async with self._slots:
            return await self._runtime.transaction(work)
