"""KPIs exactly as DOMAIN.md defines them, on a constructed day computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mpp_queue.domain.kpis import TicketFacts, compute_kpis, p90

OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 WIB


def at(minutes: float | None) -> datetime | None:
    return None if minutes is None else OPENING + timedelta(minutes=minutes)


def ticket(status, entered, called=None, ended=None, estimate=None, *, issued_here=True):
    return TicketFacts(
        status=status,
        issued_here=issued_here,
        entered_at=at(entered),
        called_at=at(called),
        ended_at=at(ended),
        first_estimate_minutes=estimate,
        target_wait_minutes=15,
    )


# Minutes after opening; "called" is the LAST call (ticket 2 was called at 20 and recalled at 25).
DAY = [
    ticket("served", 0, called=10, ended=20, estimate=5),  # wait 10, service 10, error +5
    ticket("served", 5, called=25, ended=40, estimate=10),  # wait 20, service 15, error +10
    ticket("no_show", 10, called=30, ended=35, estimate=20),  # wait 20, error 0
    ticket("transferred", 12, called=22, ended=27, estimate=14),  # wait 10, service 5, error -4
    ticket("cancelled_by_visitor", 15, ended=18, estimate=15),  # never called
    ticket("removed_by_reset", 50, ended=480, estimate=30),  # still waiting at closing
    ticket("served", 27, called=30, ended=33, estimate=0, issued_here=False),  # came by transfer
    ticket("waiting", 60, estimate=25),
]


def test_kpis_of_a_constructed_day():
    kpis = compute_kpis(DAY)
    assert kpis.issued == 7  # the transferred-in ticket was issued elsewhere
    assert kpis.transferred_in == 1
    assert kpis.called == 5
    assert kpis.served == 3
    assert kpis.no_shows == 1
    assert kpis.no_show_rate == pytest.approx(1 / 5)  # no-shows ÷ tickets called
    assert kpis.cancelled_by_visitor == 1
    assert kpis.removed_by_reset == 1
    assert kpis.removed_by_staff == 0
    assert kpis.transferred_out == 1
    assert kpis.open_now == 1
    # Waiting (last call − entered): 600, 1200, 1200, 600, 180 seconds.
    assert kpis.average_waiting_seconds == pytest.approx(3780 / 5)
    assert kpis.p90_waiting_seconds == 1200
    # Service (call → served or transferred): 600, 900, 300, 180 seconds.
    assert kpis.average_service_seconds == pytest.approx(1980 / 4)
    # Called within the 15-minute target: 600, 600 and 180 of the five.
    assert kpis.service_level == pytest.approx(3 / 5)
    # Actual − first estimate, in minutes: +5, +10, 0, -4, +3.
    assert kpis.estimate_samples == 5
    assert kpis.estimate_mean_absolute_error_minutes == pytest.approx(22 / 5)
    assert kpis.estimate_mean_error_minutes == pytest.approx(14 / 5)


def test_a_day_without_calls_has_no_rates_rather_than_zeros():
    kpis = compute_kpis([ticket("waiting", 0, estimate=0)])
    assert kpis.called == 0
    assert kpis.no_show_rate is None
    assert kpis.service_level is None
    assert kpis.average_waiting_seconds is None
    assert kpis.p90_waiting_seconds is None


def test_p90_is_the_nearest_rank():
    assert p90([]) is None
    assert p90([7.0]) == 7.0
    assert p90([float(v) for v in range(1, 11)]) == 9.0
    assert p90([float(v) for v in range(1, 12)]) == 10.0  # ceil(0.9 × 11) = 10th
    assert p90([5.0, 1.0, 3.0]) == 5.0
