"""Staff passwords: argon2id hashes, computed off the event loop (each takes tens of ms)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked when the username is unknown, so that answer takes as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash("no user has this password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash=None`` (no such user) costs the same time."""
    try:
        return await asyncio.to_thread(
            _hasher.verify, stored_hash or _UNKNOWN_USER_HASH, password
        ) and (stored_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
