"""Recipients' addresses: phone numbers normalised to E.164 (+62…), e-mail addresses checked.

One person's address always normalises to the same text, so its keyed hash identifies the
recipient for de-duplication and the rate limit without storing the address in the log.
"""

from __future__ import annotations

import re
from typing import Literal

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEPARATORS = re.compile(r"[\s().-]")

NumberFormat = Literal["local", "international", "e164"]


def normalise_phone(raw: str) -> str | None:
    """``0812-3456-7890``, ``62812…`` or ``+62812…`` → ``+6281234567890``; else ``None``.

    Indonesian numbers: trunk prefix 0 or country code 62, then 8–13 digits.
    """
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.isdigit() or not 10 <= len(digits) <= 15:
        return None
    return "+" + digits


def normalise_email(raw: str) -> str | None:
    address = raw.strip()
    if not _EMAIL.match(address) or len(address) > 254:
        return None
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def format_phone(e164: str, style: NumberFormat) -> str:
    """An E.164 number as a provider wants it: ``0812…``, ``62812…`` or ``+62812…``."""
    if style == "e164":
        return e164
    digits = e164.lstrip("+")
    if style == "local" and digits.startswith("62"):
        return "0" + digits[2:]
    return digits
