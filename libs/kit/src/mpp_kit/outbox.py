"""Transactional outbox: events are stored with the state change, then relayed to Kafka.

A service calls :meth:`Outbox.add` inside the same transaction as its write, so an event exists
exactly when its change does. :class:`OutboxRelay` publishes pending records in order and marks
them sent. Only the replica holding the relay lease publishes, so several replicas never publish
the same record twice in normal operation; a broker outage only delays events (the relay backs off
and resumes), and a crash between publish and mark means a redelivery that consumers absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from bson import ObjectId
from pydantic import BaseModel
from pymongo import ASCENDING, ReturnDocument

from mpp_kit.clock import utcnow
from mpp_kit.events import Envelope, EventType, new_event_id
from mpp_kit.logging import get_logger
from mpp_kit.metrics import EVENTS_PUBLISH_FAILED, EVENTS_PUBLISHED, OUTBOX_BACKLOG
from mpp_kit.mongo import STORE_UNAVAILABLE, Database, Session, ensure_collection
from mpp_kit.tracing import request_id_var, traceparent_var

OUTBOX = "outbox"
LEASE = "outbox_lease"
_log = get_logger(__name__)


class Outbox:
    """Records events in the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self._records = db[OUTBOX]
        self._wake = asyncio.Event()

    async def prepare(self) -> None:
        await ensure_collection(self._records.database, OUTBOX)
        await ensure_collection(self._records.database, LEASE)
        await self._records.create_index([("status", ASCENDING), ("_id", ASCENDING)])
        # Sent records are kept a week for inspection, then expire.
        await self._records.create_index("sent_at", expireAfterSeconds=7 * 24 * 3600)
        # The lease document exists before replicas compete for it (see ARCHITECTURE.md on upserts).
        await self._records.database[LEASE].update_one(
            {"_id": "relay"}, {"$setOnInsert": {"owner": None, "until": utcnow()}}, upsert=True
        )

    async def add(
        self,
        session: Session,
        event_type: EventType[Any],
        payload: BaseModel,
        *,
        subject: str | None = None,
    ) -> str:
        """Store one event in the running transaction; returns its CloudEvents id."""
        if not isinstance(payload, event_type.payload):
            raise TypeError(f"{event_type.ce_type} carries {event_type.payload.__name__}")
        event_id = new_event_id()
        extensions = {}
        if request_id := request_id_var.get():
            extensions["ce_requestid"] = request_id
        if traceparent := traceparent_var.get():
            extensions["ce_traceparent"] = traceparent
        await self._records.insert_one(
            {
                "_id": ObjectId(),
                "ce_id": event_id,
                "ce_type": event_type.ce_type,
                "ce_source": event_type.source,
                "ce_subject": subject,
                "ce_time": utcnow(),
                "topic": event_type.topic,
                "key": event_type.key(payload),
                "extensions": extensions,
                "data": payload.model_dump_json(),
                "status": "pending",
            },
            session=session,
        )
        return event_id

    def notify(self) -> None:
        """Wake the relay of this process after a commit, so events leave at once."""
        self._wake.set()

    async def wait_for_work(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()


class OutboxRelay:
    """Publishes pending outbox records in ``_id`` order while holding the relay lease."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        producer: AIOKafkaProducer,
        *,
        topic_prefix: str = "",
        poll_seconds: float = 0.25,
        lease_seconds: float = 15.0,
        batch_size: int = 200,
        prepare_topics: Callable[[set[str]], Awaitable[None]] | None = None,
    ) -> None:
        self._records = db[OUTBOX]
        self._lease = db[LEASE]
        self._outbox = outbox
        self._producer = producer
        self._prefix = topic_prefix
        self._poll = poll_seconds
        self._lease_for = timedelta(seconds=lease_seconds)
        self._batch_size = batch_size
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{new_event_id()[:8]}"
        self._stopping = asyncio.Event()
        self._prepare_topics = prepare_topics
        self._recovering = False
        self._held_until: datetime | None = None

    async def run(self) -> None:
        """Publish until :meth:`stop`; never raises for a broker or store outage."""
        backoff = self._poll
        while not self._stopping.is_set():
            try:
                published = await self.publish_pending() if await self._hold_lease() else None
                backoff = self._poll
                if not published:
                    await self._outbox.wait_for_work(self._poll)
            except (KafkaError, *STORE_UNAVAILABLE, OSError) as exc:
                _log.warning("outbox relay paused", error=str(exc), retry_in=backoff)
                self._recovering = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.notify()

    async def drain(self, timeout: float = 10.0) -> None:
        """Publish what is pending before shutdown (best effort within ``timeout``)."""
        with contextlib.suppress(TimeoutError, KafkaError, *STORE_UNAVAILABLE):
            async with asyncio.timeout(timeout):
                while await self._hold_lease() and await self.publish_pending():
                    pass
        await self._release_lease()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many records were published."""
        batch = (
            await self._records.find({"status": "pending"})
            .sort("_id", ASCENDING)
            .limit(self._batch_size)
            .to_list()
        )
        OUTBOX_BACKLOG.set(len(batch) if len(batch) < self._batch_size else await self.backlog())
        if not batch:
            return 0
        if self._recovering:
            await self._recover({f"{self._prefix}{r['topic']}" for r in batch})
        # Send in order without waiting between records: aiokafka keeps per-partition order.
        sent = [
            await self._producer.send(
                f"{self._prefix}{record['topic']}",
                value=record["data"].encode(),
                key=record["key"].encode(),
                headers=_envelope(record).kafka_headers(),
            )
            for record in batch
        ]
        results = await asyncio.gather(*sent, return_exceptions=True)
        done = [
            r["_id"]
            for r, result in zip(batch, results, strict=True)
            if not isinstance(result, BaseException)
        ]
        if done:
            await self._records.update_many(
                {"_id": {"$in": done}}, {"$set": {"status": "sent", "sent_at": utcnow()}}
            )
        for record, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                EVENTS_PUBLISH_FAILED.labels(record["ce_type"]).inc()
            else:
                EVENTS_PUBLISHED.labels(record["ce_type"]).inc()
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise KafkaError(f"{len(failures)} of {len(batch)} events not published: {failures[0]}")
        return len(done)

    async def _recover(self, topics: set[str]) -> None:
        """After an outage the broker may be a new one (the embedded broker keeps topics in
        memory): recreate the topics and refresh metadata before sending with stale partitions."""
        if self._prepare_topics is not None:
            await self._prepare_topics(topics)
        await self._producer.client.force_metadata_update()
        self._recovering = False

    async def backlog(self) -> int:
        return await self._records.count_documents({"status": "pending"})

    async def _hold_lease(self) -> bool:
        """Take or renew the lease; renewing only past half its term keeps idle writes rare."""
        now = utcnow()
        if self._held_until is not None and now < self._held_until - self._lease_for / 2:
            return True
        held = await self._lease.find_one_and_update(
            {"_id": "relay", "$or": [{"owner": self._owner}, {"until": {"$lt": now}}]},
            {"$set": {"owner": self._owner, "until": now + self._lease_for}},
            return_document=ReturnDocument.AFTER,
        )
        self._held_until = now + self._lease_for if held is not None else None
        return held is not None

    async def _release_lease(self) -> None:
        self._held_until = None
        with contextlib.suppress(*STORE_UNAVAILABLE):
            await self._lease.update_one(
                {"_id": "relay", "owner": self._owner}, {"$set": {"owner": None, "until": utcnow()}}
            )


def _envelope(record: dict[str, Any]) -> Envelope:
    return Envelope(
        id=record["ce_id"],
        type=record["ce_type"],
        source=record["ce_source"],
        time=record["ce_time"],
        subject=record.get("ce_subject"),
        data=record["data"].encode(),
        extensions=record.get("extensions") or {},
    )
