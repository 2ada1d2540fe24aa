"""Quiet hours: reminders are not sent at night, MPP local time; they wait for the morning."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time]


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"21:00-07:00"`` → (21:00, 07:00); an empty text or ``"off"`` means none."""
    text = text.strip()
    if text in ("", "off"):
        return None
    try:
        start_text, end_text = text.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as exc:
        raise ValueError(f"quiet hours must look like 21:00-07:00, not {text!r}") from exc
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return start, end


def _inside(local: time, quiet: QuietHours) -> bool:
    start, end = quiet
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def not_before(instant: datetime, quiet: QuietHours | None, timezone: str) -> datetime:
    """``instant`` if it is outside the quiet hours, else the moment they end (in UTC)."""
    if quiet is None:
        return instant
    local = instant.astimezone(ZoneInfo(timezone))
    if not _inside(local.time(), quiet):
        return instant
    end = quiet[1]
    morning = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=local.tzinfo)
    return morning.astimezone(UTC)
