"""The estimated wait, the recent average service time, and when a waiting ticket is past
closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mpp_kit.contracts.catalog import MppSettings, OpeningPeriod, Quotas, WeeklyHours
from mpp_kit.contracts.queue import Contact
from mpp_queue.domain.closing import due_for_reset
from mpp_queue.domain.issuing import daily_quota, kept_contact
from mpp_queue.domain.wait_estimate import (
    estimated_wait_minutes,
    recent_average_service_minutes,
)


def test_the_estimate_shares_those_ahead_among_the_open_counters():
    assert estimated_wait_minutes(0, 10, 2) == 0
    assert estimated_wait_minutes(4, 10, 2) == 20
    assert estimated_wait_minutes(5, 10, 2) == 25
    assert estimated_wait_minutes(3, 7.5, 2) == 12  # 11.25 rounds up: better early than late
    assert estimated_wait_minutes(3, 10, 0) == 30  # closed counters: as if one will open


def test_the_recent_average_needs_enough_services_else_the_catalog_figure_stands():
    assert recent_average_service_minutes([300, 300], 12) == 12.0
    assert recent_average_service_minutes([300, 600, 300, 600, 300, 600], 12) == 7.5


def test_quotas_per_channel_and_booked_visitors_have_none():
    quotas = Quotas(walk_in_daily=100, online_daily=30)
    assert daily_quota("kiosk", quotas) == 100
    assert daily_quota("online", quotas) == 30
    assert daily_quota("booking", quotas) is None
    assert daily_quota("kiosk", Quotas()) is None


def test_contact_is_kept_only_with_consent():
    contact = Contact(phone="0812 3456 7890")
    assert contact.phone == "081234567890"
    assert kept_contact(contact, consent=True) == contact
    assert kept_contact(contact, consent=False) is None


def _settings(**hours: list[OpeningPeriod]) -> MppSettings:
    return MppSettings(
        version=1,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        timezone="Asia/Jakarta",
        opening_hours=WeeklyHours(**hours),
        observe_national_holidays=True,
    )


# Monday 2 March 2026 is a working day; WIB is UTC+7.
MONDAY = date(2026, 3, 2)
SPLIT_DAY = _settings(
    mon=[OpeningPeriod(open="08:00", close="12:00"), OpeningPeriod(open="13:00", close="16:00")]
)


def _wib(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def test_a_ticket_is_not_reset_while_open_or_over_the_lunch_break():
    assert not due_for_reset(MONDAY, _wib(10), SPLIT_DAY, None)
    assert not due_for_reset(MONDAY, _wib(12, 30), SPLIT_DAY, None)


def test_a_ticket_still_waiting_after_the_last_period_of_the_day_is_reset():
    assert due_for_reset(MONDAY, _wib(16, 0), SPLIT_DAY, None)
    assert due_for_reset(MONDAY, _wib(20, 0), SPLIT_DAY, None)


def test_a_service_with_shorter_hours_closes_earlier_than_the_mpp():
    morning_only = WeeklyHours(mon=[OpeningPeriod(open="08:00", close="11:00")])
    assert due_for_reset(MONDAY, _wib(11, 30), SPLIT_DAY, morning_only)
    assert not due_for_reset(MONDAY, _wib(10, 30), SPLIT_DAY, morning_only)


def test_a_ticket_of_a_day_that_is_over_is_reset_even_where_the_mpp_never_closes():
    always = MppSettings(
        version=1,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        opening_hours=WeeklyHours.every_day("00:00", "24:00"),
        observe_national_holidays=False,
    )
    assert not due_for_reset(MONDAY, _wib(23, 59), always, None)
    assert due_for_reset(MONDAY, _wib(0, 5, day=3), always, None)
