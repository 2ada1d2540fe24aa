"""The MPP's calendar: working days, and when the MPP (or one service) is open. Pure, no I/O.

Working days exclude weekends, national holidays and *cuti bersama* (DOMAIN.md: the ``holidays``
package, categories ``public`` and ``government``), and the MPP's own closed days. An MPP that
sets ``observe_national_holidays`` to false works through the national calendar (issue 3).
Opening is a matter of the weekly hours: a day is open if it has periods and is not closed.
Instants are UTC; "today" and opening hours are in the MPP's local zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from mpp_kit.contracts.catalog import MppSettings, WeeklyHours, minutes_of_day

# Beyond this, a calendar with no opening at all is taken as "never opens".
SEARCH_DAYS = 400
Interval = tuple[datetime, datetime]


@cache
def _national_calendar() -> holidays.HolidayBase:
    # Public holidays and cuti bersama ("government"), named in Bahasa Indonesia (DOMAIN.md).
    return holidays.country_holidays("ID", categories=("public", "government"), language="id")


def national_holiday(day: date) -> str | None:
    """The name of the national holiday or *cuti bersama* on ``day``, if any."""
    name = _national_calendar().get(day)
    return str(name) if name else None


def closed_reason(day: date, settings: MppSettings | None = None) -> str | None:
    """Why the MPP is closed all of ``day`` whatever its hours say: a holiday or its own closure."""
    if settings is not None and day in settings.closed_days:
        return "Hari libur MPP"
    if settings is None or settings.observe_national_holidays:
        return national_holiday(day)
    return None


def is_working_day(day: date, settings: MppSettings | None = None) -> bool:
    """Monday to Friday, and not a holiday, *cuti bersama* or MPP closed day."""
    return day.weekday() < 5 and closed_reason(day, settings) is None


def next_working_day(day: date, settings: MppSettings | None = None) -> date:
    """The first working day after ``day``."""
    return add_working_days(day, 1, settings)


def add_working_days(day: date, n: int, settings: MppSettings | None = None) -> date:
    """The ``n``-th working day after ``day`` (``n = 0`` gives ``day`` itself).

    "Within 3 working days" of something received on ``day`` ends on ``add_working_days(day, 3)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    current = day
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current, settings):
            n -= 1
    return current


def effective_hours(settings: MppSettings, service_hours: WeeklyHours | None = None) -> WeeklyHours:
    """A service's own hours within the building's: nobody serves while the MPP is shut."""
    if service_hours is None:
        return settings.opening_hours
    days = {}
    for weekday, code in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        days[code] = [
            {"open": _clock(max(a0, b0)), "close": _clock(min(a1, b1))}
            for a0, a1 in _minutes(settings.opening_hours, weekday)
            for b0, b1 in _minutes(service_hours, weekday)
            if max(a0, b0) < min(a1, b1)
        ]
    return WeeklyHours.model_validate(days)


def open_periods(
    day: date, settings: MppSettings, service_hours: WeeklyHours | None = None
) -> list[Interval]:
    """The opening periods of a local ``day`` as aware datetimes in the MPP's zone."""
    return _periods(day, settings, effective_hours(settings, service_hours))


def is_open_day(day: date, settings: MppSettings, service_hours: WeeklyHours | None = None) -> bool:
    return bool(open_periods(day, settings, service_hours))


def is_open(
    at_utc: datetime, settings: MppSettings, service_hours: WeeklyHours | None = None
) -> bool:
    """Whether the MPP (or a service, with its hours) serves at the instant ``at_utc``."""
    hours = effective_hours(settings, service_hours)
    return _containing(at_utc, settings, hours) is not None


def current_period(
    at_utc: datetime, settings: MppSettings, service_hours: WeeklyHours | None = None
) -> tuple[datetime, datetime | None] | None:
    """The opening period that contains ``at_utc``, in UTC, or ``None`` when closed.

    Its end is merged with any period that follows without a gap (``… 24:00`` then ``00:00 …``);
    ``None`` as the end means it does not close within ``SEARCH_DAYS`` (open around the clock).
    """
    hours = effective_hours(settings, service_hours)
    period = _containing(at_utc, settings, hours)
    if period is None:
        return None
    start, end = period
    for _ in range(SEARCH_DAYS):
        following = [e for s, e in _periods(end.date(), settings, hours) if s == end]
        if not following:
            return start.astimezone(UTC), end.astimezone(UTC)
        end = following[0]
    return start.astimezone(UTC), None


def next_opening(
    at_utc: datetime, settings: MppSettings, service_hours: WeeklyHours | None = None
) -> datetime | None:
    """The next instant after ``at_utc`` at which the MPP (or a service) opens, in UTC.

    While open, it is the start of the next period after the current one closes.
    ``None`` if it never closes, or nothing opens, within ``SEARCH_DAYS``.
    """
    current = current_period(at_utc, settings, service_hours)
    if current is None:
        after = at_utc
    elif current[1] is None:
        return None
    else:
        after = current[1]
    local = after.astimezone(ZoneInfo(settings.timezone))
    hours = effective_hours(settings, service_hours)
    for offset in range(SEARCH_DAYS):
        for start, _ in _periods(local.date() + timedelta(days=offset), settings, hours):
            if start > local:
                return start.astimezone(UTC)
    return None


def _periods(day: date, settings: MppSettings, hours: WeeklyHours) -> list[Interval]:
    if closed_reason(day, settings) is not None:
        return []
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.timezone))
    return [
        (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
        for start, end in _minutes(hours, day.weekday())
    ]


def _containing(at_utc: datetime, settings: MppSettings, hours: WeeklyHours) -> Interval | None:
    local = at_utc.astimezone(ZoneInfo(settings.timezone))
    return next(
        ((s, e) for s, e in _periods(local.date(), settings, hours) if s <= local < e), None
    )


def _minutes(hours: WeeklyHours, weekday: int) -> list[tuple[int, int]]:
    return [(minutes_of_day(p.open), minutes_of_day(p.close)) for p in hours.on(weekday)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
