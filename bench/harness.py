"""What every benchmark shares: embedded broker and store, timing, the table, the results file."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mpp_cli.embedded import ManagedProcess, free_port, mongo_uri, secantus, tansu

RESULTS = Path(__file__).parent / "results"


@dataclass
class Row:
    """One measured line: what, how much, how fast."""

    name: str
    ops: int
    seconds: float
    p50_ms: float
    p99_ms: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0


@dataclass
class Infra:
    broker: ManagedProcess
    store: ManagedProcess

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker.port}"

    @property
    def mongo_uri(self) -> str:
        return mongo_uri(self.store.port)


@contextmanager
def embedded_infra() -> Iterator[Infra]:
    """A fresh Tansu and SecantusDB, as ``mpp up`` runs them."""
    with tempfile.TemporaryDirectory(prefix="mpp-bench-") as tmp:
        root = Path(tmp)
        infra = Infra(
            tansu(free_port(), root / "logs"), secantus(free_port(), root / "data", root / "logs")
        )
        for process in (infra.broker, infra.store):
            process.start()
        try:
            for process in (infra.broker, infra.store):
                process.wait_listening()
            yield infra
        finally:
            for process in (infra.broker, infra.store):
                process.stop()


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed_calls(
    call: Callable[[int], Awaitable[Any]], total: int, concurrency: int
) -> tuple[float, list[float]]:
    """Run ``call(i)`` for i in range(total) with ``concurrency`` workers: (seconds, latencies)."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return time.perf_counter() - started, latencies


def row(name: str, seconds: float, latencies: list[float], **extra: Any) -> Row:
    return Row(
        name=name,
        ops=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        extra=extra,
    )


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def report(name: str, rows: list[Row], notes: dict[str, Any] | None = None) -> Path:
    """Print the table and write ``bench/results/<name>.json``."""
    print(f"\n== {name}")
    print(f"{'measure':58} {'ops':>7} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(f"{r.name:58} {r.ops:7d} {r.ops_per_s:9.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f}")
        for key, value in r.extra.items():
            print(f"    {key}: {value}")
    for key, value in (notes or {}).items():
        print(f"  {key}: {value}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "name": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rows": [{**asdict(r), "ops_per_s": round(r.ops_per_s, 1)} for r in rows],
        "notes": notes or {},
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
