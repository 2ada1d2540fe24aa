"""Helpers for tests that talk to real processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from mpp_kit.auth import Principal, Role, TokenKeys
from mpp_kit.settings import KitSettings

T = TypeVar("T")


@asynccontextmanager
async def running_app(
    app: FastAPI, base_url: str = "http://service"
) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (store, bus, consumers) and give an HTTP client to it."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def eventually(
    probe: Callable[[], Awaitable[T]], *, timeout: float = 20.0, interval: float = 0.05
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        await asyncio.sleep(interval)


def settings_env(settings: KitSettings) -> dict[str, str]:
    """The ``MPP_*`` environment that reproduces ``settings`` in another process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"MPP_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def staff_token(
    settings: KitSettings,
    *roles: Role,
    agency_id: str | None = None,
    user_id: str = "u-test",
    username: str = "tester",
) -> dict[str, str]:
    """Authorization headers for a staff member, signed like the gateway signs them."""
    principal = Principal(user_id, username, frozenset(roles), agency_id)
    token = TokenKeys(settings).issue(principal, timedelta(minutes=10))
    return {"Authorization": f"Bearer {token}"}


class EventReader:
    """Reads a topic from the beginning, as an independent consumer would."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.records: list[Any] = []

    async def __aenter__(self) -> EventReader:
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def read(self, count: int, timeout: float = 20.0) -> list[Any]:
        """Wait until at least ``count`` records have arrived; returns all read so far."""
        deadline = time.monotonic() + timeout
        while len(self.records) < count and time.monotonic() < deadline:
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                self.records.extend(records)
        if len(self.records) < count:
            raise AssertionError(f"expected {count} records, got {len(self.records)}")
        return self.records

    async def settle(self, quiet: float = 1.0) -> list[Any]:
        """Read until nothing new arrives for ``quiet`` seconds (to prove there is no extra)."""
        while True:
            batch = await self._consumer.getmany(timeout_ms=int(quiet * 1000))
            if not batch:
                return self.records
            for records in batch.values():
                self.records.extend(records)

    @staticmethod
    def header(record: Any, name: str) -> str | None:
        for key, value in record.headers:
            if key == name:
                return str(value.decode())
        return None
