"""How fast a service's catalog read model (``mpp_kit.catalog_view.CatalogView``) rebuilds and
follows, on the embedded stand-ins, with the catalog running as its own process:

* rebuild from scratch over HTTP (``/internal/snapshot``) for 1,000 services — the snapshot path
  alone (broker unreachable) and a full fresh start (snapshot, then the event backlog);
* the lag from a change in the catalog (PATCH answered) to the read model holding it, one change
  at a time, and the rate at which a burst of changes is applied.

``python -m bench.catalog_readmodel [--services 1000]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.harness import Infra, Row, embedded_infra, report, row, rss_mb, timed_calls
from mpp_catalog.testing import service_body
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, ManagedProcess, free_port
from mpp_kit.auth import Principal, Role, TokenKeys
from mpp_kit.catalog_view import SERVICES, CatalogView
from mpp_kit.consumer import PROCESSED
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.settings import KitSettings

API = "/api/v1/catalog"
SECRET = "bench-secret-bench-secret-bench-secret"
AGENCIES = 50
COUNTERS = 100
REBUILDS = 5
SEQUENTIAL_CHANGES = 200
BURST_CHANGES = 500


def prefixes() -> list[str]:
    """Every ticket prefix the catalog allows: A…Z, AA…ZZ (702)."""
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    return letters + [a + b for a in letters for b in letters]


def catalog_process(infra: Infra, port: int, log_dir: Path) -> ManagedProcess:
    env = {
        "MPP_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "MPP_MONGO_URI": infra.mongo_uri,
        "MPP_MONGO_DB": "bench_catalog",
        "MPP_MONGO_MAX_POOL_SIZE": str(EMBEDDED_POOL_SIZE),
        "MPP_JWT_SECRET": SECRET,
        "MPP_LOG_LEVEL": "WARNING",
    }
    args = [sys.executable, "-m", "uvicorn", "mpp_catalog.main:app", "--port", str(port)]
    args += ["--no-access-log", "--log-level", "warning"]
    return ManagedProcess("catalog", args, log_dir / "catalog.log", port, env=env)


def viewer(infra: Infra, catalog_url: str, name: str, *, broker: bool = True) -> ServiceRuntime:
    """A service that only keeps a read model; without ``broker`` it can only take snapshots."""
    settings = KitSettings(
        service_name=name,
        kafka_bootstrap_servers=infra.bootstrap if broker else f"127.0.0.1:{free_port()}",
        mongo_uri=infra.mongo_uri,
        mongo_max_pool_size=EMBEDDED_POOL_SIZE,
        catalog_url=catalog_url,
        log_level="WARNING",
        kafka_session_timeout_ms=6000,
    )
    return ServiceRuntime(settings)


async def seed(api: httpx.AsyncClient, services: int) -> tuple[list[str], Row]:
    """Agencies, ``services`` services (those beyond the prefixes are created and retired, as
    prefixes are unique only among active services) and counters. Returns the active ids."""
    for i in range(AGENCIES):
        body = {"code": f"agency-{i}", "name": f"Dinas Uji {i}", "short_name": f"DU{i}"}
        (await api.post(f"{API}/agencies", json=body)).raise_for_status()
    available = prefixes()
    retired = max(0, services - len(available))
    plan = [available[i % len(available)] for i in range(services)]
    ids: list[str] = [""] * services

    async def create(i: int) -> None:
        body = service_body(f"agency-{i % AGENCIES}", f"layanan-{i}", plan[i])
        response = await api.post(f"{API}/services", json=body)
        response.raise_for_status()
        ids[i] = response.json()["id"]
        if i < retired:
            (await api.post(f"{API}/services/{ids[i]}/retire")).raise_for_status()

    # The ones to retire first, so that their prefixes are free for the rest.
    seconds, latencies = await timed_calls(create, retired, 8) if retired else (0.0, [])
    more_seconds, more = await timed_calls(lambda i: create(i + retired), services - retired, 8)
    active = ids[retired:]
    for n in range(COUNTERS):
        agency = n % AGENCIES
        mine = [active[j] for j in range(len(active)) if (j + retired) % AGENCIES == agency][:3]
        body = {"agency_id": f"agency-{agency}", "number": n + 1, "name": f"Loket {n + 1}"}
        (await api.post(f"{API}/counters", json=body | {"service_ids": mine})).raise_for_status()
    created = row(
        "catalog: create a service (its event in the same tx), c=8",
        seconds + more_seconds,
        latencies + more,
        retired=retired,
    )
    return active, created


async def rebuild_rows(infra: Infra, catalog_url: str, services: int) -> list[Row]:
    rows = []
    async with httpx.AsyncClient(timeout=60) as http:
        sizes, fetches = [], []
        for _ in range(REBUILDS):
            started = time.perf_counter()
            response = await http.get(f"{catalog_url}/internal/snapshot")
            fetches.append(time.perf_counter() - started)
            sizes.append(len(response.content))
    rows.append(
        row(
            f"snapshot: GET /internal/snapshot ({services} services)",
            sum(fetches),
            fetches,
            bytes=sizes[0],
        )
    )

    # The snapshot path alone: the broker is out of reach, so only the snapshot fills the model.
    ready_times = []
    for n in range(REBUILDS):
        runtime = viewer(infra, catalog_url, f"bench-snapshot-{n}", broker=False)
        view = CatalogView(runtime, resync_seconds=None)
        started = time.perf_counter()
        await runtime.start()
        await asyncio.wait_for(view.ready.wait(), 120)
        ready_times.append(time.perf_counter() - started)
        assert await runtime.db[SERVICES].count_documents({}) == services
        await runtime.stop()
    rows.append(
        row(
            f"read model: rebuild from scratch via snapshot ({services} services)",
            sum(ready_times),
            ready_times,
        )
    )
    return rows


async def fresh_start_row(
    infra: Infra, catalog_url: str, backlog: int
) -> tuple[Row, ServiceRuntime, CatalogView]:
    """A new service with the broker up: snapshot first, and the whole event history behind it."""
    runtime = viewer(infra, catalog_url, "bench-fresh")
    view = CatalogView(runtime, resync_seconds=None)
    started = time.perf_counter()
    await runtime.start()
    await asyncio.wait_for(view.ready.wait(), 120)
    ready = time.perf_counter() - started
    await until(lambda: _handled_at_least(runtime, backlog), 0.05)
    drained = time.perf_counter() - started
    fresh = row(
        f"read model: fresh start, snapshot + {backlog} past events",
        drained,
        [drained],
        ready_after_s=round(ready, 2),
        events_per_s_while_catching_up=round(backlog / drained, 1),
    )
    return fresh, runtime, view


async def follow_rows(api: httpx.AsyncClient, view: CatalogView, ids: list[str]) -> list[Row]:
    lags: list[float] = []

    async def change_and_wait(i: int) -> None:
        service_id = ids[i % len(ids)]
        response = await api.patch(f"{API}/services/{service_id}", json={"name": f"Ubah {i}"})
        response.raise_for_status()
        version = response.json()["version"]
        answered = time.perf_counter()
        await until(lambda: _holds(view, service_id, version), 0.002)
        lags.append(time.perf_counter() - answered)

    seconds, _ = await timed_calls(change_and_wait, SEQUENTIAL_CHANGES, 1)
    rows = [row("events: PATCH answered → read model holds it, one at a time", seconds, lags)]

    # A burst: many changes at once, then wait until the read model holds every one.
    targets = ids[:BURST_CHANGES]
    expected: dict[str, int] = {}

    async def change(i: int) -> None:
        response = await api.patch(f"{API}/services/{targets[i]}", json={"name": f"Burst {i}"})
        response.raise_for_status()
        expected[targets[i]] = response.json()["version"]

    started = time.perf_counter()
    await timed_calls(change, len(targets), 16)
    written = time.perf_counter() - started
    for service_id, version in expected.items():
        await until(lambda s=service_id, v=version: _holds(view, s, v), 0.01)
    applied = time.perf_counter() - started
    rows.append(
        Row(
            name=f"events: burst of {len(targets)} changes (c=16) until all applied",
            ops=len(targets),
            seconds=applied,
            p50_ms=0.0,
            p99_ms=0.0,
            extra={
                "changes_written_in_s": round(written, 2),
                "all_applied_in_s": round(applied, 2),
            },
        )
    )
    return rows


async def main(services: int) -> None:
    with embedded_infra() as infra:
        port = free_port()
        catalog = catalog_process(infra, port, infra.broker.log_path.parent)
        catalog.start()
        catalog_url = f"http://127.0.0.1:{port}"
        token = TokenKeys(KitSettings(jwt_secret=SECRET)).issue(
            Principal("bench", "bench", frozenset({Role.MPP_ADMIN}), None), timedelta(hours=2)
        )
        try:
            catalog.wait_listening(60)
            async with httpx.AsyncClient(
                base_url=catalog_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as api:
                await until(lambda: _ready(api), 0.2)
                active, created = await seed(api, services)
                rows = [created, *await rebuild_rows(infra, catalog_url, services)]
                fresh, runtime, view = await fresh_start_row(
                    infra, catalog_url, await _published_events(infra)
                )
                rows.append(fresh)
                rows += await follow_rows(api, view, active)
                await runtime.stop()
            memory = round(rss_mb(catalog.process.pid), 1) if catalog.process else 0.0
        finally:
            catalog.stop()
    rebuild = next(r for r in rows if r.name.startswith("read model: rebuild"))
    notes = {
        "services": services,
        "active_services": len(active),
        "agencies": AGENCIES,
        "counters": COUNTERS,
        "rebuild_from_scratch_p50_s": round(rebuild.p50_ms / 1000, 3),
        "rss_mb.catalog": memory,
    }
    report("catalog_readmodel", rows, notes)


async def _published_events(infra: Infra) -> int:
    """How many events the catalog has published, once its outbox is empty."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
    outbox = client["bench_catalog"]["outbox"]
    try:
        await until(lambda: _outbox_empty(outbox), 0.1)
        return await outbox.count_documents({})
    finally:
        await client.close()


async def until(probe: Callable[[], Awaitable[bool]], interval: float) -> None:
    """Poll ``probe`` until it holds (state in another process or store cannot be awaited)."""
    while True:
        if await probe():
            return
        await asyncio.sleep(interval)


async def _holds(view: CatalogView, service_id: str, version: int) -> bool:
    held = await view.service(service_id)
    return held is not None and held.version >= version


async def _handled_at_least(runtime: ServiceRuntime, count: int) -> bool:
    return await runtime.db[PROCESSED].count_documents({}) >= count


async def _ready(api: httpx.AsyncClient) -> bool:
    return (await api.get("/readyz")).status_code == 200


async def _outbox_empty(outbox: Any) -> bool:
    return not await outbox.count_documents({"status": "pending"})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=1000)
    asyncio.run(main(parser.parse_args().services))
