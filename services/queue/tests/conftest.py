"""The queue's integration tests run against a real stack, started once per session: the catalog
app and the queue app, each served by uvicorn on a loopback port (the queue's catalog read model
fetches the catalog's snapshot over HTTP, and the board streams server-sent events), on the
session's real broker and store. Every test makes its own agency, services and counters through
the catalog's API, so tests do not see each other's queues.
"""

from __future__ import annotations

import asyncio
import itertools
import string
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from mpp_testing import eventually, staff_token
from mpp_testing.plugin import TEST_JWT_SECRET

from mpp_catalog.main import CatalogSettings
from mpp_catalog.main import build_app as build_catalog
from mpp_catalog.testing import Catalog, service_body
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, free_port
from mpp_kit.auth import Role
from mpp_kit.catalog_view import CatalogView
from mpp_kit.mongo import Database
from mpp_queue.main import build_app as build_queue
from mpp_queue.settings import QueueSettings
from mpp_queue.store import QueueStore

API = "/api/v1/queue"
CATALOG = "/api/v1/catalog"


def _prefixes() -> itertools.chain[str]:
    letters = string.ascii_uppercase
    return itertools.chain(letters, (a + b for a in letters for b in letters))


# The session's consumer group can stall for ~45 s on the embedded broker after a second replica
# leaves it (test_board), so the read model may take that long to catch up.
VIEW_TIMEOUT = 90.0


@dataclass
class Served:
    server: uvicorn.Server
    task: asyncio.Task[None]
    url: str

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 60)


async def serve(app: FastAPI) -> Served:
    """Run an app under uvicorn in this event loop (lifespan included) on a free port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server, task), timeout=60)
    return Served(server, task, f"http://127.0.0.1:{port}")


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # raises what stopped it
        raise RuntimeError("the server stopped while starting")
    return server.started


@dataclass
class Agency:
    """One test's agency in the catalog, with helpers to add what it offers."""

    stack: Stack
    id: str
    services: list[dict[str, Any]] = field(default_factory=list)

    @property
    def officer(self) -> dict[str, str]:
        return self.stack.officer(self.id)

    async def add_service(self, **overrides: Any) -> dict[str, Any]:
        service = await self.stack.add_service(self.id, **overrides)
        self.services.append(service)
        return service

    async def add_counter(self, *services: dict[str, Any]) -> dict[str, Any]:
        return await self.stack.add_counter(self.id, [s["id"] for s in services])

    async def open_counter(self, counter: dict[str, Any], who: str = "officer-1") -> None:
        response = await self.stack.queue.post(
            f"{API}/counters/{counter['id']}/open", headers=self.stack.officer(self.id, who)
        )
        assert response.status_code == 200, response.text


@dataclass
class Stack:
    catalog: Catalog
    queue: httpx.AsyncClient
    queue_app: FastAPI
    settings: QueueSettings
    prefixes: itertools.chain[str] = field(default_factory=_prefixes)
    counter_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def db(self) -> Database:
        return self.queue_app.state.runtime.db  # type: ignore[no-any-return]

    @property
    def store(self) -> QueueStore:
        return self.queue_app.state.store  # type: ignore[no-any-return]

    @property
    def view(self) -> CatalogView:
        return self.queue_app.state.view  # type: ignore[no-any-return]

    @property
    def admin(self) -> dict[str, str]:
        return staff_token(self.settings, Role.MPP_ADMIN, user_id="admin", username="admin")

    def officer(self, agency_id: str, user_id: str = "officer-1") -> dict[str, str]:
        return staff_token(
            self.settings, Role.OFFICER, agency_id=agency_id, user_id=user_id, username=user_id
        )

    async def new_agency(self) -> Agency:
        code = f"ag-{uuid.uuid4().hex[:10]}"
        await self.catalog.add_agency(code)
        await eventually(lambda: self.view.agency(code), timeout=VIEW_TIMEOUT)
        return Agency(self, code)

    async def add_service(self, agency_id: str, **overrides: Any) -> dict[str, Any]:
        prefix = next(self.prefixes)
        code = f"svc-{prefix.lower()}-{uuid.uuid4().hex[:6]}"
        response = await self.catalog.client.post(
            f"{CATALOG}/services",
            json=service_body(agency_id, code, prefix, **overrides),
            headers=self.catalog.admin,
        )
        assert response.status_code == 201, response.text
        service: dict[str, Any] = response.json()
        await eventually(lambda: self.view.service(service["id"]), timeout=VIEW_TIMEOUT)
        return service

    async def change_service(self, service_id: str, **changes: Any) -> dict[str, Any]:
        response = await self.catalog.client.patch(
            f"{CATALOG}/services/{service_id}", json=changes, headers=self.catalog.admin
        )
        assert response.status_code == 200, response.text
        changed: dict[str, Any] = response.json()
        await eventually(
            lambda: self._has_version(service_id, changed["version"]), timeout=VIEW_TIMEOUT
        )
        return changed

    async def retire_service(self, service_id: str) -> None:
        response = await self.catalog.client.post(
            f"{CATALOG}/services/{service_id}/retire", headers=self.catalog.admin
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: self._is_retired(service_id), timeout=VIEW_TIMEOUT)

    async def add_counter(self, agency_id: str, service_ids: list[str]) -> dict[str, Any]:
        counter = await self.catalog.add_counter(agency_id, next(self.counter_numbers), service_ids)
        await eventually(lambda: self.view.counter(counter["id"]), timeout=VIEW_TIMEOUT)
        return counter

    async def issue(self, service: dict[str, Any], **body: Any) -> dict[str, Any]:
        response = await self.queue.post(
            f"{API}/tickets", json={"service_id": service["id"], "channel": "kiosk", **body}
        )
        assert response.status_code == 201, response.text
        issued: dict[str, Any] = response.json()
        return issued

    async def call_next(self, counter: dict[str, Any], agency_id: str) -> httpx.Response:
        return await self.queue.post(
            f"{API}/counters/{counter['id']}/call-next", headers=self.officer(agency_id)
        )

    async def step(self, ticket_id: str, step: str, agency_id: str, **kw: Any) -> httpx.Response:
        return await self.queue.post(
            f"{API}/tickets/{ticket_id}/{step}", headers=self.officer(agency_id), **kw
        )

    async def ticket_doc(self, ticket_id: str) -> dict[str, Any]:
        doc = await self.db.tickets.find_one({"_id": ticket_id})
        assert doc is not None
        return doc

    async def _has_version(self, service_id: str, version: int) -> bool:
        service = await self.view.service(service_id)
        return service is not None and service.version >= version

    async def _is_retired(self, service_id: str) -> bool:
        service = await self.view.service(service_id)
        return service is not None and service.status == "retired"


def _session_settings(infra: Any, cls: type[Any], name: str, isolation: str, **extra: Any) -> Any:
    return cls(
        service_name=name,
        kafka_bootstrap_servers=infra.bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_db=f"q{isolation}_{name}",
        topic_prefix=f"q{isolation}.",
        jwt_secret=TEST_JWT_SECRET,
        kafka_session_timeout_ms=2000,
        mongo_max_pool_size=EMBEDDED_POOL_SIZE,
        outbox_poll_seconds=0.05,
        log_json=False,
        log_level="WARNING",
        **extra,
    )


@asynccontextmanager
async def running_stack(infra: Any) -> AsyncIterator[Stack]:
    """A catalog and a queue of their own (databases, topics), served on loopback ports."""
    isolation = uuid.uuid4().hex[:8]
    catalog_settings = _session_settings(infra, CatalogSettings, "catalog", isolation)
    catalog_app = build_catalog(catalog_settings)
    catalog_served = await serve(catalog_app)
    queue_settings = _session_settings(
        infra,
        QueueSettings,
        "queue",
        isolation,
        catalog_url=catalog_served.url,
        reset_every_seconds=3600,  # the tests run the closing reset themselves
        board_poll_seconds=0.1,
    )
    queue_app = build_queue(queue_settings)
    queue_served = await serve(queue_app)
    try:
        async with (
            httpx.AsyncClient(base_url=catalog_served.url, timeout=30) as catalog_client,
            httpx.AsyncClient(base_url=queue_served.url, timeout=30) as queue_client,
        ):
            catalog = Catalog(catalog_client, catalog_app.state.runtime, catalog_settings)
            view: CatalogView = queue_app.state.view
            await asyncio.wait_for(view.ready.wait(), 60)
            await asyncio.wait_for(queue_app.state.runtime.bus_ready.wait(), 60)
            yield Stack(catalog, queue_client, queue_app, queue_settings)
    finally:
        await queue_served.stop()
        await catalog_served.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(infra: Any) -> AsyncIterator[Stack]:
    """The session's stack. The MPP is open around the clock and through holidays, so the tests
    run at any hour; the real calendar is the catalog's to test, closing rules the domain's."""
    async with running_stack(infra) as stack:
        response = await stack.catalog.client.patch(
            f"{CATALOG}/settings",
            json={
                "opening_hours": {
                    day: [{"open": "00:00", "close": "24:00"}]
                    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                "observe_national_holidays": False,
                "recall_limit": 2,
                "default_target_wait_minutes": 30,
            },
            headers=stack.catalog.admin,
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]
        await eventually(lambda: _settings_at(stack.view, version), timeout=30)
        yield stack


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_stack(infra: Any) -> AsyncIterator[Stack]:
    """A stack of this test's own, for a test that needs an empty catalog (the demo seed)."""
    async with running_stack(infra) as stack:
        yield stack


@pytest_asyncio.fixture(loop_scope="session")
async def second_replica(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Another replica of the session's queue: same settings, database and consumer group."""
    app = build_queue(stack.settings)
    served = await serve(app)
    # Fully in the consumer group before the test, so that it leaves it cleanly after: a runtime
    # stopped while joining leaves a member behind that stalls the group for ~45 s on Tansu.
    await asyncio.wait_for(app.state.runtime.bus_ready.wait(), 60)
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            yield client
    finally:
        await served.stop()


async def _settings_at(view: CatalogView, version: int) -> bool:
    settings = await view.settings()
    return settings is not None and settings.version >= version


@pytest_asyncio.fixture(loop_scope="session")
async def agency(stack: Stack) -> Agency:
    return await stack.new_agency()
