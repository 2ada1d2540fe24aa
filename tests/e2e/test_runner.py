"""`mpp up` end to end, as a new user runs it: everything starts, the demo is seeded, logins work,
a second start is refused clearly, and Ctrl-C/SIGTERM leaves no process behind."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from mpp_testing import EventReader

from mpp_cli.embedded import free_port, port_open
from mpp_cli.platform import SERVICES, installed_services
from mpp_kit.contracts import BY_CE_TYPE

pytestmark = pytest.mark.e2e
PASSWORD = "demo-password-for-tests"
Running = tuple[subprocess.Popen[str], dict[str, str], str]  # the runner, its env, its output
CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "events"


def _free_block(size: int) -> int:
    for _ in range(100):
        base = random.randint(20000, 40000)
        if not any(port_open(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free port block")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update(
        MPP_DATA_DIR=str(data_dir),
        MPP_GATEWAY_PORT=str(free_port()),
        MPP_SERVICE_PORT_BASE=str(_free_block(len(SERVICES))),
        MPP_EMBEDDED_KAFKA_PORT=str(free_port()),
        MPP_EMBEDDED_MONGO_PORT=str(free_port()),
        MPP_DEMO_PASSWORD=PASSWORD,
        MPP_LOG_LEVEL="WARNING",
    )
    return env


def _ports(env: dict[str, str]) -> list[int]:
    base = int(env["MPP_SERVICE_PORT_BASE"])
    return [
        int(env["MPP_GATEWAY_PORT"]),
        int(env["MPP_EMBEDDED_KAFKA_PORT"]),
        int(env["MPP_EMBEDDED_MONGO_PORT"]),
        *[base + SERVICES.index(s) for s in installed_services()],
    ]


def _mpp_up(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mpp_cli.main", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """Collect the runner's output until ``marker`` appears (a thread reads, so we can time out)."""
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not any(marker in line for line in lines):
        if time.monotonic() > deadline or process.poll() is not None:
            time.sleep(0.5)
            raise AssertionError(f"`mpp up` did not print {marker!r}:\n{''.join(lines)}")
        time.sleep(0.1)
    return "".join(lines)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], str]]:
    env = _env(tmp_path_factory.mktemp("platform") / "data")
    process = _mpp_up(env)
    try:
        output = _read_until(process, "Press Ctrl-C to stop.", timeout=240)
        yield process, env, output
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)


async def test_every_event_the_demo_published_matches_its_contract(platform):
    _, env, _ = platform
    schemas = {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text())
        for path in CONTRACTS.glob("*.schema.json")
    }
    bootstrap = f"127.0.0.1:{env['MPP_EMBEDDED_KAFKA_PORT']}"
    async with EventReader(bootstrap, *schemas) as reader:
        records = await reader.settle(2.0)
    assert records, "the demo published no events"
    for record in records:
        assert EventReader.header(record, "ce_specversion") == "1.0"
        event_type = BY_CE_TYPE[EventReader.header(record, "ce_type")]
        assert record.topic == event_type.topic
        jsonschema.validate(json.loads(record.value), schemas[record.topic])


def test_mpp_up_serves_seeds_refuses_a_second_start_and_stops_cleanly(platform):
    process, env, output = platform
    data_dir = env["MPP_DATA_DIR"]
    gateway = f"http://127.0.0.1:{env['MPP_GATEWAY_PORT']}"
    assert gateway in output
    assert PASSWORD in output
    assert "DEMO" in output

    with httpx.Client(base_url=gateway, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
        login = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["roles"] == ["mpp_admin"]
        if "catalog" in installed_services():
            agencies = client.get("/api/v1/catalog/agencies").json()
            items = agencies["items"] if isinstance(agencies, dict) else agencies
            assert len(items) >= 8
            code = items[0].get("code") or items[0]["id"]
            officer = client.post(
                "/api/v1/auth/token", json={"username": f"{code}.officer1", "password": PASSWORD}
            )
            assert officer.status_code == 200, officer.text

    second = subprocess.run(
        [sys.executable, "-m", "mpp_cli.main", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "already running" in second.stderr

    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    assert not any(port_open(port) for port in _ports(env))
    assert _processes_mentioning(data_dir) == []


def test_mpp_up_with_a_port_taken_says_which_and_starts_nothing(tmp_path):
    env = _env(tmp_path / "data")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(env["MPP_GATEWAY_PORT"])))
        blocker.listen()
        result = subprocess.run(
            [sys.executable, "-m", "mpp_cli.main", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert f"gateway ({env['MPP_GATEWAY_PORT']})" in result.stderr
    assert _processes_mentioning(str(tmp_path)) == []
