"""A second service keeps its own read model of the catalog: it rebuilds from scratch over HTTP,
follows the catalog's events, ignores anything older than what it holds, and survives the catalog
being down when it starts. The catalog runs as a real process on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mpp_testing import eventually, running_app, settings_env, staff_token

from mpp_catalog.main import CatalogSettings
from mpp_catalog.testing import API, agency_body, service_body
from mpp_cli.embedded import free_port
from mpp_kit.auth import Role
from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.contracts.catalog import SERVICE_UPSERTED, ServiceState
from mpp_kit.events import Envelope, new_event_id
from mpp_kit.http import create_app
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.settings import KitSettings


def viewer(settings_for: Any, catalog_url: str) -> tuple[Any, CatalogView]:
    """A tiny service whose only job is to hold a catalog read model."""
    settings = settings_for(KitSettings, "viewer", catalog_url=catalog_url)
    runtime = ServiceRuntime(settings)
    view = CatalogView(runtime, retry_max_seconds=0.5)
    return create_app(settings, title="viewer", routers=[], runtime=runtime), view


@asynccontextmanager
async def catalog_process(settings_for: Any, port: int) -> AsyncIterator[httpx.AsyncClient]:
    """The catalog as ``mpp up`` runs it: uvicorn in its own process. Yields an admin client."""
    settings = settings_for(CatalogSettings, "catalog")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mpp_catalog.main:app", "--port", str(port)]
        + ["--log-level", "warning"],
        env={**os.environ, **settings_env(settings)},
    )
    headers = staff_token(settings, Role.MPP_ADMIN)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10
        ) as client:
            await eventually(lambda: _ready(client), timeout=60)
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _ready(client: httpx.AsyncClient) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return (await client.get("/readyz")).status_code == 200
    return False


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def test_read_model_rebuilds_from_the_snapshot_and_follows_events(settings_for):
    port = free_port()
    async with catalog_process(settings_for, port) as catalog:
        for code in ("dukcapil", "polres"):
            await _created(await catalog.post(f"{API}/agencies", json=agency_body(code)))
        ktp = await _created(
            await catalog.post(f"{API}/services", json=service_body("dukcapil", "ktp-el", "A"))
        )
        kk = await _created(
            await catalog.post(f"{API}/services", json=service_body("dukcapil", "kk", "B"))
        )
        skck = await _created(
            await catalog.post(f"{API}/services", json=service_body("polres", "skck", "S"))
        )
        body = {"agency_id": "dukcapil", "number": 1, "name": "Loket 1"}
        loket = await _created(
            await catalog.post(
                f"{API}/counters", json=body | {"service_ids": [kk["id"], ktp["id"]]}
            )
        )
        await catalog.patch(f"{API}/settings", json={"recall_limit": 4})

        app, view = viewer(settings_for, f"http://127.0.0.1:{port}")
        async with running_app(app):
            # From scratch: everything is there once the first snapshot is in.
            await asyncio.wait_for(view.ready.wait(), 30)
            assert (await view.service(ktp["id"])) == ServiceState.model_validate(ktp)
            assert (await view.agency("polres")).code == "polres"
            assert (await view.settings()).recall_limit == 4
            served = await view.services_for_counter(loket["id"])
            assert [s.id for s in served] == [kk["id"], ktp["id"]]
            assert [s.code for s in await view.active_services("dukcapil")] == ["kk", "ktp-el"]
            assert len(await view.active_services()) == 3

            # Then it follows the catalog's events.
            await catalog.patch(f"{API}/services/{ktp['id']}", json={"name": "KTP-el Baru"})
            await catalog.post(f"{API}/services/{kk['id']}/retire")
            await catalog.patch(f"{API}/counters/{loket['id']}", json={"name": "Loket Satu"})
            await catalog.patch(f"{API}/agencies/polres", json={"short_name": "Polresta"})
            await catalog.patch(f"{API}/settings", json={"observe_national_holidays": False})

            async def caught_up() -> bool:
                ktp_now, kk_now = await view.service(ktp["id"]), await view.service(kk["id"])
                counter, settings = await view.counter(loket["id"]), await view.settings()
                polres = await view.agency("polres")
                return (
                    ktp_now.name == "KTP-el Baru"
                    and kk_now.status == "retired"
                    and counter.name == "Loket Satu"
                    and polres.short_name == "Polresta"
                    and settings.observe_national_holidays is False
                )

            await eventually(caught_up, timeout=30)
            assert [s.id for s in await view.services_for_counter(loket["id"])] == [ktp["id"]]
            assert len(await view.services_for_counter(loket["id"], include_retired=True)) == 2
            assert (await view.service(skck["id"])).version == 1
            # A snapshot now holds nothing newer than what the events brought.
            assert await view.refresh() == 0


async def test_read_model_survives_the_catalog_being_down_at_start(settings_for):
    port = free_port()
    app, view = viewer(settings_for, f"http://127.0.0.1:{port}")
    async with running_app(app) as client:
        await asyncio.sleep(1.0)
        assert not view.ready.is_set()
        assert (await client.get("/healthz")).status_code == 200  # it serves meanwhile
        assert await view.service("anything") is None

        async with catalog_process(settings_for, port) as catalog:
            await _created(await catalog.post(f"{API}/agencies", json=agency_body("bapenda")))
            service = await _created(
                await catalog.post(f"{API}/services", json=service_body("bapenda", "pkb", "P"))
            )
            await asyncio.wait_for(view.ready.wait(), 30)
            found = await eventually(lambda: view.service(service["id"]), timeout=30)
            assert found.agency_id == "bapenda"
            assert (await view.settings()).version >= 1


def _service_record(state: ServiceState) -> tuple[list[tuple[str, bytes]], bytes]:
    envelope = Envelope(
        id=new_event_id(),
        type=SERVICE_UPSERTED.ce_type,
        source="/mpp/catalog",
        time=utcnow(),
        data=state.model_dump_json().encode(),
    )
    return envelope.kafka_headers(), envelope.data


async def test_an_older_version_never_replaces_a_newer_one(settings_for):
    app, view = viewer(settings_for, "http://127.0.0.1:9")  # no catalog: events only
    body = service_body("dukcapil", "ktp-el", "A")
    states = [
        ServiceState(**body | {"name": f"Versi {v}"}, id="s-1", version=v, updated_at=utcnow())
        for v in (1, 2, 3)
    ]
    async with running_app(app):
        await asyncio.wait_for(app.state.runtime.bus_ready.wait(), 30)
        consumers = app.state.runtime.consumers
        topic = SERVICE_UPSERTED.topic
        for state in (states[2], states[0], states[1], states[2]):
            headers, value = _service_record(state)
            await consumers.handle_record(topic, headers, value, b"s-1")
        assert (await view.service("s-1")).name == "Versi 3"
        # The snapshot path obeys the same rule, in bulk.
        assert await view._apply_many("catalog_services", [states[1]]) == 0
        assert (await view.service("s-1")).version == 3
