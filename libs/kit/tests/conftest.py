from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sample_service import SampleService

from mpp_kit.settings import KitSettings


@pytest.fixture
def sample(settings_for: Callable[..., Any]) -> Callable[..., SampleService]:
    """Build the kit's sample service against the test broker and store."""

    def build(*, consume: bool = False, **overrides: Any) -> SampleService:
        return SampleService(settings_for(KitSettings, "sample", **overrides), consume=consume)

    return build
