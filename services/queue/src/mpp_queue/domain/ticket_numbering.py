"""Display numbers: the service's prefix and a sequence that restarts every local day.

The number is for people (``A-001``); the ticket's id is unique forever (DOMAIN.md, Queue).
"""

from __future__ import annotations

from datetime import date, datetime

from mpp_kit.clock import local_date


def display_number(prefix: str, sequence: int) -> str:
    """``("A", 1)`` → ``A-001``: at least three digits, more after 999 tickets in a day."""
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix}-{sequence:03d}"


def numbering_day(instant: datetime, timezone: str) -> date:
    """The MPP's local day whose sequence a ticket issued at ``instant`` takes its number from."""
    return local_date(instant, timezone)


def daily_counter_id(service_id: str, day: date) -> str:
    """The id of the one document that counts a service's numbers on one local day."""
    return f"{service_id}:{day.isoformat()}"
