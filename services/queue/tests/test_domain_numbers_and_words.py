"""Display numbers restart every local day; the board speaks them in Bahasa Indonesia."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mpp_queue.domain.announcement import call_announcement, spoken_number, terbilang
from mpp_queue.domain.ticket_numbering import daily_counter_id, display_number, numbering_day


def test_display_number_is_the_prefix_and_a_three_digit_sequence():
    assert display_number("A", 1) == "A-001"
    assert display_number("KT", 42) == "KT-042"
    assert display_number("B", 999) == "B-999"
    assert display_number("B", 1000) == "B-1000"
    with pytest.raises(ValueError):
        display_number("A", 0)


@pytest.mark.parametrize(
    ("instant", "zone", "day"),
    [
        # 23:30 UTC is already the next morning in every Indonesian zone.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Asia/Jakarta", date(2026, 3, 2)),
        (datetime(2026, 3, 1, 16, 59, tzinfo=UTC), "Asia/Jakarta", date(2026, 3, 1)),
        (datetime(2026, 3, 1, 17, 0, tzinfo=UTC), "Asia/Jakarta", date(2026, 3, 2)),
        (datetime(2026, 3, 1, 15, 30, tzinfo=UTC), "Asia/Makassar", date(2026, 3, 1)),
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "Asia/Makassar", date(2026, 3, 2)),
        (datetime(2026, 3, 1, 15, 0, tzinfo=UTC), "Asia/Jayapura", date(2026, 3, 2)),
    ],
)
def test_the_numbering_day_is_the_local_day_of_the_mpp(instant, zone, day):
    assert numbering_day(instant, zone) == day


def test_each_service_and_day_has_its_own_counter():
    assert daily_counter_id("svc-1", date(2026, 3, 2)) == "svc-1:2026-03-02"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (3, "tiga"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (100, "seratus"),
        (115, "seratus lima belas"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (2024, "dua ribu dua puluh empat"),
    ],
)
def test_terbilang(n, words):
    assert terbilang(n) == words


def test_the_board_announces_digits_one_by_one_and_the_counter_as_a_number():
    assert spoken_number("A-001") == "A nol nol satu"
    assert call_announcement("A-001", 3) == "Nomor antrian A nol nol satu, silakan ke loket tiga"
    assert call_announcement("KT-120", 12) == (
        "Nomor antrian K T satu dua nol, silakan ke loket dua belas"
    )
