"""Booking codes, phone numbers and NIK, the person keys, the check-in window and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mpp_booking.domain.booking_code import ALPHABET, LENGTH, new_code, normalise_code
from mpp_booking.domain.check_in_window import check_in_refusal, check_in_window
from mpp_booking.domain.person import check_nik, normalise_phone, person_keys
from mpp_booking.domain.reminders import reminder_plan, reminder_step

WIB = ZoneInfo("Asia/Jakarta")
KEY = b"k" * 32


def test_booking_codes_are_short_and_never_use_0_o_1_or_i():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set(ALPHABET) & set("0O1I")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("k7qx4m", "K7QX4M"), ("K7QX-4M", "K7QX4M"), (" k7q x4m ", "K7QX4M"), ("K7QX4", None)],
)
def test_a_code_is_read_as_typed_or_scanned(typed, code):
    assert normalise_code(typed) == code


def test_a_code_with_an_ambiguous_character_is_no_code():
    assert normalise_code("K7QX40") is None and normalise_code("K7QXIM") is None


@pytest.mark.parametrize(
    "raw",
    ["0812-3456-7890", "081234567890", "62 812 3456 7890", "+62 (812) 3456.7890", "+6281234567890"],
)
def test_indonesian_numbers_normalise_to_plus_62(raw):
    assert normalise_phone(raw) == "+6281234567890"


@pytest.mark.parametrize(
    "raw", ["12345", "+1 212 555 0100", "0012345678", "08123", "0812345678901234", "0812-ABC-7890"]
)
def test_malformed_phone_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_phone(raw)


@given(st.from_regex(r"8[0-9]{8,11}", fullmatch=True), st.sampled_from(["0", "62", "+62"]))
def test_every_written_form_of_a_number_is_the_same_person(national, prefix):
    assert normalise_phone(prefix + national) == "+62" + national
    assert person_keys(normalise_phone(prefix + national), None, None, KEY) == person_keys(
        "+62" + national, None, None, KEY
    )


@pytest.mark.parametrize(
    "nik",
    ["3201234501900001", "3201230101900001", "9401012902000001", "1101017112990123"],
)
def test_well_formed_niks_pass(nik):
    assert check_nik(nik) == nik


@pytest.mark.parametrize(
    ("nik", "says"),
    [
        ("320123450190001", "16 digits"),
        ("32012345019000012", "16 digits"),
        ("32O1234501900001", "16 digits"),
        ("9901234501900001", "province"),
        ("3200234501900001", "regency"),
        ("3201004501900001", "regency or district"),
        ("3201233201900001", "birth date"),  # day 32
        ("3201237201900001", "birth date"),  # 72 - 40 = day 32
        ("3201230113900001", "birth date"),  # month 13
        ("3201233102900001", "birth date"),  # 31 February
        ("3201234501900000", "serial"),
    ],
)
def test_malformed_niks_are_refused_saying_why(nik, says):
    with pytest.raises(ValueError, match=says):
        check_nik(nik)


def test_person_keys_are_phone_and_nik_and_the_email_only_without_either():
    both = person_keys("+6281234567890", "3201234501900001", "a@b.id", KEY)
    assert [k.split(":")[0] for k in both] == ["phone", "nik"]
    assert "3201234501900001" not in "".join(both) and "81234567890" not in "".join(both)
    assert [k.split(":")[0] for k in person_keys(None, None, "A@B.id", KEY)] == ["email"]
    assert person_keys(None, None, "A@B.id", KEY) == person_keys(None, None, "a@b.id", KEY)
    assert person_keys("+6281234567890", None, None, b"other") != both[:1]


SLOT = datetime(2027, 1, 13, 10, 0, tzinfo=WIB)
WINDOW = check_in_window(SLOT, timedelta(minutes=30), timedelta(minutes=15))


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (datetime(2027, 1, 13, 9, 29, 59, tzinfo=WIB), "check-in-too-early"),
        (datetime(2027, 1, 13, 9, 30, tzinfo=WIB), None),
        (datetime(2027, 1, 13, 10, 15, tzinfo=WIB), None),
        (datetime(2027, 1, 13, 10, 15, 1, tzinfo=WIB), "check-in-too-late"),
        (datetime(2027, 1, 12, 10, 0, tzinfo=WIB), "check-in-wrong-day"),
        (datetime(2027, 1, 14, 10, 0, tzinfo=WIB), "check-in-too-late"),
    ],
)
def test_the_check_in_window_runs_from_30_minutes_before_to_15_after(now, reason):
    refusal = check_in_refusal(now, SLOT, WINDOW, "Asia/Jakarta")
    assert (refusal.reason if refusal else None) == reason


def test_a_window_that_opens_the_evening_before_a_midnight_slot_is_still_the_window():
    midnight = datetime(2027, 1, 14, 0, 10, tzinfo=WIB)
    window = check_in_window(midnight, timedelta(minutes=30), timedelta(minutes=15))
    assert (
        check_in_refusal(
            datetime(2027, 1, 13, 23, 45, tzinfo=WIB), midnight, window, "Asia/Jakarta"
        )
        is None
    )


def test_the_refusal_says_when_to_come_in_the_mpps_zone():
    refusal = check_in_refusal(
        datetime(2027, 1, 13, 8, 0, tzinfo=WIB), SLOT, WINDOW, "Asia/Makassar"
    )
    assert refusal is not None
    assert "between 10:30 WITA and 11:15 WITA" in refusal.message  # 09:30 WIB is 10:30 WITA


def test_reminders_are_planned_the_day_before_and_shortly_before_unless_already_past():
    day, soon = timedelta(hours=24), timedelta(minutes=60)
    booked_early = reminder_plan(SLOT, SLOT - timedelta(days=3), day, soon)
    assert [(r.kind, r.due_at) for r in booked_early] == [
        ("day_before", SLOT - day),
        ("soon", SLOT - soon),
    ]
    assert [r.kind for r in reminder_plan(SLOT, SLOT - timedelta(hours=5), day, soon)] == ["soon"]
    assert reminder_plan(SLOT, SLOT - timedelta(minutes=30), day, soon) == []


def test_when_several_reminders_are_due_only_the_latest_is_sent_and_none_after_the_start():
    plan = reminder_plan(SLOT, SLOT - timedelta(days=3), timedelta(hours=24), timedelta(hours=1))
    step = reminder_step(plan, SLOT - timedelta(minutes=30), SLOT)
    assert step.send is not None and step.send.kind == "soon" and step.remaining == []
    assert reminder_step(plan, SLOT + timedelta(minutes=1), SLOT).send is None
    waiting = reminder_step(plan, SLOT - timedelta(hours=30), SLOT)
    assert waiting.send is None and len(waiting.remaining) == 2
