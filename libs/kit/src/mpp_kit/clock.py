"""Time as the domain needs it: stored in UTC, "today" in the MPP's local zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def local_date(instant: datetime, timezone: str) -> date:
    """The MPP's local calendar day of an instant."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def as_utc(instant: datetime) -> datetime:
    """Normalise an aware datetime to UTC; naive values are taken as UTC (as stored by Mongo)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
