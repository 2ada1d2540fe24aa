"""The ceiling later benchmarks are compared with, measured on the embedded stand-ins.

* store: take a number with one atomic ``find_one_and_update($inc)``, then ``insert_one`` —
  sequentially and 16-way; and the same number followed by an insert-only transaction of a
  document plus its outbox record (the shape every service's write path has);
* broker: latency of an acknowledged produce;
* gateway: a trivial route through the gateway versus the same route direct;
* RSS of each process.

``python -m bench.ceiling``
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient, ReturnDocument

from bench.harness import Infra, Row, embedded_infra, report, row, rss_mb, timed_calls
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, ManagedProcess, free_port

TOTAL = 2000


async def store_rows(infra: Infra) -> list[Row]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo_uri, tz_aware=True, maxPoolSize=EMBEDDED_POOL_SIZE
    )
    db = client["bench_ceiling"]
    for name in ("counters", "docs", "outbox"):
        await db.create_collection(name)
    rows = []
    for concurrency in (1, 16):
        counter_id = f"c{concurrency}"
        rows += await _store_pair(client, db, counter_id, concurrency)
    await client.close()
    return rows


async def _store_pair(client: Any, db: Any, counter_id: str, concurrency: int) -> list[Row]:
    rows = []
    await db.counters.update_one({"_id": counter_id}, {"$setOnInsert": {"n": 0}}, upsert=True)

    async def number_then_insert(i: int) -> None:
        doc = await db.counters.find_one_and_update(
            {"_id": counter_id}, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER
        )
        await db.docs.insert_one({"n": doc["n"], "c": counter_id})

    seconds, latencies = await timed_calls(number_then_insert, TOTAL, concurrency)
    rows.append(
        row(
            f"store: find_one_and_update($inc) + insert_one, c={concurrency}",
            seconds,
            latencies,
        )
    )

    async def number_then_transaction(i: int) -> None:
        doc = await db.counters.find_one_and_update(
            {"_id": counter_id}, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER
        )

        async def write(session: Any) -> None:
            await db.docs.insert_one({"n": doc["n"], "c": counter_id, "tx": True}, session=session)
            await db.outbox.insert_one({"event": "x", "n": doc["n"]}, session=session)

        async with client.start_session() as session:
            await session.with_transaction(write)

    seconds, latencies = await timed_calls(number_then_transaction, TOTAL, concurrency)
    rows.append(row(f"store: $inc + tx(insert doc + outbox), c={concurrency}", seconds, latencies))
    return rows


async def broker_rows(infra: Infra) -> list[Row]:
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, acks="all")
    await producer.start()
    topic = f"bench.ceiling.{uuid.uuid4().hex[:6]}"
    await producer.send_and_wait(topic, b"warm-up")
    rows = []
    for concurrency in (1, 16):

        async def produce(i: int) -> None:
            await producer.send_and_wait(topic, b'{"n": %d}' % i, key=b"k%d" % (i % 8))

        seconds, latencies = await timed_calls(produce, TOTAL, concurrency)
        rows.append(row(f"broker: acknowledged produce, c={concurrency}", seconds, latencies))
    await producer.stop()
    return rows


async def gateway_rows(infra: Infra, tmp_logs: Any) -> tuple[list[Row], dict[str, float]]:
    """A trivial route (``/healthz`` of the catalog) direct and through the gateway."""
    catalog_port, gateway_port = free_port(), free_port()
    env = {
        "MPP_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "MPP_MONGO_URI": infra.mongo_uri,
        "MPP_JWT_SECRET": "bench-secret-bench-secret-bench-secret",
        "MPP_CATALOG_URL": f"http://127.0.0.1:{catalog_port}",
        "MPP_LOG_LEVEL": "WARNING",
        "MPP_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    processes = [
        ManagedProcess(
            name,
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"mpp_{name}.main:app",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            tmp_logs / f"{name}.log",
            port,
            env=env,
        )
        for name, port in (("catalog", catalog_port), ("gateway", gateway_port))
    ]
    for process in processes:
        process.start()
    rows = []
    try:
        for process in processes:
            process.wait_listening(60)
        async with httpx.AsyncClient() as http:
            for label, url in (
                (
                    "direct to the service",
                    f"http://127.0.0.1:{catalog_port}/api/v1/catalog/agencies",
                ),
                ("through the gateway", f"http://127.0.0.1:{gateway_port}/api/v1/catalog/agencies"),
            ):
                await http.get(url)

                async def call(i: int, url: str = url) -> None:
                    response = await http.get(url)
                    response.raise_for_status()

                seconds, latencies = await timed_calls(call, 1000, 16)
                rows.append(
                    row(f"http: GET /api/v1/catalog/agencies {label}, c=16", seconds, latencies)
                )
        memory = {
            f"rss_mb.{p.name}": round(rss_mb(p.process.pid), 1) for p in processes if p.process
        }
    finally:
        for process in processes:
            process.stop()
    return rows, memory


async def main() -> None:
    with embedded_infra() as infra:
        rows = await store_rows(infra)
        rows += await broker_rows(infra)
        notes: dict[str, Any] = {}
        from importlib.util import find_spec

        if find_spec("mpp_catalog") and find_spec("mpp_gateway.main"):
            gateway, memory = await gateway_rows(infra, infra.broker.log_path.parent)
            rows += gateway
            notes.update(memory)
        notes["rss_mb.tansu"] = (
            round(rss_mb(infra.broker.process.pid), 1) if infra.broker.process else 0
        )
        notes["rss_mb.secantusdb"] = (
            round(rss_mb(infra.store.process.pid), 1) if infra.store.process else 0
        )
        notes["cpus"] = os.cpu_count()
    report("ceiling", rows, notes)


if __name__ == "__main__":
    asyncio.run(main())
