"""Fixtures: notify's settings per test, and a real catalog served on a port (names, webhooks)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mpp_catalog.main import CatalogSettings
from mpp_catalog.main import build_app as build_catalog
from mpp_catalog.testing import Catalog
from mpp_cli.embedded import free_port
from mpp_kit.auth import Role
from mpp_notify.settings import NotifySettings
from mpp_notify.testing import serving


@pytest.fixture
def notify_settings(settings_for: Callable[..., Any]) -> Callable[..., NotifySettings]:
    """Notify's settings for this test: fast polling, short retries, no catalog unless given."""

    def build(**overrides: Any) -> NotifySettings:
        values: dict[str, Any] = {
            "catalog_url": f"http://127.0.0.1:{free_port()}",  # nobody there
            "dispatch_poll_seconds": 0.05,
            "webhook_sync_seconds": 0.3,
            "send_timeout_seconds": 2.0,
            "lease_seconds": 5.0,
            "message_retry_base_seconds": 0.2,
            "webhook_retry_base_seconds": 0.2,
            "public_url": "https://mpp.example.go.id",
            **overrides,
        }
        settings: NotifySettings = settings_for(NotifySettings, "notify", **values)
        return settings

    return build


@dataclass
class Mpp:
    """A real catalog, served on a port, with two agencies: what notify's names come from."""

    catalog: Catalog
    url: str
    agency: str = "dukcapil"
    other_agency: str = "samsat"
    service_id: str = ""
    other_service_id: str = ""
    counter_id: str = ""

    async def webhook(self, agency: str, url: str, event_types: list[str], secret: str) -> str:
        response = await self.catalog.client.post(
            f"/api/v1/catalog/agencies/{agency}/webhooks",
            json={"url": url, "event_types": event_types, "secret": secret},
            headers=self.catalog.as_(Role.AGENCY_ADMIN, agency),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@pytest.fixture
async def mpp(settings_for: Callable[..., Any]) -> AsyncIterator[Mpp]:
    settings: CatalogSettings = settings_for(CatalogSettings, "catalog")
    app = build_catalog(settings)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        catalog = Catalog(client, app.state.runtime, settings)
        await catalog.add_agency("dukcapil", name="Dinas Kependudukan dan Pencatatan Sipil")
        await catalog.add_agency("samsat", name="Samsat Kota Contoh")
        service = await catalog.add_service("dukcapil", "ktp-el", "A", name="Perekaman KTP-el")
        other = await catalog.add_service("samsat", "pajak-tahunan", "S", name="Pajak Tahunan")
        counter = await catalog.add_counter("dukcapil", 3, [service["id"]])
        yield Mpp(
            catalog,
            url,
            service_id=service["id"],
            other_service_id=other["id"],
            counter_id=counter["id"],
        )
