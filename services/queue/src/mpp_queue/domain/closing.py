"""When a waiting ticket is closed as ``removed_by_reset``: it is still waiting at closing.

"Closing" is the end of its service's day, not a break between two opening periods: the service
is shut now and opens no more on the ticket's local day. A ticket of a day that is over is reset
whatever the hours say (numbers restart every local day, so yesterday's ``A-001`` must not wait on
next to today's).
"""

from __future__ import annotations

from datetime import date, datetime

from mpp_kit.clock import local_date
from mpp_kit.contracts.catalog import MppSettings, WeeklyHours
from mpp_kit.working_days import is_open, next_opening


def due_for_reset(
    ticket_day: date, now: datetime, settings: MppSettings, service_hours: WeeklyHours | None
) -> bool:
    """Whether a ticket of local day ``ticket_day``, still waiting at ``now``, is past closing."""
    today = local_date(now, settings.timezone)
    if ticket_day < today:
        return True
    if is_open(now, settings, service_hours):
        return False
    reopens = next_opening(now, settings, service_hours)
    return reopens is None or local_date(reopens, settings.timezone) != today
