"""Who booked: phone numbers and NIK checked and normalised; the keys of "the same person".

One person (phone number or NIK hash) holds at most one active booking per service per day
(DOMAIN.md, Booking). NIK is personal data: it is kept only as a keyed hash, shown masked
(DOMAIN.md, Personal data; UU 27/2022). Phone numbers are kept for reminders, and matched by a
keyed hash too, so the claim that enforces the rule holds no number in clear.
"""

from __future__ import annotations

import re
from datetime import date

from mpp_kit.personal_data import keyed_hash

_SEPARATORS = re.compile(r"[\s().-]")

# Province codes that open a NIK (Kemendagri region codes; 91-96: the Papua provinces).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53}
    | {61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)


def normalise_phone(raw: str) -> str:
    """An Indonesian number as E.164: ``0812-3456-7890``, ``62812…``, ``+62812…`` →
    ``+6281234567890``. Raises ``ValueError`` saying what is wrong."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        raise ValueError("must be an Indonesian number starting with 0, 62 or +62")
    # Country code 62 (E.164); the national number is 8-12 digits and never starts with 0 or 1.
    if not national.isdigit() or not 8 <= len(national) <= 12 or national[0] in "01":
        raise ValueError("is not a valid Indonesian phone number (e.g. 0812 3456 7890)")
    return "+62" + national


def check_nik(raw: str) -> str:
    """A NIK's basic structure, or ``ValueError``: 16 digits = region (province, regency or
    city, district: 2+2+2), birth date DDMMYY with 40 added to the day for women, and a serial
    (UU 24/2013 on population administration; Dukcapil numbering)."""
    nik = _SEPARATORS.sub("", raw.strip())
    if not (len(nik) == 16 and nik.isdigit()):
        raise ValueError("must be 16 digits")
    if int(nik[0:2]) not in PROVINCE_CODES:
        raise ValueError("does not start with a province code")
    if nik[2:4] == "00" or nik[4:6] == "00":
        raise ValueError("has no regency or district code")
    day, month = int(nik[6:8]), int(nik[8:10])
    day = day - 40 if day > 40 else day
    try:
        date(2000, month, day)  # a leap year, so 29 February passes
    except ValueError:
        raise ValueError("does not hold a valid birth date (DDMMYY)") from None
    if nik[12:16] == "0000":
        raise ValueError("has no serial number")
    return nik


def person_keys(phone: str | None, nik: str | None, email: str | None, key: bytes) -> list[str]:
    """The keys that identify the person of a booking: phone and NIK (DOMAIN.md, Booking); a
    booking with neither is matched by its e-mail address, so the rule cannot be sidestepped."""
    keys = []
    if phone is not None:
        keys.append("phone:" + keyed_hash(f"phone:{phone}", key))
    if nik is not None:
        keys.append("nik:" + nik_hash(nik, key))
    if not keys and email is not None:
        keys.append("email:" + keyed_hash(f"email:{email.lower()}", key))
    return keys


def nik_hash(nik: str, key: bytes) -> str:
    return keyed_hash(f"nik:{nik}", key)
