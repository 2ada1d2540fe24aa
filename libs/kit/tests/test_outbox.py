"""The outbox: nothing lost while the broker is down, nothing published twice, order per key."""

from __future__ import annotations

import asyncio
import json

from mpp_testing import EventReader, eventually, running_app
from sample_service import THING_CREATED


async def test_events_are_published_with_cloudevents_headers(sample, infra):
    service = sample()
    topic = service.runtime.settings.topic(THING_CREATED.topic)
    async with running_app(service.app) as client, EventReader(infra.bootstrap, topic) as reader:
        response = await client.post(
            "/things", json={"thing_id": "t1", "group": "a"}, headers={"X-Request-ID": "req-42"}
        )
        assert response.status_code == 201
        [record] = await reader.read(1)
    assert json.loads(record.value) == {"thing_id": "t1", "group": "a", "seq": 0}
    assert record.key == b"a"
    assert EventReader.header(record, "ce_specversion") == "1.0"
    assert EventReader.header(record, "ce_type") == "id.mpp.sample.thing-created.v1"
    assert EventReader.header(record, "ce_source") == "/mpp/sample"
    assert EventReader.header(record, "content-type") == "application/json"
    assert EventReader.header(record, "ce_id")
    # The request id of the request that caused the event travels with it.
    assert EventReader.header(record, "ce_requestid") == "req-42"
    assert EventReader.header(record, "ce_traceparent").startswith("00-")


async def test_event_written_while_broker_is_down_is_published_after_it_returns(sample, own_broker):
    service = sample(kafka_bootstrap_servers=f"127.0.0.1:{own_broker.port}")
    topic = service.runtime.settings.topic(THING_CREATED.topic)
    async with running_app(service.app) as client:
        await eventually(lambda: _ready(client))
        own_broker.stop()
        for n in range(5):
            response = await client.post(
                "/things", json={"thing_id": f"down{n}", "group": "a", "seq": n}
            )
            assert response.status_code == 201
        # Long enough for the producer's own retries to give up (request timeout 10 s).
        await asyncio.sleep(12.0)
        assert await service.runtime.db.outbox.count_documents({"status": "pending"}) == 5

        own_broker.start()  # a fresh, empty broker on the same port: only the outbox remembers
        own_broker.wait_listening()
        await eventually(lambda: _none_pending(service), timeout=60)
        async with EventReader(f"127.0.0.1:{own_broker.port}", topic) as reader:
            records = await reader.read(5)
            records = await reader.settle(1.0)
    assert [json.loads(r.value)["seq"] for r in records] == [0, 1, 2, 3, 4]


async def test_two_replicas_publish_each_event_once_and_in_order_per_key(sample, infra):
    first = sample()
    second = sample()  # same database and topics (same test), like two pods
    topic = first.runtime.settings.topic(THING_CREATED.topic)
    async with (
        running_app(first.app) as one,
        running_app(second.app) as two,
        EventReader(infra.bootstrap, topic) as reader,
    ):
        for n in range(40):
            client = one if n % 2 else two
            response = await client.post(
                "/things", json={"thing_id": f"r{n}", "group": "k", "seq": n}
            )
            assert response.status_code == 201
        await reader.read(40)
        records = await reader.settle(1.5)
    assert sorted(json.loads(r.value)["seq"] for r in records) == list(range(40))
    assert len({EventReader.header(r, "ce_id") for r in records}) == 40
    assert [json.loads(r.value)["seq"] for r in records] == list(range(40))


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _none_pending(service) -> bool:
    return await service.runtime.db.outbox.count_documents({"status": "pending"}) == 0
