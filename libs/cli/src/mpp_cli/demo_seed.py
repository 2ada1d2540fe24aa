"""Demo data for ``mpp up``: the MPP administrator, each service's demo seed, and the staff of
every demo agency. Each step is idempotent, so a second ``mpp up`` changes nothing."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import httpx
from pymongo import AsyncMongoClient

ADMIN = "admin"


@dataclass
class DemoSummary:
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, role)
    notes: list[str] = field(default_factory=list)


async def ensure_user(
    mongo_uri: str,
    username: str,
    password: str,
    roles: list[str],
    agency_id: str | None,
    full_name: str,
) -> bool:
    """Create a staff user in the gateway's database unless it exists; True if created."""
    from mpp_gateway.users import add_user

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    try:
        db = client["gateway"]
        if await db.users.find_one({"username": username}):
            return False
        await add_user(db, username, password, roles, agency_id, full_name)
        return True
    finally:
        await client.close()


async def seed(gateway_url: str, mongo_uri: str, password: str, services: list[str]) -> DemoSummary:
    summary = DemoSummary()
    await ensure_user(mongo_uri, ADMIN, password, ["mpp_admin"], None, "Administrator MPP (demo)")
    summary.logins.append((ADMIN, "mpp_admin"))
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30.0) as api:
        login = await api.post("/api/v1/auth/token", json={"username": ADMIN, "password": password})
        login.raise_for_status()
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        context: dict[str, Any] = {}
        for name in services:
            try:
                demo = importlib.import_module(f"mpp_{name}.demo")
            except ModuleNotFoundError:
                continue
            context[name] = (
                await demo.seed(api) if name == "catalog" else await demo.seed(api, context)
            )
    inbox = (context.get("notify") or {}).get("inbox_url")
    if inbox:
        summary.notes.append(f"\nDev inbox (notifications the demo sent): {inbox}")
    catalog = context.get("catalog")
    for agency in getattr(catalog, "agencies", []):
        code = agency if isinstance(agency, str) else agency.code
        for suffix, role in (
            ("admin", "agency_admin"),
            ("officer1", "officer"),
            ("officer2", "officer"),
        ):
            username = f"{code}.{suffix}"
            await ensure_user(
                mongo_uri, username, password, [role], code, f"{suffix.title()} {code} (demo)"
            )
            summary.logins.append((username, role))
    return summary
