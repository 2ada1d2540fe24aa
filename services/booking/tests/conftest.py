"""The booking tests run against a real stack, started once per session on the session's real
broker and store: the catalog served by uvicorn on a loopback port (the booking's catalog read
model fetches its snapshot over HTTP), the booking app, and — for the end-to-end tests — the real
queue app. Every test makes its own agency and services through the catalog's API.

The booking service's clock can be pinned (``at``) so a test can stand at any instant: before a
slot, in its check-in window, after it, on a holiday.
"""

from __future__ import annotations

import asyncio
import itertools
import string
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from mpp_testing import eventually, staff_token
from mpp_testing.plugin import TEST_JWT_SECRET

from mpp_booking.booking_desk import BookingDesk
from mpp_booking.jobs import BookingJobs
from mpp_booking.main import build_app as build_booking
from mpp_booking.settings import BookingServiceSettings
from mpp_booking.store import BookingStore
from mpp_catalog.main import CatalogSettings
from mpp_catalog.main import build_app as build_catalog
from mpp_catalog.testing import Catalog, service_body
from mpp_cli.embedded import EMBEDDED_POOL_SIZE, free_port
from mpp_kit.auth import Role
from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database

API = "/api/v1/booking"
WIB = ZoneInfo("Asia/Jakarta")
CATALOG = "/api/v1/catalog"
# A Tuesday, 08:00 WIB: where most tests stand (the stack's MPP is open around the clock).
TUESDAY_8AM = datetime(2027, 1, 12, 1, 0, tzinfo=UTC)
BOOKABLE = {
    "enabled": True,
    "slot_minutes": 30,
    "capacity_per_slot": 5,
    "days_ahead": 14,
    "closes_minutes_before": 0,
}
ALL_DAY = {
    day: [{"open": "00:00", "close": "24:00"}]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def _prefixes() -> Iterator[str]:
    # Two letters: the demo catalog's services use single ones.
    return (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)


_phones = itertools.count(10_000_000)


def new_phone() -> str:
    """A fresh, well-formed Indonesian mobile number (local form)."""
    return f"0812{next(_phones):08d}"


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

    async def started() -> bool:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        return server.started

    await eventually(started, timeout=60)
    return Served(server, task, f"http://127.0.0.1:{port}")


@dataclass
class Stack:
    catalog: Catalog
    booking: httpx.AsyncClient
    booking_app: FastAPI
    settings: BookingServiceSettings
    prefixes: Iterator[str] = field(default_factory=_prefixes)

    @property
    def db(self) -> Database:
        return self.booking_app.state.runtime.db  # type: ignore[no-any-return]

    @property
    def store(self) -> BookingStore:
        return self.booking_app.state.store  # type: ignore[no-any-return]

    @property
    def desk(self) -> BookingDesk:
        return self.booking_app.state.desk  # type: ignore[no-any-return]

    @property
    def jobs(self) -> BookingJobs:
        return self.booking_app.state.jobs  # type: ignore[no-any-return]

    @property
    def view(self) -> CatalogView:
        return self.booking_app.state.view  # type: ignore[no-any-return]

    @property
    def admin(self) -> dict[str, str]:
        return staff_token(self.settings, Role.MPP_ADMIN, user_id="admin", username="admin")

    def staff(self, agency_id: str, role: Role = Role.OFFICER) -> dict[str, str]:
        return staff_token(self.settings, role, agency_id=agency_id, user_id=f"{role}-{agency_id}")

    async def new_agency(self) -> str:
        code = f"ag-{uuid.uuid4().hex[:10]}"
        await self.catalog.add_agency(code)
        await eventually(lambda: self.view.agency(code))
        return code

    async def add_service(self, agency_id: str, **overrides: Any) -> dict[str, Any]:
        prefix = next(self.prefixes)
        code = f"svc-{prefix.lower()}-{uuid.uuid4().hex[:6]}"
        body = service_body(agency_id, code, prefix, booking=dict(BOOKABLE))
        body.update(overrides)
        response = await self.catalog.client.post(
            f"{CATALOG}/services", json=body, headers=self.catalog.admin
        )
        assert response.status_code == 201, response.text
        service: dict[str, Any] = response.json()
        await eventually(lambda: self.view.service(service["id"]))
        return service

    async def change_settings(self, **changes: Any) -> None:
        response = await self.catalog.client.patch(
            f"{CATALOG}/settings", json=changes, headers=self.catalog.admin
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]

        async def arrived() -> bool:
            settings = await self.view.settings()
            return settings is not None and settings.version >= version

        await eventually(arrived, timeout=30)

    # Where most tests stand, and the slots around it.
    monday_8am = TUESDAY_8AM - timedelta(days=1)
    tuesday_8am = TUESDAY_8AM

    @staticmethod
    def slot(day_offset: int = 0, hour: int = 9, minute: int = 0) -> datetime:
        """A slot start in WIB, ``day_offset`` days after Tuesday 12 January 2027."""
        day = TUESDAY_8AM.astimezone(WIB).date() + timedelta(days=day_offset)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)

    @staticmethod
    def new_phone() -> str:
        return new_phone()

    async def book(
        self,
        service: dict[str, Any],
        slot_start: datetime,
        *,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> httpx.Response:
        body = {
            "service_id": service["id"],
            "slot_start": slot_start.isoformat(),
            "name": "Budi Santoso",
            "phone": new_phone(),
            **fields,
        }
        return await self.booking.post(f"{API}/bookings", json=body, headers=headers)

    async def booked(self, service: dict[str, Any], slot_start: datetime, **fields: Any) -> Any:
        response = await self.book(service, slot_start, **fields)
        assert response.status_code == 201, response.text
        return response.json()

    async def availability(self, service: dict[str, Any], **params: str) -> Any:
        response = await self.booking.get(
            f"{API}/availability", params={"service_id": service["id"], **params}
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def booking_doc(self, booking_id: str) -> dict[str, Any]:
        doc = await self.db.bookings.find_one({"_id": booking_id})
        assert doc is not None
        return doc

    async def outbox(self, ce_type_name: str | None = None) -> list[dict[str, Any]]:
        query = {} if ce_type_name is None else {"ce_type": f"id.mpp.booking.{ce_type_name}.v1"}
        return await self.db.outbox.find(query).to_list()

    async def state(self) -> dict[str, Any]:
        """What a refused request must leave as it was: bookings, places, claims, events."""
        places = await self.db.capacity.find({"taken": {"$gt": 0}}).sort("_id").to_list()
        return {
            "bookings": await self.db.bookings.find().sort("_id").to_list(),
            "places": [(p["_id"], p["taken"], sorted(p["holds"])) for p in places],
            "claims": await self.db.person_day_claims.find().sort("_id").to_list(),
            "outbox": await self.db.outbox.count_documents({}),
        }


def _session_settings(infra: Any, cls: type[Any], name: str, isolation: str, **extra: Any) -> Any:
    return cls(
        service_name=name,
        kafka_bootstrap_servers=infra.bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_db=f"b{isolation}_{name}",
        topic_prefix=f"b{isolation}.",
        jwt_secret=TEST_JWT_SECRET,
        kafka_session_timeout_ms=2000,
        mongo_max_pool_size=EMBEDDED_POOL_SIZE,
        outbox_poll_seconds=0.05,
        log_json=False,
        log_level="WARNING",
        **extra,
    )


@dataclass
class Session:
    infra: Any
    isolation: str
    catalog_url: str

    def settings(self, cls: type[Any], name: str, **extra: Any) -> Any:
        return _session_settings(
            self.infra, cls, name, self.isolation, catalog_url=self.catalog_url, **extra
        )

    def booking_settings(self) -> BookingServiceSettings:
        # The jobs are run by the tests themselves, at the instants they choose.
        settings: BookingServiceSettings = self.settings(
            BookingServiceSettings,
            "booking",
            no_show_every_seconds=3600,
            reminders_every_seconds=3600,
            repair_every_seconds=3600,
        )
        return settings


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session(infra: Any) -> AsyncIterator[tuple[Session, Catalog]]:
    isolation = uuid.uuid4().hex[:8]
    catalog_settings = _session_settings(infra, CatalogSettings, "catalog", isolation)
    catalog_app = build_catalog(catalog_settings)
    served = await serve(catalog_app)
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        catalog = Catalog(client, catalog_app.state.runtime, catalog_settings)
        # Open around the clock and through holidays, so the tests stand at any instant; the
        # closed-days test switches the national calendar on for itself.
        response = await client.patch(
            f"{CATALOG}/settings",
            json={"opening_hours": ALL_DAY, "observe_national_holidays": False},
            headers=catalog.admin,
        )
        assert response.status_code == 200, response.text
        yield Session(infra, isolation, served.url), catalog
    await served.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(session: tuple[Session, Catalog]) -> AsyncIterator[Stack]:
    where, catalog = session
    settings = where.booking_settings()
    app = build_booking(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
            await asyncio.wait_for(app.state.view.ready.wait(), 60)
            await asyncio.wait_for(app.state.runtime.bus_ready.wait(), 60)
            yield Stack(catalog, client, app, settings)


@pytest.fixture
def at(stack: Stack) -> Iterator[Any]:
    """Pin the booking service's clock: ``at(instant)``; back to real time after the test."""

    def pin(instant: datetime) -> datetime:
        stack.desk.now = lambda: instant
        return instant

    yield pin
    stack.desk.now = utcnow


@pytest_asyncio.fixture(loop_scope="session")
async def agency(stack: Stack) -> str:
    return await stack.new_agency()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def queue(session: tuple[Session, Catalog], stack: Stack) -> AsyncIterator[FastAPI]:
    """The real queue service, consuming the booking's check-ins from the same broker."""
    from mpp_queue.main import build_app as build_queue
    from mpp_queue.settings import QueueSettings

    where, _ = session
    app = build_queue(where.settings(QueueSettings, "queue", reset_every_seconds=3600))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        await asyncio.wait_for(app.state.view.ready.wait(), 60)
        await asyncio.wait_for(app.state.runtime.bus_ready.wait(), 60)
        yield app
