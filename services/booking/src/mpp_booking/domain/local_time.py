"""How the booking service writes times for people: in the MPP's zone, with its abbreviation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Indonesia's three zones and their names (DOMAIN.md, working days).
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def local_iso(instant: datetime, tz: str) -> str:
    """ISO 8601 with the MPP's offset, e.g. ``2026-05-12T09:30:00+07:00``."""
    return instant.astimezone(ZoneInfo(tz)).isoformat()


def local_clock(instant: datetime, tz: str) -> str:
    """``09:30 WIB``."""
    return f"{instant.astimezone(ZoneInfo(tz)):%H:%M} {ZONE_NAMES.get(tz, tz)}"


def day_label(day: date) -> str:
    """``Monday 30 November 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"
