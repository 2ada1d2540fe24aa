"""The slot rules, as pure functions: opening hours cut into slots, minus closed days, within the
booking window (DOMAIN.md, Booking)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mpp_booking.domain.slots import bookable_slots, refusal_for, slots_of_day
from mpp_kit.contracts.catalog import MppSettings, ServiceState, WeeklyHours

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2027, 1, 11, 0, 0, tzinfo=UTC)  # Monday 07:00 WIB


def _settings(**changes) -> MppSettings:
    base = {
        "version": 1,
        "updated_at": NOW,
        "opening_hours": WeeklyHours.weekdays("08:00", "16:00"),
    }
    return MppSettings.model_validate(base | changes)


def _service(hours: WeeklyHours | None = None, **booking) -> ServiceState:
    return ServiceState.model_validate(
        {
            "id": "svc-1",
            "agency_id": "dukcapil",
            "version": 1,
            "updated_at": NOW,
            "code": "ktp-el",
            "name": "KTP-el",
            "ticket_prefix": "A",
            "standard": _STANDARD,
            "opening_hours": hours,
            "booking": {"enabled": True, "slot_minutes": 30, "capacity_per_slot": 4} | booking,
        }
    )


def test_each_opening_period_is_cut_into_slots_from_its_start_and_a_short_tail_is_dropped():
    hours = WeeklyHours.model_validate(
        {"mon": [{"open": "08:00", "close": "10:10"}, {"open": "13:00", "close": "14:00"}]}
    )
    settings = _settings(opening_hours=hours)
    slots = slots_of_day(date(2027, 1, 11), settings, _service(slot_minutes=45))
    local = [s.start.astimezone(WIB).strftime("%H:%M") for s in slots]
    assert local == ["08:00", "08:45", "13:00"]  # 09:30-10:15 would end after 10:10
    assert all(s.end - s.start == timedelta(minutes=45) for s in slots)
    assert slots_of_day(date(2027, 1, 12), settings, _service()) == []  # no hours on Tuesday


def test_a_service_serves_only_within_its_own_hours_and_the_mpps():
    own = WeeklyHours.weekdays("07:00", "10:00")
    slots = slots_of_day(date(2027, 1, 11), _settings(), _service(own, slot_minutes=60))
    assert [s.start.astimezone(WIB).hour for s in slots] == [8, 9]


def test_national_holidays_and_cuti_bersama_close_the_day_when_the_mpp_observes_them():
    settings = _settings()
    nyepi, cuti_bersama, ordinary = date(2026, 3, 19), date(2026, 3, 18), date(2026, 3, 17)
    assert slots_of_day(nyepi, settings, _service()) == []
    assert slots_of_day(cuti_bersama, settings, _service()) == []
    assert len(slots_of_day(ordinary, settings, _service())) == 16
    working_through = _settings(observe_national_holidays=False)
    assert len(slots_of_day(nyepi, working_through, _service())) == 16


def test_the_mpps_own_closed_day_has_no_slots_and_says_so():
    settings = _settings(closed_days=[date(2027, 1, 13)])
    assert slots_of_day(date(2027, 1, 13), settings, _service()) == []
    refusal = refusal_for(datetime(2027, 1, 13, 9, tzinfo=WIB), NOW, settings, _service())
    assert refusal is not None and refusal.reason == "closed-day"
    assert "Hari libur MPP" in refusal.message


def test_booking_opens_days_ahead_and_closes_minutes_before_each_slot():
    service = _service(days_ahead=2, closes_minutes_before=60)
    now = datetime(2027, 1, 11, 8, 10, tzinfo=WIB)
    slots = bookable_slots(date(2027, 1, 1), date(2027, 1, 31), now, _settings(), service)
    days = sorted({s.day for s in slots})
    assert days == [date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13)]
    assert slots[0].start.astimezone(WIB).strftime("%H:%M") == "09:30"  # 09:00 closed at 08:00
    too_far = refusal_for(datetime(2027, 1, 14, 9, tzinfo=WIB), now, _settings(), service)
    assert too_far is not None and too_far.reason == "slot-too-far-ahead"
    assert "Wednesday 13 January 2027" in too_far.message
    closed = refusal_for(datetime(2027, 1, 11, 9, tzinfo=WIB), now, _settings(), service)
    assert closed is not None and closed.reason == "booking-closed-for-slot"
    assert "closed at 08:00 WIB" in closed.message


def test_slots_follow_the_mpps_zone():
    settings = _settings(timezone="Asia/Makassar")
    slots = slots_of_day(date(2027, 1, 11), settings, _service())
    assert slots[0].start == datetime(2027, 1, 11, 8, tzinfo=WITA)
    assert slots[0].start.tzinfo == UTC  # instants are UTC; the zone is for display


@given(
    open_minute=st.integers(0, 20 * 60),
    length=st.integers(30, 4 * 60),
    slot_minutes=st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]),
)
def test_slots_never_overlap_and_stay_inside_the_opening_hours(open_minute, length, slot_minutes):
    close_minute = min(open_minute + length, 24 * 60)
    clock = lambda m: "24:00" if m == 1440 else f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    hours = WeeklyHours.model_validate(
        {"mon": [{"open": clock(open_minute), "close": clock(close_minute)}]}
    )
    slots = slots_of_day(
        date(2027, 1, 11), _settings(opening_hours=hours), _service(slot_minutes=slot_minutes)
    )
    midnight = datetime(2027, 1, 11, tzinfo=WIB)
    opens, closes = (midnight + timedelta(minutes=m) for m in (open_minute, close_minute))
    assert len(slots) == (close_minute - open_minute) // slot_minutes
    for before, after in zip(slots, slots[1:], strict=False):
        assert before.end == after.start
    assert all(opens <= s.start and s.end <= closes for s in slots)


_STANDARD = {
    "dasar_hukum": ["UU 24/2013"],
    "persyaratan": ["Kartu Keluarga"],
    "prosedur": ["Ambil antrian"],
    "jangka_waktu": {"value": 1, "unit": "working_days"},
    "biaya": {"free": True},
    "produk": ["KTP-el"],
    "sarana": ["Ruang tunggu"],
    "kompetensi_pelaksana": ["Administrasi kependudukan"],
    "pengawasan_internal": ["Supervisi"],
    "penanganan_pengaduan": ["SP4N-LAPOR!"],
    "jumlah_pelaksana": 2,
    "jaminan_pelayanan": "Sesuai standar.",
    "jaminan_keamanan": "Data dijaga.",
    "evaluasi_kinerja": "Survei kepuasan.",
}
