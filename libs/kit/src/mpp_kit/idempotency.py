"""``Idempotency-Key`` for creating calls: a repeated request gets the first answer again.

The first response is stored in the same transaction as what it created, so either both exist
or neither does; a concurrent duplicate loses on the unique ``_id`` and replays the winner.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database, Session
from mpp_kit.problems import Problem, invalid_field

IDEMPOTENCY = "idempotency_keys"
KEEP_FOR = timedelta(hours=24)


def fingerprint(body: Any) -> str:
    """A stable hash of the request, so a key reused for a different request is refused."""
    return hashlib.sha256(repr(body).encode()).hexdigest()


def validate_key(key: str | None) -> str | None:
    if key is not None and not (1 <= len(key) <= 128 and key.isprintable()):
        raise invalid_field("Idempotency-Key", "must be 1-128 printable characters", status=400)
    return key


async def prepare(db: Database) -> None:
    await db[IDEMPOTENCY].create_index(
        "created_at", expireAfterSeconds=int(KEEP_FOR.total_seconds())
    )


async def replay(db: Database, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
    """The stored response for this key, or ``None`` if the request is new."""
    stored = await db[IDEMPOTENCY].find_one({"_id": f"{scope}:{key}"})
    if stored is None:
        return None
    if stored["request_hash"] != request_hash:
        raise Problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was already used for a different request.",
            kind="idempotency-key-reused",
        )
    response: dict[str, Any] = stored["response"]
    return response


async def remember(
    session: Session,
    db: Database,
    scope: str,
    key: str,
    request_hash: str,
    response: dict[str, Any],
) -> None:
    """Store the response inside the creating transaction."""
    await db[IDEMPOTENCY].insert_one(
        {
            "_id": f"{scope}:{key}",
            "request_hash": request_hash,
            "response": response,
            "created_at": utcnow(),
        },
        session=session,
    )


Work = Callable[[Session], Awaitable[dict[str, Any]]]


async def once(
    transaction: Callable[[Work], Awaitable[dict[str, Any]]],
    db: Database,
    scope: str,
    key: str | None,
    request: Any,
    work: Work,
) -> dict[str, Any]:
    """Run ``work`` (which returns the response) through ``transaction``, at most once per key."""
    if key is None:
        return await transaction(work)
    request_hash = fingerprint(request)
    if (stored := await replay(db, scope, key, request_hash)) is not None:
        return stored

    async def work_and_remember(session: Session) -> dict[str, Any]:
        response = await work(session)
        await remember(session, db, scope, key, request_hash, response)
        return response

    try:
        return await transaction(work_and_remember)
    except (DuplicateKeyError, Problem):
        # A concurrent twin may have won the race (its write makes ours fail): answer as it did.
        if (stored := await replay(db, scope, key, request_hash)) is not None:
            return stored
        raise
