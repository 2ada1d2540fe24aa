"""The queue's notion of now: UTC, truncated to the millisecond as the store keeps it, so a time
read back equals the time written (arrival order and waiting times depend on it)."""

from __future__ import annotations

from datetime import datetime

from mpp_kit.clock import utcnow


def now() -> datetime:
    instant = utcnow()
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)
