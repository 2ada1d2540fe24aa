from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from mpp_testing import running_app

from mpp_catalog.main import CatalogSettings, build_app
from mpp_catalog.testing import Catalog


@pytest.fixture
def catalog_settings(settings_for: Callable[..., Any]) -> CatalogSettings:
    settings: CatalogSettings = settings_for(CatalogSettings, "catalog")
    return settings


@pytest.fixture
async def catalog(catalog_settings: CatalogSettings) -> AsyncIterator[Catalog]:
    app = build_app(catalog_settings)
    async with running_app(app) as client:
        yield Catalog(client, app.state.runtime, catalog_settings)
