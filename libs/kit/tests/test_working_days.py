"""The MPP's calendar on real dates: weekends, national holidays, cuti bersama, its own closed days,
opening hours in the MPP's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpp_kit.contracts.catalog import MppSettings, WeeklyHours
from mpp_kit.working_days import (
    add_working_days,
    closed_reason,
    current_period,
    effective_hours,
    is_open,
    is_working_day,
    national_holiday,
    next_opening,
    next_working_day,
    open_periods,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def mpp(**overrides) -> MppSettings:
    return MppSettings(version=1, updated_at=NOW, **overrides)


def wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=UTC) - timedelta(hours=7)


def test_cuti_bersama_is_in_the_government_category_of_the_holidays_package():
    # DOMAIN.md: country_holidays("ID", categories=("public", "government")) knows both.
    public = holidays.country_holidays("ID", categories=("public",), years=2026)
    government = holidays.country_holidays("ID", categories=("government",), years=2026)
    assert date(2026, 3, 21) in public and date(2026, 3, 21) not in government  # Idul Fitri
    assert date(2026, 3, 23) in government and date(2026, 3, 23) not in public  # cuti bersama


def test_independence_day_is_not_a_working_day():
    assert "Kemerdekaan" in national_holiday(date(2026, 8, 17))
    assert not is_working_day(date(2026, 8, 17))  # a Monday
    assert is_working_day(date(2026, 8, 18))


def test_idul_fitri_2026_and_its_cuti_bersama_are_closed():
    # Idul Fitri 1447 H on 21-22 March 2026; cuti bersama 20, 23 and 24 March; Nyepi on 19 March.
    for day in range(19, 25):
        assert not is_working_day(date(2026, 3, day)), day
    assert "Cuti Bersama" in national_holiday(date(2026, 3, 23))
    assert is_working_day(date(2026, 3, 25))
    assert next_working_day(date(2026, 3, 18)) == date(2026, 3, 25)


def test_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 29))  # Sunday
    assert next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)


def test_complaint_deadlines_skip_christmas_and_its_cuti_bersama():
    # DOMAIN.md: follow-up within 5 working days; 24 Dec 2026 is cuti bersama, 25 Dec Christmas.
    assert add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 30)
    assert add_working_days(date(2026, 12, 18), 3) == date(2026, 12, 23)
    assert add_working_days(date(2026, 12, 18), 0) == date(2026, 12, 18)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 12, 18), -1)


def test_the_mpps_own_closed_days_count_and_it_may_ignore_the_national_calendar():
    settings = mpp(closed_days=[date(2026, 12, 1)])
    assert is_working_day(date(2026, 12, 1)) and not is_working_day(date(2026, 12, 1), settings)
    assert closed_reason(date(2026, 12, 1), settings) == "Hari libur MPP"
    ignoring = mpp(observe_national_holidays=False)
    assert is_working_day(date(2026, 8, 17), ignoring)
    assert not is_working_day(date(2026, 8, 15), ignoring)  # still a Saturday


def test_open_during_hours_in_the_mpps_zone():
    settings = mpp()  # Monday to Friday 08:00-16:00
    assert is_open(wib(2026, 11, 24, 8, 0), settings)
    assert not is_open(wib(2026, 11, 24, 7, 59), settings)
    assert not is_open(wib(2026, 11, 24, 16, 0), settings)
    assert current_period(wib(2026, 11, 24, 12), settings) == (
        wib(2026, 11, 24, 8),
        wib(2026, 11, 24, 16),
    )
    # 09:00 in Jayapura (WIT, UTC+9) is 07:00 WIB: the same instant is open there only.
    jayapura = mpp(timezone="Asia/Jayapura")
    instant = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert is_open(instant, jayapura) and not is_open(instant, settings)


def test_next_opening_skips_weekend_and_holidays():
    settings = mpp()
    assert next_opening(wib(2026, 11, 27, 17), settings) == wib(2026, 11, 30, 8)
    assert next_opening(wib(2026, 11, 27, 10), settings) == wib(2026, 11, 30, 8)  # while open
    assert next_opening(wib(2026, 11, 24, 6), settings) == wib(2026, 11, 24, 8)
    assert next_opening(wib(2026, 8, 16, 12), settings) == wib(2026, 8, 18, 8)
    assert next_opening(wib(2026, 3, 19, 12), settings) == wib(2026, 3, 25, 8)
    assert open_periods(date(2026, 3, 23), settings) == []


def test_an_mpp_open_around_the_clock_never_closes():
    always = mpp(opening_hours=WeeklyHours.every_day("00:00", "24:00"))
    at = wib(2026, 8, 17, 3)
    assert is_open(at, mpp(opening_hours=always.opening_hours, observe_national_holidays=False))
    assert not is_open(at, always)  # observing the national calendar, 17 August is closed
    demo = mpp(opening_hours=always.opening_hours, observe_national_holidays=False)
    start, end = current_period(at, demo)
    assert (start, end) == (wib(2026, 8, 17, 0), None)
    assert next_opening(at, demo) is None


def test_periods_that_meet_at_midnight_are_one():
    late = WeeklyHours.model_validate(
        {"fri": [{"open": "20:00", "close": "24:00"}], "sat": [{"open": "00:00", "close": "02:00"}]}
    )
    settings = mpp(opening_hours=late)
    assert current_period(wib(2026, 11, 27, 23), settings) == (
        wib(2026, 11, 27, 20),
        wib(2026, 11, 28, 2),
    )
    assert next_opening(wib(2026, 11, 27, 23), settings) == wib(2026, 12, 4, 20)


def test_a_service_opens_only_within_its_hours_and_the_mpps():
    service = WeeklyHours.model_validate(
        {"mon": [{"open": "07:00", "close": "10:00"}, {"open": "13:00", "close": "18:00"}]}
    )
    hours = effective_hours(mpp(), service)
    assert [(p.open, p.close) for p in hours.mon] == [("08:00", "10:00"), ("13:00", "16:00")]
    assert hours.tue == []
    assert not is_open(wib(2026, 11, 23, 11), mpp(), service)
    assert next_opening(wib(2026, 11, 23, 11), mpp(), service) == wib(2026, 11, 23, 13)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(date(2024, 1, 1), date(2030, 12, 31)), n=st.integers(0, 40))
def test_add_working_days_lands_on_the_nth_working_day(day, n):
    result = add_working_days(day, n)
    between = [day + timedelta(days=i) for i in range(1, (result - day).days + 1)]
    assert sum(is_working_day(d) for d in between) == n
    if n:
        assert is_working_day(result)


@settings(max_examples=200, deadline=None)
@given(minutes=st.integers(0, 366 * 24 * 60))
def test_next_opening_is_the_first_open_minute_after_a_closed_one(minutes):
    settings = mpp(closed_days=[date(2026, 6, 2)])
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    assert is_open(at, settings) == (current_period(at, settings) is not None)
    opens = next_opening(at, settings)
    assert opens is not None and opens > at
    assert is_open(opens, settings)
    assert not is_open(opens - timedelta(minutes=1), settings)
