"""The catalog service: what the MPP offers, who offers it, where and when.

* Serves ``/api/v1/catalog``: settings, agencies (+ maklumat), services (+ standar pelayanan),
  counters, agency API keys and webhooks; public search and opening times. ``/internal``: the
  snapshot for read models, API key verification, webhooks for notify.
* Publishes ``catalog.agency-upserted``, ``service-upserted``, ``service-retired``,
  ``counter-upserted``, ``settings-updated`` — full state with a version (see
  :mod:`mpp_kit.contracts.catalog`). Consumes nothing.
* Stores agencies, services, counters, settings, api_keys, webhooks in its own database.

Run: ``uvicorn mpp_catalog.main:app``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import FastAPI

from mpp_catalog.integration_store import IntegrationStore
from mpp_catalog.routes_catalog import catalog_routes
from mpp_catalog.routes_integrations import integration_routes
from mpp_catalog.routes_internal import internal_routes
from mpp_catalog.store import CatalogStore
from mpp_kit.contracts.catalog import EVENTS
from mpp_kit.http import create_app
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.settings import KitSettings


class CatalogSettings(KitSettings):
    service_name: str = "catalog"


def build_app(settings: CatalogSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, publishes=EVENTS)
    store = CatalogStore(runtime)
    integrations = IntegrationStore(runtime.db)
    runtime.on_startup(store.prepare)
    app = create_app(
        settings,
        title="mpp catalog",
        description="Agencies, services and their standar pelayanan, counters, MPP settings.",
        routers=[
            catalog_routes(store),
            integration_routes(store, integrations),
            internal_routes(store, integrations),
        ],
        runtime=runtime,
    )
    app.state.store = store
    return app


@cache
def _app_from_environment() -> FastAPI:
    return build_app(CatalogSettings())


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use, so tests can import this module without MPP_* settings.
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
