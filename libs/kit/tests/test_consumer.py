"""Idempotent consumers: one side effect per event, offsets after handling, poison to the DLQ."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from mpp_testing import EventReader, eventually, running_app, settings_env
from sample_service import THING_CREATED

from mpp_cli.embedded import free_port
from mpp_kit.clock import utcnow
from mpp_kit.events import Envelope, new_event_id
from mpp_kit.settings import KitSettings


def _record(thing_id: str, group: str = "a", event_id: str | None = None) -> tuple[bytes, list]:
    envelope = Envelope(
        id=event_id or new_event_id(),
        type=THING_CREATED.ce_type,
        source="/mpp/test",
        time=utcnow(),
        data=json.dumps({"thing_id": thing_id, "group": group}).encode(),
    )
    return envelope.data, envelope.kafka_headers()


async def _produce(bootstrap: str, topic: str, *records: tuple[bytes, list]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value, headers in records:
            await producer.send_and_wait(topic, value=value, key=b"a", headers=headers)
    finally:
        await producer.stop()


async def _total(service, group: str = "a") -> int:
    doc = await service.runtime.db.counts.find_one({"_id": group})
    return doc["total"] if doc else 0


async def test_redelivered_event_changes_state_once(sample, infra):
    service = sample(consume=True)
    topic = service.runtime.settings.topic(THING_CREATED.topic)
    event_id = new_event_id()
    async with running_app(service.app):
        await eventually(lambda: _consumer_ready(service))
        await _produce(infra.bootstrap, topic, *[_record("x", event_id=event_id)] * 3, _record("y"))
        await eventually(lambda: _handled(service, 2))
        await asyncio.sleep(0.5)
        assert await _total(service) == 2
        assert service.handled.count(event_id) == 1
        assert await service.runtime.db.processed_events.count_documents({}) == 2


async def test_poison_event_is_dead_lettered_after_retries_and_the_consumer_goes_on(sample, infra):
    service = sample(consume=True, consumer_max_attempts=3)
    topic = service.runtime.settings.topic(THING_CREATED.topic)
    async with (
        running_app(service.app),
        EventReader(infra.bootstrap, f"{topic}.dlq") as dlq,
    ):
        await eventually(lambda: _consumer_ready(service))
        await _produce(infra.bootstrap, topic, _record("poison-1"), _record("fine"))
        [parked] = await dlq.read(1)
        await eventually(lambda: _handled(service, 1))
        assert await _total(service) == 1
        # Nothing of the failed attempts was written.
        assert await service.runtime.db.processed_events.count_documents({}) == 1
    assert json.loads(parked.value)["thing_id"] == "poison-1"
    assert EventReader.header(parked, "dlq_attempts") == "3"
    assert EventReader.header(parked, "dlq_error_type") == "ValueError"
    assert "cannot handle poison" in EventReader.header(parked, "dlq_error")
    assert EventReader.header(parked, "dlq_original_topic") == topic
    assert EventReader.header(parked, "ce_type") == THING_CREATED.ce_type


async def test_unreadable_record_is_dead_lettered_without_retrying(sample, infra):
    service = sample(consume=True)
    topic = service.runtime.settings.topic(THING_CREATED.topic)
    async with running_app(service.app), EventReader(infra.bootstrap, f"{topic}.dlq") as dlq:
        await eventually(lambda: _consumer_ready(service))
        value, headers = _record("fine")
        await _produce(
            infra.bootstrap, topic, (b"not json", headers[:1] + headers[2:]), (b"{}", headers)
        )
        parked = await dlq.read(2)
    assert {EventReader.header(r, "dlq_attempts") for r in parked} == {"0"}


async def test_offset_is_committed_only_after_handling_so_a_killed_consumer_loses_nothing(
    sample, settings_for, infra
):
    settings = settings_for(KitSettings, "sample")
    topic = settings.topic(THING_CREATED.topic)
    port = free_port()
    env = {**os.environ, **settings_env(settings), "SAMPLE_GATE_CLOSED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "sample_service:app_from_env",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).parent,
        env=env,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await eventually(lambda: _ready_over_http(client), timeout=60)
        await _produce(infra.bootstrap, topic, _record("slow-1"))
        await asyncio.sleep(1.5)  # the handler has the record and is stuck in it
    finally:
        process.kill()  # the service dies mid-flow, without a chance to commit anything
        process.wait()

    # A new replica of the same service (same group and database) gets the record again. The dead
    # replica's open transaction holds its writes until the store reaps it (60 s, as mongod does).
    second = sample(consume=True)
    async with running_app(second.app):
        await eventually(lambda: _handled(second, 1), timeout=120)
        assert await _total(second) == 1


async def _ready_over_http(client) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _consumer_ready(service) -> bool:
    return service.runtime.bus_ready.is_set()


async def _handled(service, count: int) -> bool:
    return len(service.handled) >= count
