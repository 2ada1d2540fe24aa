"""The queue on the embedded stack, through the gateway, next to the ceiling measured in the same
run (issue 4):

* ticket issuing at concurrency 1 and 16 (tickets/s, p50, p99), every number checked distinct;
* call-next with 10 counters calling at once (each call is followed by a no-show that frees the
  counter, not timed), every ticket checked called once;
* call-next → the board's server-sent event at a client of the gateway (p99);
* the ceiling's store rows (:func:`bench.ceiling.store_rows`), measured first, on a fresh store of
  their own: the queue then gets a fresh store too (after the ceiling's 8,000 transactional writes
  the embedded store ran the queue several times slower: 14 tickets/s at c=1 instead of 84).

The catalog, queue and gateway run as uvicorn processes, as ``mpp up`` runs them (the store's
client pool is ``EMBEDDED_POOL_SIZE``, as there). ``python -m bench.queue``
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.ceiling import store_rows
from bench.harness import Infra, Row, embedded_infra, report, row, rss_mb, timed_calls
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, ManagedProcess, free_port

ISSUE_C1 = int(os.environ.get("BENCH_QUEUE_ISSUE_C1", "300"))
ISSUE_C16 = int(os.environ.get("BENCH_QUEUE_ISSUE_C16", "2000"))
CALL_TICKETS = int(os.environ.get("BENCH_QUEUE_CALL_TICKETS", "1000"))
COUNTERS = 10
SSE_CALLS = int(os.environ.get("BENCH_QUEUE_SSE_CALLS", "200"))
PASSWORD = "bench-password-bench-1"
Q = "/api/v1/queue"
C = "/api/v1/catalog"
ALWAYS_OPEN = {
    day: [{"open": "00:00", "close": "24:00"}]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def processes(infra: Infra, logs: Path) -> dict[str, ManagedProcess]:
    ports = {name: free_port() for name in ("catalog", "queue", "gateway")}
    env = {
        "MPP_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "MPP_MONGO_URI": infra.mongo_uri,
        "MPP_MONGO_MAX_POOL_SIZE": str(EMBEDDED_POOL_SIZE),
        "MPP_JWT_SECRET": "bench-secret-bench-secret-bench-secret",
        "MPP_CATALOG_URL": f"http://127.0.0.1:{ports['catalog']}",
        "MPP_QUEUE_URL": f"http://127.0.0.1:{ports['queue']}",
        "MPP_LOG_LEVEL": "WARNING",
        "MPP_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "MPP_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    return {
        name: ManagedProcess(
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
            logs / f"{name}.log",
            port,
            env=env,
        )
        for name, port in ports.items()
    }


async def admin_token(infra: Infra, gateway: str) -> str:
    from mpp_gateway.users import add_user

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
    try:
        await add_user(client["gateway"], "bench-admin", PASSWORD, ["mpp_admin"], None, "Bench")
    finally:
        await client.close()
    async with httpx.AsyncClient(base_url=gateway) as http:
        response = await http.post(
            "/api/v1/auth/token", json={"username": "bench-admin", "password": PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


async def ready(http: httpx.AsyncClient, url: str) -> None:
    for _ in range(600):
        try:
            if (await http.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} not ready")


def ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(f"{response.request.url} → {response.status_code} {response.text}")
    return response.json()


class Scene:
    """An agency with services and counters, made through the gateway."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self.agency = f"bench-{uuid.uuid4().hex[:6]}"
        self.prefixes = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        self.numbers = iter(range(1, 1000))

    async def prepare(self) -> None:
        ok(
            await self.api.patch(
                f"{C}/settings",
                json={"opening_hours": ALWAYS_OPEN, "observe_national_holidays": False},
            )
        )
        from mpp_catalog.testing import agency_body

        ok(await self.api.post(f"{C}/agencies", json=agency_body(self.agency)))

    async def service(self) -> str:
        from mpp_catalog.testing import service_body

        prefix = next(self.prefixes)
        body = service_body(self.agency, f"layanan-{prefix.lower()}", prefix)
        service_id = str(ok(await self.api.post(f"{C}/services", json=body))["id"])
        # The queue knows it once the catalog's event has reached its read model.
        for _ in range(300):
            probe = await self.api.get(f"{Q}/board", params={"agency_id": self.agency})
            if any(q["service_id"] == service_id for q in ok(probe)["queues"]):
                return service_id
            await asyncio.sleep(0.1)
        raise RuntimeError("the queue never learnt the service")

    async def counter(self, service_id: str) -> str:
        number = next(self.numbers)
        body = {
            "agency_id": self.agency,
            "number": number,
            "name": f"Loket {number}",
            "service_ids": [service_id],
        }
        counter_id = str(ok(await self.api.post(f"{C}/counters", json=body))["id"])
        for _ in range(300):
            if (await self.api.post(f"{Q}/counters/{counter_id}/open")).status_code == 200:
                return counter_id
            await asyncio.sleep(0.1)
        raise RuntimeError("the queue never learnt the counter")


async def issuing_rows(
    api: httpx.AsyncClient, scene: Scene, *, direct: str | None = None, only: int | None = None
) -> list[Row]:
    """Issuing through the gateway (or ``direct`` to the queue, to see the gateway's share)."""
    rows = []
    base = direct or ""
    via = "direct to the queue" if direct else "through the gateway"
    for concurrency, total in ((1, ISSUE_C1), (16, ISSUE_C16)):
        if only is not None and concurrency != only:
            continue
        service_id = await scene.service()
        numbers: list[str] = []

        async def issue(i: int, service_id: str = service_id, numbers: list[str] = numbers) -> None:
            response = await api.post(
                f"{base}{Q}/tickets",
                json={"service_id": service_id, "channel": "kiosk"},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            numbers.append(ok(response)["number"])

        await issue(-1)  # warm the path (and the day's number document)
        numbers.clear()
        seconds, latencies = await timed_calls(issue, total, concurrency)
        duplicates = len(numbers) - len(set(numbers))
        rows.append(
            row(
                f"queue: issue a ticket {via}, c={concurrency}",
                seconds,
                latencies,
                duplicate_numbers=duplicates,
                distinct_numbers=len(set(numbers)),
            )
        )
    return rows


async def call_next_rows(api: httpx.AsyncClient, scene: Scene) -> list[Row]:
    service_id = await scene.service()
    counters = [await scene.counter(service_id) for _ in range(COUNTERS)]

    async def issue(i: int) -> None:
        ok(await api.post(f"{Q}/tickets", json={"service_id": service_id, "channel": "kiosk"}))

    await timed_calls(issue, CALL_TICKETS, 16)
    called: list[str] = []
    latencies: list[float] = []

    async def counter_loop(counter_id: str) -> None:
        while True:
            started = time.perf_counter()
            response = await api.post(f"{Q}/counters/{counter_id}/call-next")
            if response.status_code == 204:
                return
            latencies.append(time.perf_counter() - started)
            ticket_id = ok(response)["id"]
            called.append(ticket_id)
            ok(await api.post(f"{Q}/tickets/{ticket_id}/no-show"))

    started = time.perf_counter()
    await asyncio.gather(*[counter_loop(c) for c in counters])
    seconds = time.perf_counter() - started
    return [
        row(
            f"queue: call-next, {COUNTERS} counters at once (+ no-show each)",
            seconds,
            latencies,
            tickets=CALL_TICKETS,
            called=len(called),
            called_twice=len(called) - len(set(called)),
            call_next_share_of_time="latencies only; ops/s counts call-next + no-show cycles",
        )
    ]


async def board_latency_rows(api: httpx.AsyncClient, scene: Scene) -> list[Row]:
    service_id = await scene.service()
    counter_id = await scene.counter(service_id)
    for _ in range(SSE_CALLS):
        ok(await api.post(f"{Q}/tickets", json={"service_id": service_id, "channel": "kiosk"}))
    latencies: list[float] = []
    arrived: dict[str, float] = {}
    event = asyncio.Event()

    async def listen(ready_flag: asyncio.Event) -> None:
        headers = {"Accept": "text/event-stream"}
        params = {"agency_id": scene.agency}
        async with api.stream("GET", f"{Q}/board/stream", params=params, headers=headers) as s:
            ready_flag.set()
            async for line in s.aiter_lines():
                if line.startswith("data:"):
                    arrived[json.loads(line[5:])["ticket_id"]] = time.perf_counter()
                    event.set()

    listening = asyncio.Event()
    listener = asyncio.create_task(listen(listening))
    await listening.wait()
    await asyncio.sleep(1.0)  # the queue's feed has the board as a subscriber
    started_all = time.perf_counter()
    for _ in range(SSE_CALLS):
        started = time.perf_counter()
        ticket_id = ok(await api.post(f"{Q}/counters/{counter_id}/call-next"))["id"]
        while ticket_id not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), 10)
        latencies.append(arrived[ticket_id] - started)
        ok(await api.post(f"{Q}/tickets/{ticket_id}/no-show"))
    seconds = time.perf_counter() - started_all
    listener.cancel()
    return [row("board: call-next → SSE event at a gateway client", seconds, latencies)]


async def main() -> None:
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    if not os.environ.get("BENCH_QUEUE_SKIP_CEILING"):
        with embedded_infra() as ceiling_infra:
            rows += await store_rows(ceiling_infra)
    with embedded_infra() as infra:
        running = processes(infra, infra.broker.log_path.parent)
        for process in running.values():
            process.start()
        try:
            gateway = f"http://127.0.0.1:{running['gateway'].port}"
            async with httpx.AsyncClient(timeout=60) as http:
                for process in running.values():
                    await ready(http, f"http://127.0.0.1:{process.port}")
            token = await admin_token(infra, gateway)
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            async with httpx.AsyncClient(
                base_url=gateway,
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
                limits=limits,
            ) as api:
                scene = Scene(api)
                await scene.prepare()
                rows += await issuing_rows(api, scene)
                direct = f"http://127.0.0.1:{running['queue'].port}"
                rows += await issuing_rows(api, scene, direct=direct, only=16)
                rows += await call_next_rows(api, scene)
                rows += await board_latency_rows(api, scene)
            notes: dict[str, Any] = {
                f"rss_mb.{name}": round(rss_mb(p.process.pid), 1)
                for name, p in running.items()
                if p.process
            }
        finally:
            for process in running.values():
                process.stop()
    notes.update(comparison(rows))
    notes["cpus"] = os.cpu_count()
    notes["mongo_pool_size"] = EMBEDDED_POOL_SIZE
    notes["max_concurrent_transactions"] = os.environ.get("MPP_MAX_CONCURRENT_TRANSACTIONS", "2")
    # Other work on the machine skews every figure: the 1-minute load before and after.
    notes["load_average_1m"] = f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    report("queue", rows, notes)


def comparison(rows: list[Row]) -> dict[str, Any]:
    """The ticket path's cost against the ceiling's find-and-modify + insert, same concurrency."""
    by_name = {r.name: r for r in rows}
    out: dict[str, Any] = {}
    for c in (1, 16):
        ceiling = by_name.get(f"store: find_one_and_update($inc) + insert_one, c={c}")
        ticket = by_name.get(f"queue: issue a ticket through the gateway, c={c}")
        if ceiling and ticket and ticket.ops_per_s:
            out[f"ticket_cost_vs_ceiling.c{c}.throughput_ratio"] = round(
                ceiling.ops_per_s / ticket.ops_per_s, 2
            )
            out[f"ticket_cost_vs_ceiling.c{c}.p50_ratio"] = round(ticket.p50_ms / ceiling.p50_ms, 2)
    return out


if __name__ == "__main__":
    asyncio.run(main())
