"""The public rate limit: requests per minute per client IP, for callers without credentials.

Fixed windows in this process's memory: each gateway replica counts on its own, so the
effective limit is the setting times the replicas (good enough to blunt a flood; exact counting
would cost a store round trip per request).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.requests import Request

_MAX_TRACKED = 50_000  # clients remembered before old windows are swept


def client_ip(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn's --forwarded-allow-ips decides
    whether a trusted proxy's X-Forwarded-For replaces it)."""
    return request.client.host if request.client else "unknown"


class PublicRateLimit:
    def __init__(
        self,
        per_minute: int,
        *,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = per_minute
        self.window_seconds = window_seconds
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # client → (window number, requests)

    def retry_after(self, client: str) -> int | None:
        """Count one request; ``None`` if allowed, else the seconds until the window ends."""
        now = self.clock()
        window = int(now // self.window_seconds)
        seen_window, count = self._counts.get(client, (window, 0))
        count = count + 1 if seen_window == window else 1
        if len(self._counts) >= _MAX_TRACKED and client not in self._counts:
            self._sweep(window)
        self._counts[client] = (window, count)
        if count <= self.limit:
            return None
        return max(1, math.ceil((window + 1) * self.window_seconds - now))

    def _sweep(self, window: int) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
