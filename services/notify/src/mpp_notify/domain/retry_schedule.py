"""When to try a failed delivery again: exponential backoff, capped, then give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_interval_seconds: float

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: base, 2×base, 4×base, … capped."""
        seconds = self.base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.max_interval_seconds))

    def next_attempt(
        self, now: datetime, attempts: int, allowed: int | None = None
    ) -> datetime | None:
        """The next attempt's time, or ``None`` when ``attempts`` used up what is allowed."""
        if attempts >= (allowed if allowed is not None else self.max_attempts):
            return None
        return now + self.delay_after(attempts)

    def span(self) -> timedelta:
        """How long a delivery keeps trying, from the first attempt to the last."""
        return sum((self.delay_after(n) for n in range(1, self.max_attempts)), timedelta())
