"""A service's connections and background work: store, bus, outbox relay, consumers, jobs.

Services build one :class:`ServiceRuntime`, register handlers and jobs on it, and hand it to
:func:`mpp_kit.http.create_app`, which starts and stops it with the web server. The service
comes up even while Kafka is down (events wait in the outbox) and connects when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from mpp_kit import idempotency
from mpp_kit.consumer import PROCESSED, EventConsumers, Handler
from mpp_kit.events import EventType
from mpp_kit.logging import get_logger
from mpp_kit.mongo import STORE_UNAVAILABLE, Session, connect, ensure_collection, in_transaction
from mpp_kit.outbox import OUTBOX, Outbox, OutboxRelay
from mpp_kit.settings import KitSettings
from mpp_kit.topics import dead_letter_topic, ensure_topics

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)
_log = get_logger(__name__)


class ServiceRuntime:
    """Everything a service process holds open, in one place."""

    def __init__(
        self,
        settings: KitSettings,
        *,
        publishes: list[EventType[Any]] | None = None,
        uses_bus: bool = True,
    ):
        """``uses_bus=False``: a process that neither publishes nor consumes (the gateway) never
        connects to the broker, and is ready when its store answers."""
        self.settings = settings
        self.uses_bus = uses_bus
        self.client = connect(settings.mongo_uri, max_pool_size=settings.mongo_max_pool_size)
        self.db = self.client[settings.database_name]
        self.outbox = Outbox(self.db)
        self.publishes = publishes or []
        self.consumers = EventConsumers(
            settings, self.client, self.db, self._send_raw, after_commit=self.outbox.notify
        )
        self.producer: AIOKafkaProducer | None = None
        self.bus_ready = asyncio.Event()
        self._relay: OutboxRelay | None = None
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self._jobs: list[tuple[float, Callable[[], Awaitable[None]]]] = []
        self._background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def on(self, event_type: EventType[P]) -> Callable[[Handler], Handler]:
        """Decorator: consume ``event_type`` idempotently (see :mod:`mpp_kit.consumer`)."""
        return self.consumers.on(event_type)

    def on_startup(self, hook: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Decorator: run once at start, before serving (indexes, read models)."""
        self._startup.append(hook)
        return hook

    def every(self, seconds: float) -> Callable[[Callable[[], Awaitable[None]]], Any]:
        """Decorator: run a job periodically; a failing run is logged and retried next time."""

        def register(job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
            self._jobs.append((seconds, job))
            return job

        return register

    def background(
        self, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        """Decorator: run ``work`` as a task from start until stop (it is cancelled at stop)."""
        self._background.append(work)
        return work

    async def transaction(self, work: Callable[[Session], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction; wake the relay once its events are committed."""
        result = await in_transaction(self.client, work)
        self.outbox.notify()
        return result

    async def publish(self, session: Session, event_type: EventType[P], payload: P) -> str:
        """Record an event in the running transaction (it leaves after the commit)."""
        return await self.outbox.add(session, event_type, payload)

    async def start(self) -> None:
        for name in (OUTBOX, PROCESSED, idempotency.IDEMPOTENCY):
            await ensure_collection(self.db, name)
        await self.outbox.prepare()
        await idempotency.prepare(self.db)
        await self.db[PROCESSED].create_index("at", expireAfterSeconds=30 * 24 * 3600)
        for hook in self._startup:
            await hook()
        if self.uses_bus:
            self._tasks.append(asyncio.create_task(self._connect_bus(), name="connect-bus"))
        for seconds, job in self._jobs:
            self._tasks.append(asyncio.create_task(self._repeat(seconds, job), name=job.__name__))
        for work in self._background:
            self._tasks.append(asyncio.create_task(work(), name=work.__name__))

    async def stop(self) -> None:
        """Stop consuming, let in-flight work finish, drain the outbox, close connections."""
        self._stopping = True
        await self.consumers.stop()
        if self._relay is not None:
            self._relay.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._relay is not None and self.producer is not None:
            await self._relay.drain()
        if self.producer is not None:
            await self.producer.stop()
        await self.client.close()

    async def readiness(self) -> dict[str, bool]:
        """Whether the store and the broker answer now."""
        store = True
        try:
            await asyncio.wait_for(self.client.admin.command("ping"), 2.0)
        except (TimeoutError, *STORE_UNAVAILABLE):
            store = False
        if not self.uses_bus:
            return {"store": store}
        broker = False
        if self.producer is not None and self.bus_ready.is_set():
            with contextlib.suppress(Exception):
                broker = bool(
                    await asyncio.wait_for(self.producer.client.force_metadata_update(), 2.0)
                )
        return {"store": store, "broker": broker}

    async def _connect_bus(self) -> None:
        backoff = 0.5
        while not self._stopping:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                acks="all",
                request_timeout_ms=10_000,
            )
            try:
                await producer.start()
                if self.settings.kafka_create_topics:
                    consumed = self.consumers.topics
                    own = [self.settings.topic(t.topic) for t in self.publishes]
                    await self._create_topics({*own, *consumed, *map(dead_letter_topic, consumed)})
                self.producer = producer
                await self.consumers.start()
                break
            except Exception as exc:
                self.producer = None
                await producer.stop()
                _log.warning("broker unreachable", error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        if self._stopping:
            # stop() began while we connected, and its cancel can be lost inside aiokafka
            # (Python 3.11's wait_for may swallow it): leave now; stop() closes the producer.
            await self.consumers.stop()
            return
        self.bus_ready.set()
        self._relay = OutboxRelay(
            self.db,
            self.outbox,
            producer,
            topic_prefix=self.settings.topic_prefix,
            poll_seconds=self.settings.outbox_poll_seconds,
            prepare_topics=self._create_topics if self.settings.kafka_create_topics else None,
        )
        _log.info("connected to the bus", consumes=self.consumers.topics)
        await self._relay.run()

    async def _create_topics(self, topics: set[str]) -> None:
        await ensure_topics(
            self.settings.kafka_bootstrap_servers, topics, self.settings.kafka_partitions
        )

    async def _send_raw(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        if self.producer is None:
            raise RuntimeError("not connected to the broker")
        await self.producer.send_and_wait(topic, value=value, key=key, headers=headers)

    async def _repeat(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception as exc:
                _log.error("job failed", job=job.__name__, error=repr(exc))
