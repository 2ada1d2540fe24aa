"""``mpp up``: the whole platform on one machine — broker, store, every service, the gateway.

Processes start in order and are checked for readiness; one that fails is reported with the tail
of its log and everything else is stopped. Ctrl-C or SIGTERM stops everything in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mpp_cli.embedded import (
    EMBEDDED_POOL_SIZE,
    ManagedProcess,
    mongo_uri,
    port_open,
    secantus,
    tansu,
)

# Services in start order; the catalog first because the others read it. The gateway comes last.
SERVICES = ("catalog", "queue", "booking", "notify")


class StartupError(RuntimeError):
    """Something the user must fix before the platform can start; the message says what."""


@dataclass
class PlatformConfig:
    """Where everything runs; every value can be set by ``MPP_*`` environment variables."""

    data_dir: Path
    gateway_port: int = 8000
    service_port_base: int = 8101
    kafka_port: int = 19092
    mongo_port: int = 27018
    external_kafka: str | None = None
    external_mongo: str | None = None
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, kafka: str | None = None, mongo: str | None = None) -> PlatformConfig:
        env = os.environ
        return cls(
            data_dir=Path(env.get("MPP_DATA_DIR", ".mpp")).resolve(),
            gateway_port=int(env.get("MPP_GATEWAY_PORT", "8000")),
            service_port_base=int(env.get("MPP_SERVICE_PORT_BASE", "8101")),
            kafka_port=int(env.get("MPP_EMBEDDED_KAFKA_PORT", "19092")),
            mongo_port=int(env.get("MPP_EMBEDDED_MONGO_PORT", "27018")),
            external_kafka=kafka or env.get("MPP_KAFKA_BOOTSTRAP_SERVERS"),
            external_mongo=mongo or env.get("MPP_MONGO_URI"),
            log_level=env.get("MPP_LOG_LEVEL", "INFO"),
        )

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def bootstrap(self) -> str:
        return self.external_kafka or f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo(self) -> str:
        return self.external_mongo or mongo_uri(self.mongo_port)

    def service_port(self, name: str) -> int:
        return self.service_port_base + SERVICES.index(name)

    def url(self, name: str) -> str:
        port = self.gateway_port if name == "gateway" else self.service_port(name)
        return f"http://127.0.0.1:{port}"


def installed_services() -> list[str]:
    """The services whose packages are installed (the platform grows issue by issue)."""
    return [name for name in SERVICES if importlib.util.find_spec(f"mpp_{name}") is not None]


def persistent_secret(path: Path, env_value: str | None, length: int = 32) -> str:
    """A secret from the environment, else one generated once and kept under the data dir."""
    if env_value:
        return env_value
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(length)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


class Platform:
    """The running processes, in start order."""

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.processes: list[ManagedProcess] = []
        self.jwt_secret = ""
        self.demo_password = ""

    @property
    def pid_file(self) -> Path:
        return self.config.data_dir / "mpp.pid"

    def check_can_start(self) -> None:
        if self.pid_file.exists():
            with contextlib.suppress(ValueError, OSError):
                pid = int(self.pid_file.read_text())
                os.kill(pid, 0)
                raise StartupError(
                    f"mpp is already running (pid {pid}, data in {self.config.data_dir}). "
                    "Stop it with Ctrl-C in its terminal or `kill {pid}`."
                )
        wanted = {f"gateway ({self.config.gateway_port})": self.config.gateway_port}
        wanted.update(
            {
                f"{s} ({self.config.service_port(s)})": self.config.service_port(s)
                for s in installed_services()
            }
        )
        if not self.config.external_kafka:
            wanted[f"kafka ({self.config.kafka_port})"] = self.config.kafka_port
        if not self.config.external_mongo:
            wanted[f"mongodb ({self.config.mongo_port})"] = self.config.mongo_port
        taken = [name for name, port in wanted.items() if port_open(port)]
        if taken:
            raise StartupError(
                f"These ports are already in use: {', '.join(taken)}. Stop what uses them, "
                "or choose others with MPP_GATEWAY_PORT, MPP_SERVICE_PORT_BASE, "
                "MPP_EMBEDDED_KAFKA_PORT and MPP_EMBEDDED_MONGO_PORT."
            )

    def prepare(self) -> None:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config.log_dir.mkdir(exist_ok=True)
        self.pid_file.write_text(str(os.getpid()))
        self.jwt_secret = persistent_secret(
            self.config.data_dir / "jwt-secret", os.environ.get("MPP_JWT_SECRET")
        )
        self.demo_password = persistent_secret(
            self.config.data_dir / "demo-password", os.environ.get("MPP_DEMO_PASSWORD"), 9
        )

    def service_env(self, name: str) -> dict[str, str]:
        env = {
            "MPP_KAFKA_BOOTSTRAP_SERVERS": self.config.bootstrap,
            "MPP_MONGO_URI": self.config.mongo,
            "MPP_JWT_SECRET": self.jwt_secret,
            "MPP_LOG_LEVEL": self.config.log_level,
            "MPP_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "MPP_MONGO_MAX_POOL_SIZE": str(
                EMBEDDED_POOL_SIZE if not self.config.external_mongo else 100
            ),
            "MPP_CONTRACTS_DIR": str(Path.cwd() / "contracts"),
        }
        env.update({f"MPP_{s.upper()}_URL": self.config.url(s) for s in SERVICES})
        env.pop("MPP_MONGO_DB", None)
        env.update(self.config.extra_env)
        return env

    def start_infrastructure(self) -> None:
        if not self.config.external_kafka:
            self._start(tansu(self.config.kafka_port, self.config.log_dir))
        if not self.config.external_mongo:
            self._start(
                secantus(
                    self.config.mongo_port, self.config.data_dir / "store", self.config.log_dir
                )
            )
        for process in self.processes:
            process.wait_listening()

    async def create_topics(self) -> None:
        from mpp_kit.contracts import EVENT_TYPES
        from mpp_kit.topics import dead_letter_topic, ensure_topics

        topics = [t.topic for t in EVENT_TYPES]
        await ensure_topics(
            self.config.bootstrap, topics + [dead_letter_topic(t) for t in topics], 3
        )

    async def start_services(self) -> None:
        names = [*installed_services(), "gateway"]
        for name in names:
            port = self.config.gateway_port if name == "gateway" else self.config.service_port(name)
            process = ManagedProcess(
                name,
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    f"mpp_{name}.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "10",
                ],
                self.config.log_dir / f"{name}.log",
                port,
                env=self.service_env(name),
            )
            self._start(process)
        async with httpx.AsyncClient(timeout=2.0) as client:
            await asyncio.gather(
                *[self._wait_ready(client, p) for p in self.processes if p.name in names]
            )

    def _start(self, process: ManagedProcess) -> None:
        process.start()
        self.processes.append(process)

    async def _wait_ready(
        self, client: httpx.AsyncClient, process: ManagedProcess, timeout: float = 90.0
    ) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{process.port}/readyz"
        while time.monotonic() < deadline:
            if not process.alive():
                raise StartupError(f"{process.name} exited while starting.\n{tail(process)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
        raise StartupError(f"{process.name} not ready after {timeout:.0f} s.\n{tail(process)}")

    def dead_process(self) -> ManagedProcess | None:
        return next((p for p in self.processes if not p.alive()), None)

    def stop(self) -> None:
        """Stop in reverse order: the gateway first, the store last (it keeps the data)."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()


def tail(process: ManagedProcess) -> str:
    return f"Last lines of {process.log_path}:\n{process.log_tail()}"


@contextlib.contextmanager
def stop_signals_raise_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so one path stops everything in order."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
