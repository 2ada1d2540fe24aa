"""Masking and hashing of personal data (UU 27/2022 PDP: collect least, mask in logs, hash NIK)."""

from __future__ import annotations

import hashlib
import hmac
import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# NIK is 16 digits; Indonesian phone numbers are +62/62/0 followed by 8-13 digits.
_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\d])(\+?62|0)(\d{2})[\d -]{5,12}(\d{2})(?!\d)")


def mask_email(email: str) -> str:
    """``budi@example.id`` → ``b***@example.id``."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", email)


def mask_phone(phone: str) -> str:
    """``+6281234567890`` → ``+6281******90``: enough to recognise, not to call."""
    digits = phone.strip()
    if len(digits) <= 6:
        return "***"
    return f"{digits[:5]}{'*' * (len(digits) - 7)}{digits[-2:]}"


def mask_nik(nik: str) -> str:
    """``3201234567890001`` → ``3201********0001``."""
    return f"{nik[:4]}{'*' * (len(nik) - 8)}{nik[-4:]}" if len(nik) > 8 else "***"


def mask_text(text: str) -> str:
    """Mask every e-mail address, NIK and phone number found in free text (for logs)."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _NIK.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}{m.group(2)}******{m.group(3)}", text)


def keyed_hash(value: str, key: bytes) -> str:
    """A keyed hash for matching personal data without storing it (e.g. NIK)."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
