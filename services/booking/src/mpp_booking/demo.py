"""DATA DEMO — bookings for today in the demo MPP, so ``mpp up`` shows online booking and the
kiosk check-in at work: one booking already checked in (its ticket waits in the queue), one ready
to check in now, and a few later today.

The people are fictional and reachable only at ``.example`` addresses (a reserved domain), so no
message can reach anyone. ``seed(api, context)`` goes through the gateway with mpp_admin
credentials; ``context["catalog"]`` is what :func:`mpp_catalog.demo.seed` returned. A second run
on the same day finds the demo bookings and adds none.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

API = "/api/v1/booking"
CATALOG = "/api/v1/catalog"
DEMO = "(demo)"

# (agency code, service code, how many bookings later today)
LATER_TODAY = [("dukcapil", "ktp-el", 2), ("imigrasi", "paspor-baru", 2), ("polres", "skck", 1)]
# The service whose bookings can be checked in at once: booking stays open until a slot starts.
CHECK_IN_NOW = ("polres", "skck")
PEOPLE = [
    "Budi Santoso",
    "Siti Rahayu",
    "Ahmad Fauzi",
    "Dewi Lestari",
    "Rudi Hartono",
    "Ani Wulandari",
    "Joko Susilo",
    "Rina Marlina",
]


async def seed(api: httpx.AsyncClient, context: dict[str, Any]) -> dict[str, Any]:
    """Create today's demo bookings (only if none exist yet today)."""
    services = _service_ids(context.get("catalog"))
    skck = services[CHECK_IN_NOW]
    await _bookable_until_start(api, skck)
    today = await _today(api, skck)
    if await _demo_bookings_exist(api, today):
        return {"bookings": [], "note": "demo bookings for today exist already"}

    made: list[dict[str, Any]] = []
    people = iter(PEOPLE)
    starting_soon = (await _slots(api, skck, today))[:1]
    for slot in starting_soon * 2:
        made.append(await _book(api, skck, slot, next(people), today, len(made)))
    for agency, code, count in LATER_TODAY:
        service_id = services[(agency, code)]
        for slot in (await _slots(api, service_id, today))[1 : 1 + count]:
            made.append(await _book(api, service_id, slot, next(people), today, len(made)))
    if starting_soon:
        # Within the window (it opens 30 minutes before the slot): the queue issues its ticket.
        checked = await api.post(f"{API}/bookings/{made[0]['code']}/check-in")
        if checked.status_code == 200:
            made[0] = checked.json()
    return {
        "bookings": [
            {"code": b["code"], "service_id": b["service_id"], "slot_start": b["slot_start"]}
            | {"status": b["status"]}
            for b in made
        ],
        "check_in_now": made[1]["code"] if starting_soon else None,
    }


def _service_ids(catalog: Any) -> dict[tuple[str, str], str]:
    if catalog is None:
        raise RuntimeError("demo seed: the booking demo needs the catalog's demo first")
    return {
        (agency.code, code): service_id
        for agency in catalog.agencies
        for code, service_id in agency.service_ids.items()
    }


async def _bookable_until_start(api: httpx.AsyncClient, service_id: str) -> None:
    """Demo data: SKCK bookings stay open until the slot starts, so a booking made now can be
    checked in now (the check-in window opens 30 minutes before the slot)."""
    service = _ok(await api.get(f"{CATALOG}/services/{service_id}", params={"view": "full"}))
    booking = service["booking"]
    if booking["closes_minutes_before"] != 0:
        changed = {**booking, "closes_minutes_before": 0}
        _ok(await api.patch(f"{CATALOG}/services/{service_id}", json={"booking": changed}))
    # The booking service learns of it by event: wait until it offers the next slot.
    await _until(lambda: _offers_a_slot_within(api, service_id, timedelta(minutes=31)))


async def _offers_a_slot_within(api: httpx.AsyncClient, service_id: str, within: timedelta) -> bool:
    response = await api.get(f"{API}/availability", params={"service_id": service_id})
    if response.status_code != 200:
        return False  # the booking service does not know the service yet
    slots = response.json()["slots"]
    return bool(slots) and datetime.fromisoformat(slots[0]["start"]) <= datetime.now(UTC) + within


async def _today(api: httpx.AsyncClient, service_id: str) -> str:
    response = _ok(await api.get(f"{API}/availability", params={"service_id": service_id}))
    return str(response["from"])


async def _slots(api: httpx.AsyncClient, service_id: str, day: str) -> list[str]:
    params = {"service_id": service_id, "from": day, "to": day}
    answer = _ok(await api.get(f"{API}/availability", params=params))
    return [s["start"] for s in answer["slots"] if s["remaining"] >= 2]


async def _demo_bookings_exist(api: httpx.AsyncClient, day: str) -> bool:
    page = _ok(await api.get(f"{API}/bookings", params={"day": day, "limit": "200"}))
    return any(DEMO in (b["name"] or "") for b in page["items"])


async def _book(
    api: httpx.AsyncClient, service_id: str, slot: str, name: str, day: str, n: int
) -> dict[str, Any]:
    body = {
        "service_id": service_id,
        "slot_start": slot,
        "name": f"{name} {DEMO}",
        "email": f"{name.split()[0].lower()}.{n}@kota-contoh.example",
    }
    headers = {"Idempotency-Key": f"demo-booking-{day}-{n}"}
    return dict(_ok(await api.post(f"{API}/bookings", json=body, headers=headers)))


async def _until(probe: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError("demo seed: the booking service did not catch up with the catalog")
        await asyncio.sleep(0.25)


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(
            f"demo seed: {response.request.method} {response.request.url} → "
            f"{response.status_code} {response.text}"
        )
    return response.json()
