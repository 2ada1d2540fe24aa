"""Notify, end to end, on the embedded stand-ins with the catalog and notify as real processes.

1. Latency at 20 events/s: from a ``ticket-issued`` event produced to Kafka to (a) the e-mail
   accepted by a local SMTP server and (b) the webhook received by a local endpoint.
2. Webhook throughput to fast endpoints, for an agency with three fast endpoints and for one
   whose third endpoint takes 2 s to answer (a burst of 400 events each); then the latency at
   a fast endpoint at 20 events/s while the slow one still has a backlog. The fast endpoints
   must not slow down.

``python -m bench.notify``
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.harness import Infra, Row, embedded_infra, report, row, rss_mb
from mpp_catalog.testing import agency_body, service_body
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, ManagedProcess, free_port
from mpp_kit.auth import Principal, Role, TokenKeys
from mpp_kit.contracts.queue import TICKET_ISSUED
from mpp_kit.settings import KitSettings
from mpp_notify.testing import EventProducer, SmtpInbox, issued, serving, smtp_server

SECRET = "bench-secret-bench-secret-bench-secret"
RATE = 20  # events per second
LATENCY_EVENTS = 600  # 30 s at 20/s
BURST = 400
SLOW_SECONDS = 2.0


class Arrivals:
    """When each ticket number reached a peer (perf_counter, this process)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    def webhook_app(self, delay: float = 0.0) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            event = json.loads(await request.body())
            self.at.setdefault(event["data"]["number"], time.perf_counter())
            if delay:
                try:
                    await asyncio.sleep(delay)
                except asyncio.CancelledError:  # the benchmark is over
                    return JSONResponse({"ok": False}, status_code=503)
            return JSONResponse({"ok": True})

        return app


class TimedSmtpInbox(SmtpInbox):
    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        number = re.search(r"antrian (\S+)", str(self.messages[-1]["Subject"]))
        if number:
            self.at.setdefault(number.group(1), time.perf_counter())
        return answer


def _process(name: str, port: int, env: dict[str, str], logs: Path) -> ManagedProcess:
    return ManagedProcess(
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


async def _ready(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


async def _catalog_setup(url: str, hooks: dict[str, list[str]]) -> dict[str, str]:
    """Agencies, one service each, and webhook endpoints per agency; returns agency → service."""
    keys = TokenKeys(KitSettings(jwt_secret=SECRET))
    admin = Principal("bench", "bench", frozenset({Role.MPP_ADMIN}), None)
    headers = {"Authorization": f"Bearer {keys.issue(admin, timedelta(hours=1))}"}
    services = {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as api:
        for n, (agency, urls) in enumerate(hooks.items()):
            (
                await api.post("/api/v1/catalog/agencies", json=agency_body(agency))
            ).raise_for_status()
            body = service_body(agency, "layanan", "ABCDEFGH"[n])
            created = await api.post("/api/v1/catalog/services", json=body)
            created.raise_for_status()
            services[agency] = created.json()["id"]
            for hook in urls:
                response = await api.post(
                    f"/api/v1/catalog/agencies/{agency}/webhooks",
                    json={"url": hook, "event_types": [TICKET_ISSUED.ce_type], "secret": SECRET},
                )
                response.raise_for_status()
    return services


async def _wait_for(arrivals: dict[str, float], numbers: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for _ in iter(
        lambda: time.monotonic() < deadline and not all(n in arrivals for n in numbers), False
    ):
        await asyncio.sleep(0.05)


async def main() -> None:
    rows: list[Row] = []
    # The machine may be shared: its load says how much to trust the figures.
    notes: dict[str, Any] = {"load_average_at_start": round(os.getloadavg()[0], 2)}
    with embedded_infra() as infra:
        logs = infra.broker.log_path.parent
        settings = KitSettings(kafka_bootstrap_servers=infra.bootstrap)
        mail = TimedSmtpInbox()
        latency_hook, fast_a, fast_b, fast_e = Arrivals(), Arrivals(), Arrivals(), Arrivals()
        fast_c, fast_d, slow = Arrivals(), Arrivals(), Arrivals()
        async with (
            smtp_server(mail) as smtp_port,
            serving(latency_hook.webhook_app()) as hook_url,
            serving(fast_a.webhook_app()) as a_url,
            serving(fast_b.webhook_app()) as b_url,
            serving(fast_e.webhook_app()) as e_url,
            serving(fast_c.webhook_app()) as c_url,
            serving(fast_d.webhook_app()) as d_url,
            serving(slow.webhook_app(delay=SLOW_SECONDS)) as slow_url,
        ):
            catalog_port, notify_port = free_port(), free_port()
            catalog_url = f"http://127.0.0.1:{catalog_port}"
            env = {
                "MPP_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
                "MPP_MONGO_URI": infra.mongo_uri,
                "MPP_MONGO_MAX_POOL_SIZE": str(EMBEDDED_POOL_SIZE),
                "MPP_JWT_SECRET": SECRET,
                "MPP_CATALOG_URL": catalog_url,
                "MPP_LOG_LEVEL": "WARNING",
                "MPP_KAFKA_SESSION_TIMEOUT_MS": "6000",
            }
            notify_env = {
                **env,
                "MPP_SMTP_HOST": "127.0.0.1",
                "MPP_SMTP_PORT": str(smtp_port),
                "MPP_SMTP_STARTTLS": "false",
                "MPP_PHONE_CHANNELS": "[]",
                "MPP_WEBHOOK_SYNC_SECONDS": "1",
                "MPP_RECIPIENT_RATE_LIMIT": "100000",
            }
            catalog = _process("catalog", catalog_port, env, logs)
            notify = _process("notify", notify_port, notify_env, logs)
            processes = [catalog, notify]
            try:
                catalog.start()
                await _ready(catalog_url)
                services = await _catalog_setup(
                    catalog_url,
                    {
                        "latensi": [f"{hook_url}/hook"],
                        "tiga-cepat": [f"{a_url}/hook", f"{b_url}/hook", f"{e_url}/hook"],
                        "satu-lambat": [f"{c_url}/hook", f"{d_url}/hook", f"{slow_url}/hook"],
                    },
                )
                notify.start()
                await _ready(f"http://127.0.0.1:{notify_port}")
                await asyncio.sleep(3.0)  # the consumer joins; the webhook copy syncs

                rows += await _latency(infra, settings, services["latensi"], mail, latency_hook)
                for agency, fast, label in (
                    ("tiga-cepat", [fast_a, fast_b], "3 fast endpoints"),
                    (
                        "satu-lambat",
                        [fast_c, fast_d],
                        f"2 fast + 1 answering in {SLOW_SECONDS:g} s",
                    ),
                ):
                    rows.append(
                        await _burst(infra, settings, agency, services[agency], fast, label)
                    )
                notes["slow endpoint: received during its burst"] = len(slow.at)
                rows.append(
                    await _paced_webhooks(
                        infra, settings, "satu-lambat", services["satu-lambat"], fast_c
                    )
                )
                notes["slow endpoint: received by the end"] = len(slow.at)
                notes["rss_mb.notify"] = (
                    round(rss_mb(notify.process.pid), 1) if notify.process else 0
                )
            finally:
                for process in reversed(processes):
                    process.stop()
        notes["load_average_at_end"] = round(os.getloadavg()[0], 2)
        notes["rate_events_per_s"] = RATE
        notes["cpus"] = os.cpu_count()
    report("notify", rows, notes)


async def _latency(
    infra: Infra, settings: KitSettings, service_id: str, mail: TimedSmtpInbox, hook: Arrivals
) -> list[Row]:
    published: dict[str, float] = {}
    async with EventProducer(infra.bootstrap, settings) as producer:
        started = time.perf_counter()
        for n in range(LATENCY_EVENTS):
            number = f"L-{n:04d}"
            ticket = issued(
                number, service_id=service_id, agency_id="latensi", email=f"w{n}@example.id"
            )
            # Paced against the clock, so a slow produce does not lower the rate.
            await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
            published[number] = time.perf_counter()
            await producer.send(TICKET_ISSUED, ticket)
        seconds = time.perf_counter() - started
    numbers = list(published)
    await _wait_for(mail.at, numbers, 60)
    await _wait_for(hook.at, numbers, 60)
    rows = []
    for label, arrivals in (("e-mail accepted by SMTP", mail.at), ("webhook received", hook.at)):
        latencies = [arrivals[n] - published[n] for n in numbers if n in arrivals]
        rows.append(
            row(
                f"ticket-issued → {label}, {RATE}/s",
                seconds,
                latencies,
                missing=len(numbers) - len(latencies),
            )
        )
    return rows


async def _paced_webhooks(
    infra: Infra, settings: KitSettings, agency: str, service_id: str, fast: Arrivals
) -> Row:
    """20 events/s for an agency whose slow endpoint still works off the burst's backlog."""
    published: dict[str, float] = {}
    count = LATENCY_EVENTS // 2
    async with EventProducer(infra.bootstrap, settings) as producer:
        started = time.perf_counter()
        for n in range(count):
            ticket = issued(f"P-{n:04d}", service_id=service_id, agency_id=agency)
            await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
            published[ticket.number] = time.perf_counter()
            await producer.send(TICKET_ISSUED, ticket)
        seconds = time.perf_counter() - started
    await _wait_for(fast.at, list(published), 60)
    latencies = [fast.at[n] - published[n] for n in published if n in fast.at]
    return row(
        f"ticket-issued → webhook at a fast endpoint, slow one backlogged, {RATE}/s",
        seconds,
        latencies,
        missing=count - len(latencies),
    )


async def _burst(
    infra: Infra,
    settings: KitSettings,
    agency: str,
    service_id: str,
    fast: list[Arrivals],
    label: str,
) -> Row:
    tickets = [
        issued(f"{agency[:2].upper()}-{n:04d}", service_id=service_id, agency_id=agency)
        for n in range(BURST)
    ]
    async with EventProducer(infra.bootstrap, settings) as producer:
        started = time.perf_counter()
        for ticket in tickets:
            await producer.send(TICKET_ISSUED, ticket)
    numbers = [t.number for t in tickets]
    for endpoint in fast:
        await _wait_for(endpoint.at, numbers, 120)
    latencies = [e.at[n] - started for e in fast for n in numbers if n in e.at]
    seconds = max(latencies) if latencies else 0.0
    return row(
        f"webhooks to {label}: fast deliveries of a {BURST}-event burst",
        seconds,
        latencies,
        missing=len(numbers) * len(fast) - len(latencies),
    )


if __name__ == "__main__":
    asyncio.run(main())
