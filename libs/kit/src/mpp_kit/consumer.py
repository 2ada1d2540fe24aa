"""Idempotent event consumers over FastStream: effectively-once handling of at-least-once delivery.

One Kafka consumer per service (its consumer group) subscribes to every topic the service handles.
For each record:

* the offset is committed only after handling (``AckPolicy.NACK_ON_ERROR``; FastStream's Kafka
  default acknowledges *before* the handler, which would lose events);
* the handler runs in a MongoDB transaction that also records the event's ``ce_id`` in
  ``processed_events`` (unique ``_id``), so a redelivered event changes nothing;
* a failing handler is retried ``consumer_max_attempts`` times, then the record goes to
  ``<topic>.dlq`` with the error in its headers, and the consumer moves on;
* while the store is unreachable nothing is dead-lettered: the record is redelivered later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import BaseModel, ValidationError
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from mpp_kit.clock import utcnow
from mpp_kit.events import Envelope, EventType
from mpp_kit.logging import get_logger
from mpp_kit.metrics import EVENTS_CONSUMED
from mpp_kit.mongo import STORE_UNAVAILABLE, Database, Document, Session, in_transaction
from mpp_kit.settings import KitSettings
from mpp_kit.topics import dead_letter_topic
from mpp_kit.tracing import request_id_var, traceparent_var

P = TypeVar("P", bound=BaseModel)
PROCESSED = "processed_events"
_log = get_logger(__name__)


@dataclass(frozen=True)
class Delivery(Generic[P]):
    """What a handler gets: the event, its payload, and the transaction to write in."""

    envelope: Envelope
    payload: P
    session: Session


Handler = Callable[[Delivery[Any]], Awaitable[None]]
SendRaw = Callable[[str, bytes, bytes | None, list[tuple[str, bytes]]], Awaitable[None]]


async def _raw_body(message: Any, original: Any = None) -> Any:
    return message.body


class _Duplicate(Exception):
    """The event was handled before; raised to abort the transaction without side effects."""


class EventConsumers:
    """The service's subscriptions: register handlers with :meth:`on`, then :meth:`start`."""

    def __init__(
        self,
        settings: KitSettings,
        client: AsyncMongoClient[Document],
        db: Database,
        send_raw: SendRaw,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._processed = db[PROCESSED]
        self._send_raw = send_raw
        self._after_commit = after_commit
        self._handlers: dict[str, tuple[EventType[Any], Handler]] = {}
        self._broker: KafkaBroker | None = None

    def on(self, event_type: EventType[P]) -> Callable[[Handler], Handler]:
        """Decorator: handle ``event_type`` (one handler per type and service)."""

        def register(handler: Handler) -> Handler:
            if event_type.ce_type in self._handlers:
                raise ValueError(f"{event_type.ce_type} already has a handler")
            self._handlers[event_type.ce_type] = (event_type, handler)
            return handler

        return register

    @property
    def topics(self) -> list[str]:
        return sorted({self._settings.topic(t.topic) for t, _ in self._handlers.values()})

    async def start(self) -> None:
        if not self._handlers:
            return
        session_ms = self._settings.kafka_session_timeout_ms
        broker = KafkaBroker(self._settings.kafka_bootstrap_servers, logger=None)
        broker.subscriber(
            *self.topics,
            group_id=self._settings.consumer_group,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(100, session_ms // 5),
            # aiokafka waits up to 500 ms for data by default; events should flow at once.
            fetch_max_wait_ms=50,
            decoder=_raw_body,  # we parse the CloudEvent ourselves; bad JSON must reach the DLQ
        )(self._receive)
        await broker.start()
        self._broker = broker

    async def stop(self) -> None:
        """Stop taking records; FastStream lets the record in hand finish first."""
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None

    async def _receive(self, message: KafkaMessage) -> None:
        record = message.raw_message
        assert isinstance(record, ConsumerRecord)  # a single-record subscriber, not a batch
        await self.handle_record(record.topic, list(record.headers), record.value, record.key)

    async def handle_record(
        self, topic: str, headers: list[tuple[str, bytes]], value: bytes, key: bytes | None
    ) -> str:
        """Handle one record; returns the outcome. Raises only to have the record redelivered."""
        try:
            envelope = Envelope.from_kafka(headers, value)
            event_type, handler = self._handlers[envelope.type]
            payload = event_type.payload.model_validate_json(envelope.data)
        except (ValueError, KeyError, ValidationError) as exc:
            # A record no handler can read will never succeed: park it straight away.
            await self._dead_letter(topic, headers, value, key, exc, attempts=0)
            EVENTS_CONSUMED.labels("unreadable", "dead_lettered").inc()
            return "dead_lettered"

        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, event_type=envelope.type
        ):
            request_token = request_id_var.set(envelope.extensions.get("ce_requestid"))
            trace_token = traceparent_var.set(envelope.extensions.get("ce_traceparent"))
            try:
                outcome = await self._handle_with_retries(
                    envelope, payload, handler, topic, headers, value, key
                )
            finally:
                request_id_var.reset(request_token)
                traceparent_var.reset(trace_token)
        EVENTS_CONSUMED.labels(envelope.type, outcome).inc()
        return outcome

    async def _handle_with_retries(
        self,
        envelope: Envelope,
        payload: BaseModel,
        handler: Handler,
        topic: str,
        headers: list[tuple[str, bytes]],
        value: bytes,
        key: bytes | None,
    ) -> str:
        attempts = self._settings.consumer_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                await in_transaction(
                    self._client, lambda s: self._handle_once(s, envelope, payload, handler)
                )
                self._after_commit()
                return "handled"
            except _Duplicate:
                return "duplicate"
            except STORE_UNAVAILABLE:
                _log.warning("store unreachable; event will be redelivered")
                await asyncio.sleep(1.0)
                raise
            except Exception as exc:
                EVENTS_CONSUMED.labels(envelope.type, "failed").inc()
                _log.warning("handler failed", attempt=attempt, error=repr(exc))
                if attempt == attempts:
                    await self._dead_letter(topic, headers, value, key, exc, attempts=attempt)
                    return "dead_lettered"
                await asyncio.sleep(0.1 * 2**attempt)
        raise AssertionError("unreachable")

    async def _handle_once(
        self, session: Session, envelope: Envelope, payload: BaseModel, handler: Handler
    ) -> None:
        try:
            await self._processed.insert_one(
                {"_id": envelope.id, "type": envelope.type, "at": utcnow()}, session=session
            )
        except DuplicateKeyError as exc:
            raise _Duplicate from exc
        await handler(Delivery(envelope=envelope, payload=payload, session=session))

    async def _dead_letter(
        self,
        topic: str,
        headers: list[tuple[str, bytes]],
        value: bytes,
        key: bytes | None,
        error: BaseException,
        *,
        attempts: int,
    ) -> None:
        extra = [
            ("dlq_error", repr(error)[:1000].encode()),
            ("dlq_error_type", type(error).__name__.encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_original_topic", topic.encode()),
            ("dlq_consumer_group", self._settings.consumer_group.encode()),
        ]
        await self._send_raw(dead_letter_topic(topic), value, key, headers + extra)
        _log.error("event dead-lettered", topic=topic, attempts=attempts, error=repr(error))
