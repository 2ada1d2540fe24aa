"""Session fixtures start Tansu and SecantusDB once; each test gets its own database names and
topic prefix, so tests never see each other's data. No mocks of Kafka or MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mpp_cli.embedded import (
    EMBEDDED_POOL_SIZE,
    ManagedProcess,
    free_port,
    mongo_uri,
    secantus,
    tansu,
)
from mpp_kit.settings import KitSettings

S = TypeVar("S", bound=KitSettings)
TEST_JWT_SECRET = "test-secret-for-mpp-platform-tests-only"


@dataclass
class Infra:
    broker: ManagedProcess
    store: ManagedProcess

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker.port}"

    @property
    def mongo_uri(self) -> str:
        return mongo_uri(self.store.port)


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    """One real broker and one real store for the whole test session."""
    root = tmp_path_factory.mktemp("infra")
    broker = tansu(free_port(), root / "logs")
    store = secantus(free_port(), root / "secantus-data", root / "logs")
    for process in (broker, store):
        process.start()
    try:
        for process in (broker, store):
            process.wait_listening()
        yield Infra(broker, store)
    finally:
        for process in (broker, store):
            process.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[ManagedProcess]:
    """A broker of this test's own, which the test may stop and restart (fault tests)."""
    broker = tansu(free_port(), tmp_path / "logs")
    broker.start()
    broker.wait_listening()
    yield broker
    broker.stop()


@pytest.fixture
def isolation() -> str:
    """A short id that names this test's databases and topics."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def settings_for(infra: Infra, isolation: str) -> Callable[..., Any]:
    """Build a service's settings pointing at the test broker and store, isolated to this test."""

    def build(cls: type[S], service: str | None = None, **overrides: Any) -> S:
        name = service or cls().service_name
        values: dict[str, Any] = {
            "service_name": name,
            "kafka_bootstrap_servers": infra.bootstrap,
            "mongo_uri": infra.mongo_uri,
            "mongo_db": f"t{isolation}_{name}",
            "topic_prefix": f"t{isolation}.",
            "jwt_secret": TEST_JWT_SECRET,
            "kafka_session_timeout_ms": 2000,
            "mongo_max_pool_size": EMBEDDED_POOL_SIZE,
            "outbox_poll_seconds": 0.05,
            "log_json": False,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return cls(**values)

    return build
