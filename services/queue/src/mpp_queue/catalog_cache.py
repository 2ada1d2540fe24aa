"""A short-lived in-process cache over the catalog read model, for the hot paths (issuing a
ticket reads a service, its agency and the MPP's settings; call-next reads a counter and its
services).

An entry lives ``ttl`` seconds. A catalog event handled by this replica also raises the entity's
version floor, so from then on an older copy is neither served nor cached here; other replicas see
the change within ``ttl``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from mpp_kit.catalog_view import SETTINGS_ID, CatalogView
from mpp_kit.contracts.catalog import (
    AgencyState,
    CounterState,
    MppSettings,
    ServiceState,
)
from mpp_kit.mongo import Session

M = TypeVar("M", bound=BaseModel)


class CatalogCache:
    def __init__(self, view: CatalogView, ttl: float = 2.0) -> None:
        self.view = view
        self.ttl = ttl
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}
        self._floors: dict[tuple[str, str], int] = {}
        view.on_change(self._changed)

    async def service(self, service_id: str) -> ServiceState | None:
        return await self._get(("service", service_id), lambda: self.view.service(service_id))

    async def agency(self, agency_id: str) -> AgencyState | None:
        return await self._get(("agency", agency_id), lambda: self.view.agency(agency_id))

    async def counter(self, counter_id: str) -> CounterState | None:
        return await self._get(("counter", counter_id), lambda: self.view.counter(counter_id))

    async def settings(self) -> MppSettings | None:
        return await self._get(("settings", SETTINGS_ID), self.view.settings)

    async def services_for_counter(self, counter_id: str) -> list[ServiceState]:
        """The counter's active services, in the counter's order."""
        counter = await self.counter(counter_id)
        if counter is None:
            return []
        services = [await self.service(i) for i in counter.service_ids]
        return [s for s in services if s is not None and s.status == "active"]

    async def _get(self, key: tuple[str, str], load: Callable[[], Awaitable[M | None]]) -> M | None:
        cached = self._entries.get(key)
        if cached is not None and cached[0] > time.monotonic():
            entity: M = cached[1]
            return entity
        found = await load()
        if found is not None and getattr(found, "version", 0) >= self._floors.get(key, 0):
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, found)
        return found

    async def _changed(self, collection: str, state: BaseModel, session: Session) -> None:
        kind = {
            AgencyState: "agency",
            ServiceState: "service",
            CounterState: "counter",
            MppSettings: "settings",
        }[type(state)]
        key = (kind, SETTINGS_ID if kind == "settings" else str(getattr(state, "id", "")))
        self._floors[key] = getattr(state, "version", 0)
        self._entries.pop(key, None)
