"""The booking code a person reads, types at the kiosk, or scans as a QR code."""

from __future__ import annotations

import re
import secrets

# Short and unambiguous: no 0/O and no 1/I (DOMAIN.md, Booking). 32 symbols, 6 of them:
# about a billion codes, so a guessed code is almost never someone's booking.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6
_SEPARATORS = re.compile(r"[\s-]")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """As typed (``k7qx-4m``) → ``K7QX4M``; ``None`` if it cannot be a booking code."""
    code = _SEPARATORS.sub("", text).upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code
