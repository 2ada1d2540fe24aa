"""The booking service under load, on the embedded stand-ins, with the catalog, the booking and
the queue each running as its own uvicorn process (as ``mpp up`` runs them), called directly:

* 200 concurrent booking requests for one slot of capacity 10 → exactly 10 confirmed and 190
  clear refusals (``slot-full``), and how long the burst takes (several rounds, fresh slots),
  beside the same burst on the service's trivial ``/healthz`` (what HTTP alone costs here);
* availability of one service over its 14-day window (≈ 700 slots), p50/p99, c=1 and c=16;
* check-in → ticket issued: from the check-in request to the queue's ``ticket-issued`` event on
  the broker (booking tx + outbox → Kafka → queue consumer → ticket tx + outbox → Kafka), p99;
* for comparison, the write path alone (store only, no HTTP) in the service's shape (the slot's
  counter outside the transaction) and the other way (everything in one transaction), with 190
  refusals and with none: the hot counter inside a transaction collapses under contention.

``python -m bench.booking``
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient, ReturnDocument

from bench.harness import Infra, Row, embedded_infra, median, report, row, rss_mb, timed_calls
from mpp_catalog.testing import service_body
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, ManagedProcess, free_port
from mpp_kit.auth import Principal, Role, TokenKeys
from mpp_kit.settings import KitSettings

SECRET = "bench-secret-bench-secret-bench-secret"
CATALOG = "/api/v1/catalog"
BOOKING = "/api/v1/booking"
WIB = ZoneInfo("Asia/Jakarta")
BURST, CAPACITY, ROUNDS = 200, 10, 5
AVAILABILITY_CALLS = 300
CHECK_INS = 100
ALL_DAY = {
    d: [{"open": "00:00", "close": "24:00"}]
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
_phones = itertools.count(10_000_000)


def phone() -> str:
    return f"0813{next(_phones):08d}"


def service_process(
    name: str, infra: Infra, port: int, log_dir: Path, urls: dict[str, str]
) -> ManagedProcess:
    env = {
        "MPP_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "MPP_MONGO_URI": infra.mongo_uri,
        "MPP_MONGO_MAX_POOL_SIZE": str(EMBEDDED_POOL_SIZE),
        "MPP_JWT_SECRET": SECRET,
        "MPP_LOG_LEVEL": "WARNING",
        "MPP_KAFKA_SESSION_TIMEOUT_MS": "6000",
        **{f"MPP_{k.upper()}_URL": v for k, v in urls.items()},
    }
    args = [sys.executable, "-m", "uvicorn", f"mpp_{name}.main:app", "--port", str(port)]
    # Keep idle connections longer than the pauses between measurements: a connection the server
    # closes just as the client reuses it would show up as a failed request.
    args += ["--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "120"]
    return ManagedProcess(name, args, log_dir / f"{name}.log", port, env=env)


def admin_headers() -> dict[str, str]:
    keys = TokenKeys(KitSettings(jwt_secret=SECRET))
    token = keys.issue(
        Principal("bench", "bench", frozenset({Role.MPP_ADMIN}), None), timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {token}"}


async def until(probe: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := await probe():
                return value
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("timed out")


async def setup(catalog: httpx.AsyncClient, booking: httpx.AsyncClient) -> tuple[str, str]:
    """24/7 MPP; one agency with two bookable services: capacity 10 and capacity 500."""
    await until(lambda: _ready(catalog))
    (
        await catalog.patch(
            f"{CATALOG}/settings",
            json={"opening_hours": ALL_DAY, "observe_national_holidays": False},
        )
    ).raise_for_status()
    (
        await catalog.post(
            f"{CATALOG}/agencies", json={"code": "bench", "name": "Dinas Bench", "short_name": "DB"}
        )
    ).raise_for_status()
    ids = []
    for code, prefix, capacity in (("ten", "A", CAPACITY), ("many", "B", 500)):
        booking_settings = {
            "enabled": True,
            "slot_minutes": 30,
            "capacity_per_slot": capacity,
            "days_ahead": 14,
            "closes_minutes_before": 0,
        }
        body = service_body("bench", code, prefix, booking=booking_settings)
        response = await catalog.post(f"{CATALOG}/services", json=body)
        response.raise_for_status()
        ids.append(response.json()["id"])
    for service_id in ids:
        await until(lambda s=service_id: _offered(booking, s))
    return ids[0], ids[1]


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _offered(booking: httpx.AsyncClient, service_id: str) -> bool:
    return (
        await booking.get(f"{BOOKING}/availability", params={"service_id": service_id})
    ).status_code == 200


async def burst_rows(
    booking: httpx.AsyncClient, service_id: str
) -> tuple[list[Row], dict[str, Any]]:
    """Each round: 200 people at once for one fresh slot of capacity 10."""
    tomorrow = (datetime.now(WIB) + timedelta(days=1)).date()
    bursts, latencies, outcomes = [], [], []
    for n in range(ROUNDS):
        start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8 + n, 0, tzinfo=WIB)
        body = {"service_id": service_id, "slot_start": start.isoformat(), "name": "Warga Uji"}

        async def one(i: int, body: dict[str, Any] = body) -> httpx.Response:
            began = time.perf_counter()
            response = await booking.post(f"{BOOKING}/bookings", json=body | {"phone": phone()})
            latencies.append(time.perf_counter() - began)
            return response

        began = time.perf_counter()
        answers = await asyncio.gather(*[one(i) for i in range(BURST)])
        bursts.append(time.perf_counter() - began)
        confirmed = sum(a.status_code == 201 for a in answers)
        refused = [a.json()["type"] for a in answers if a.status_code != 201]
        outcomes.append(
            {"confirmed": confirmed, "refused": len(refused), "refusal_types": sorted(set(refused))}
        )
        if (
            confirmed != CAPACITY
            or len(refused) != BURST - CAPACITY
            or set(refused) != {"/problems/slot-full"}
        ):
            raise AssertionError(f"round {n}: {outcomes[-1]}")
    rows = [
        row(
            f"book: {BURST} concurrent for one slot of capacity {CAPACITY} (per request)",
            sum(bursts),
            latencies,
            burst_ms_each_round=[round(b * 1000) for b in bursts],
            burst_ms_median=round(median(bursts) * 1000),
            outcome_each_round=f"{CAPACITY} confirmed + {BURST - CAPACITY} x 409 slot-full",
        )
    ]
    return rows, {"rounds": outcomes}


async def http_floor_row(booking: httpx.AsyncClient) -> Row:
    """The same burst shape on the service's trivial ``/healthz``: what HTTP alone costs here."""
    bursts, latencies = [], []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        await asyncio.gather(*[_timed_get(booking, "/healthz", latencies) for _ in range(BURST)])
        bursts.append(time.perf_counter() - began)
    return row(
        f"http floor: {BURST} concurrent GET /healthz of the booking service",
        sum(bursts),
        latencies,
        burst_ms_each_round=[round(b * 1000) for b in bursts],
    )


async def _timed_get(client: httpx.AsyncClient, path: str, latencies: list[float]) -> None:
    began = time.perf_counter()
    (await client.get(path)).raise_for_status()
    latencies.append(time.perf_counter() - began)


async def availability_rows(booking: httpx.AsyncClient, service_id: str) -> list[Row]:
    answer = (
        await booking.get(f"{BOOKING}/availability", params={"service_id": service_id})
    ).json()
    slots = len(answer["slots"])
    rows = []
    for concurrency in (1, 16):

        async def call(i: int) -> None:
            response = await booking.get(
                f"{BOOKING}/availability", params={"service_id": service_id}
            )
            response.raise_for_status()

        seconds, latencies = await timed_calls(call, AVAILABILITY_CALLS, concurrency)
        rows.append(
            row(f"availability: 14-day window ({slots} slots), c={concurrency}", seconds, latencies)
        )
    return rows


async def check_in_rows(
    infra: Infra, booking: httpx.AsyncClient, queue_db: Any, service_id: str
) -> list[Row]:
    """Book CHECK_INS people into the slot whose check-in window is open now, then check them in
    one by one and time each until its ticket-issued event is on the broker."""
    await until(lambda: queue_db.catalog_services.find_one({"_id": service_id}))
    now = datetime.now(UTC)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30)
    if start <= now + timedelta(seconds=30):
        start += timedelta(minutes=30)  # too close: the next one (its window is open too)
    codes: dict[str, str] = {}
    for _ in range(CHECK_INS):
        body = {
            "service_id": service_id,
            "slot_start": start.isoformat(),
            "name": "Warga Uji",
            "phone": phone(),
        }
        response = await booking.post(f"{BOOKING}/bookings", json=body)
        response.raise_for_status()
        codes[response.json()["id"]] = response.json()["code"]

    consumer = AIOKafkaConsumer(
        "mpp.queue.ticket-issued.v1",
        bootstrap_servers=infra.bootstrap,
        group_id=None,
        auto_offset_reset="latest",
    )
    await consumer.start()
    arrived: dict[str, float] = {}

    async def listen() -> None:
        async for record in consumer:
            booking_id = json.loads(record.value).get("booking_id")
            if booking_id:
                arrived[booking_id] = time.perf_counter()

    listener = asyncio.create_task(listen())
    await asyncio.sleep(1.0)  # the consumer has its partitions
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for booking_id, code in codes.items():
        sent[booking_id] = time.perf_counter()
        (await booking.post(f"{BOOKING}/bookings/{code}/check-in")).raise_for_status()
        await until(lambda b=booking_id: _arrived(arrived, b), 30)
    seconds = time.perf_counter() - started
    listener.cancel()
    await consumer.stop()
    lags = [arrived[b] - sent[b] for b in codes]
    tickets = await queue_db.tickets.count_documents({"booking_id": {"$in": list(codes)}})
    return [
        row(
            "check-in → queue ticket-issued event on the broker, one at a time",
            seconds,
            lags,
            tickets_for_these_bookings=tickets,
        )
    ]


async def _arrived(arrived: dict[str, float], booking_id: str) -> bool:
    return booking_id in arrived


class _Full(Exception):
    pass


async def _timed(work: Any, latencies: list[float]) -> bool:
    began = time.perf_counter()
    ok = bool(await work)
    latencies.append(time.perf_counter() - began)
    return ok


async def store_shape_rows(infra: Infra) -> list[Row]:
    """The write path alone (no HTTP), 200 people at once for one slot, two ways:

    * outside: the person's claim, then the slot's counter by one conditional update outside any
      transaction, then the booking and its outbox record in one transaction (the service's way);
    * inside: claim, counter, booking and outbox record all in one transaction.

    Once with capacity 10 (190 refusals) and once with capacity 200 (everyone gets a place, so
    every request writes the hot counter)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo_uri, tz_aware=True, maxPoolSize=EMBEDDED_POOL_SIZE
    )
    db = client["bench_booking_shapes"]
    for name in ("capacity", "bookings", "outbox", "claims"):
        await db.create_collection(name)

    async def outside(slot: str, capacity: int, i: int) -> bool:
        booking_id = str(uuid.uuid4())
        await db.claims.insert_one({"_id": f"{slot}|{i}", "booking_id": booking_id})
        taken = await db.capacity.find_one_and_update(
            {"_id": slot, "taken": {"$lt": capacity}, "holds": {"$ne": booking_id}},
            {"$inc": {"taken": 1}, "$push": {"holds": booking_id}},
        )
        if taken is None:
            await db.claims.delete_one({"_id": f"{slot}|{i}", "booking_id": booking_id})
            return False

        async def write(session: Any) -> None:
            await db.bookings.insert_one({"_id": booking_id, "slot": slot}, session=session)
            await db.outbox.insert_one({"key": booking_id}, session=session)

        async with client.start_session() as session:
            await session.with_transaction(write)
        return True

    async def inside(slot: str, capacity: int, i: int) -> bool:
        async def work(session: Any) -> None:
            booking_id = str(uuid.uuid4())
            await db.claims.insert_one({"_id": f"{slot}|{i}"}, session=session)
            taken = await db.capacity.find_one_and_update(
                {"_id": slot, "taken": {"$lt": capacity}},
                {"$inc": {"taken": 1}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if taken is None:
                raise _Full
            await db.bookings.insert_one({"_id": booking_id, "slot": slot}, session=session)
            await db.outbox.insert_one({"key": booking_id}, session=session)

        try:
            async with client.start_session() as session:
                await session.with_transaction(work)
            return True
        except _Full:
            return False

    rows = []
    for capacity in (CAPACITY, BURST):
        for name, shape in (("outside", outside), ("inside", inside)):
            bursts, latencies, confirmed_each = [], [], []
            for n in range(3):
                slot = f"{name}-{capacity}-{n}"
                await db.capacity.insert_one({"_id": slot, "taken": 0, "holds": []})

                began = time.perf_counter()
                results = await asyncio.gather(
                    *[_timed(shape(slot, capacity, i), latencies) for i in range(BURST)]
                )
                bursts.append(time.perf_counter() - began)
                confirmed_each.append(sum(results))
            rows.append(
                row(
                    f"store only: {BURST} at once, capacity {capacity}, counter {name} the tx",
                    sum(bursts),
                    latencies,
                    burst_ms_each_round=[round(b * 1000) for b in bursts],
                    confirmed_each_round=confirmed_each,
                )
            )
    await client.close()
    return rows


async def main() -> None:
    with embedded_infra() as infra:
        log_dir = infra.broker.log_path.parent
        ports = {name: free_port() for name in ("catalog", "booking", "queue")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        processes = [service_process(name, infra, ports[name], log_dir, urls) for name in ports]
        for process in processes:
            process.start()
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
        try:
            for process in processes:
                process.wait_listening(90)
            async with (
                httpx.AsyncClient(
                    base_url=urls["catalog"], headers=admin_headers(), timeout=60
                ) as catalog,
                httpx.AsyncClient(
                    base_url=urls["booking"],
                    timeout=60,
                    limits=httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST),
                ) as booking,
            ):
                await until(lambda: _ready(booking))
                await until(lambda: _ready(catalog))
                ten, many = await setup(catalog, booking)
                rows, notes = await burst_rows(booking, ten)
                rows.append(await http_floor_row(booking))
                rows += await availability_rows(booking, ten)
                queue_ready = await until(lambda: _ready_at(urls["queue"]))
                assert queue_ready
                rows += await check_in_rows(infra, booking, mongo["queue"], many)
            rows += await store_shape_rows(infra)
            notes.update(
                {
                    f"rss_mb.{p.name}": round(rss_mb(p.process.pid), 1)
                    for p in processes
                    if p.process
                }
            )
            notes["path"] = (
                "HTTP straight to each service (no gateway); embedded Tansu + SecantusDB"
            )
            # The machine is shared: other work running at the same time colours the figures.
            notes["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
        except BaseException:
            for process in processes:
                print(f"--- {process.name}\n{process.log_tail()}", file=sys.stderr)
            raise
        finally:
            await mongo.close()
            for process in processes:
                process.stop()
    report("booking", rows, notes)


async def _ready_at(url: str) -> bool:
    async with httpx.AsyncClient(timeout=2) as client:
        return (await client.get(f"{url}/readyz")).status_code == 200


if __name__ == "__main__":
    asyncio.run(main())
