"""``python -m mpp_gateway.users add`` creates the first mpp_admin (``mpp user add`` wraps it)."""

from __future__ import annotations

import asyncio
import os
import sys

from mpp_testing import settings_env


async def run_cli(settings, *args: str, stdin: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mpp_gateway.users",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **settings_env(settings)},
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_cli_creates_an_mpp_admin_who_can_log_in(gateway, gateway_settings, staff):
    settings = gateway_settings()
    code, out, err = await run_cli(
        settings,
        "add",
        "--username",
        "admin",
        "--role",
        "mpp_admin",
        "--password-stdin",
        stdin="the-first-admin-password\n",
    )
    assert (code, err) == (0, "")
    assert "created user admin (mpp_admin)" in out
    async with gateway() as client:
        headers = await staff.log_in(client, "admin", "the-first-admin-password")
        me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.json()["roles"] == ["mpp_admin"]


async def test_cli_refuses_a_taken_username_and_an_officer_without_agency(gateway_settings):
    settings = gateway_settings()
    args = ("add", "--username", "dukcapil.loket1", "--role", "officer", "--password-stdin")
    no_agency = await run_cli(settings, *args, stdin="long-enough-pw\n")
    first = await run_cli(settings, *args, "--agency", "dukcapil", stdin="long-enough-pw\n")
    again = await run_cli(settings, *args, "--agency", "dukcapil", stdin="long-enough-pw\n")
    assert no_agency[0] == 1 and "agency_id" in no_agency[2]
    assert first[0] == 0
    assert again[0] == 1 and "taken" in again[2]
