"""MongoDB access: one async client per process and the transaction helper everyone uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    CollectionInvalid,
    ConnectionFailure,
    OperationFailure,
    ServerSelectionTimeoutError,
)

T = TypeVar("T")

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Session = AsyncClientSession

# Errors that mean "the store is unreachable", not "this input is wrong".
STORE_UNAVAILABLE = (ConnectionFailure, ServerSelectionTimeoutError)


def connect(
    uri: str, *, max_pool_size: int = 100, timeout_ms: int = 5000
) -> AsyncMongoClient[Document]:
    """A client with UTC-aware datetimes; connections open lazily on first use."""
    return AsyncMongoClient(
        uri,
        maxPoolSize=max_pool_size,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        uuidRepresentation="standard",
    )


async def in_transaction(
    client: AsyncMongoClient[Document], work: Callable[[Session], Awaitable[T]]
) -> T:
    """Run ``work`` in one multi-document transaction, retried on transient conflicts.

    Everything ``work`` writes with the given session commits together or not at all:
    that is how state and its outbox records stay consistent.
    """
    async with client.start_session() as session:
        result: T = await session.with_transaction(work)
        return result


async def ensure_collection(db: Database, name: str) -> None:
    """Create a collection up front: transactions cannot create collections on every server."""
    try:
        await db.create_collection(name)
    except CollectionInvalid:
        pass  # it exists already (the driver checks first)
    except OperationFailure as exc:
        if exc.code != 48:  # NamespaceExists: a concurrent creator won
            raise
