"""Duplicates are 409 problem documents, decided by unique indexes (so races cannot beat them)."""

from __future__ import annotations

import asyncio

from mpp_catalog.testing import API, agency_body, service_body


async def test_duplicate_agency_code_is_409_and_the_first_stands(catalog):
    await catalog.add_agency("dukcapil", name="Dinas Pertama")
    events_before = await catalog.outbox_count()
    again = await catalog.client.post(
        f"{API}/agencies", json=agency_body("dukcapil", name="Dinas Kedua"), headers=catalog.admin
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["errors"] == [{"field": "code", "message": "already taken"}]
    assert (await catalog.db.agencies.find_one({"_id": "dukcapil"}))["name"] == "Dinas Pertama"
    assert await catalog.outbox_count() == events_before


async def test_service_code_is_unique_within_its_agency_only(catalog):
    await catalog.add_agency("dukcapil")
    await catalog.add_agency("polres")
    await catalog.add_service("dukcapil", "legalisir", "A")
    same_agency = await catalog.client.post(
        f"{API}/services", json=service_body("dukcapil", "legalisir", "B"), headers=catalog.admin
    )
    assert same_agency.status_code == 409
    assert same_agency.json()["errors"][0]["field"] == "code"
    await catalog.add_service("polres", "legalisir", "C")
    assert await catalog.db.services.count_documents({}) == 2


async def test_ticket_prefix_is_unique_across_the_mpp_until_its_service_retires(catalog):
    await catalog.add_agency("dukcapil")
    await catalog.add_agency("polres")
    first = await catalog.add_service("dukcapil", "ktp-el", "A")
    taken = await catalog.client.post(
        f"{API}/services", json=service_body("polres", "skck", "A"), headers=catalog.admin
    )
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "ticket_prefix"
    other = await catalog.add_service("polres", "skck", "S")
    renamed = await catalog.client.patch(
        f"{API}/services/{other['id']}", json={"ticket_prefix": "A"}, headers=catalog.admin
    )
    assert renamed.status_code == 409
    assert (await catalog.db.services.find_one({"_id": other["id"]}))["ticket_prefix"] == "S"

    await catalog.client.post(f"{API}/services/{first['id']}/retire", headers=catalog.admin)
    freed = await catalog.client.patch(
        f"{API}/services/{other['id']}", json={"ticket_prefix": "A"}, headers=catalog.admin
    )
    assert (freed.status_code, freed.json()["ticket_prefix"]) == (200, "A")


async def test_concurrent_services_with_one_prefix_give_one_201_and_the_rest_409(catalog):
    await catalog.add_agency("dukcapil")
    events_before = await catalog.outbox_count()
    responses = await asyncio.gather(
        *[
            catalog.client.post(
                f"{API}/services",
                json=service_body("dukcapil", f"layanan-{i}", "Z"),
                headers=catalog.admin,
            )
            for i in range(8)
        ]
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert await catalog.db.services.count_documents({"ticket_prefix": "Z"}) == 1
    assert await catalog.outbox_count() == events_before + 1


async def test_duplicate_counter_number_is_409(catalog):
    await catalog.add_agency("dukcapil")
    await catalog.add_agency("polres")
    await catalog.add_counter("dukcapil", 3, [])
    body = {"agency_id": "polres", "number": 3, "name": "Loket 3"}
    again = await catalog.client.post(f"{API}/counters", json=body, headers=catalog.admin)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "number"
    assert await catalog.db.counters.count_documents({}) == 1


async def test_a_retired_service_cannot_be_changed(catalog):
    await catalog.add_agency("dukcapil")
    service = await catalog.add_service("dukcapil", "ktp-el", "A")
    retired = await catalog.client.post(
        f"{API}/services/{service['id']}/retire", headers=catalog.admin
    )
    assert (retired.json()["status"], retired.json()["version"]) == ("retired", 2)
    again = await catalog.client.post(
        f"{API}/services/{service['id']}/retire", headers=catalog.admin
    )
    assert (again.status_code, again.json()["version"]) == (200, 2)
    patched = await catalog.client.patch(
        f"{API}/services/{service['id']}", json={"name": "Hidup Lagi"}, headers=catalog.admin
    )
    assert patched.status_code == 409
    assert patched.json()["type"] == "/problems/service-retired"


async def test_creating_a_service_twice_with_one_idempotency_key_creates_it_once(catalog):
    await catalog.add_agency("dukcapil")
    body = service_body("dukcapil", "ktp-el", "A")
    headers = {**catalog.admin, "Idempotency-Key": "kiosk-tap-1"}
    first = await catalog.client.post(f"{API}/services", json=body, headers=headers)
    second = await catalog.client.post(f"{API}/services", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert await catalog.db.services.count_documents({}) == 1


async def test_unchanged_patch_bumps_no_version_and_publishes_nothing(catalog):
    await catalog.add_agency("dukcapil")
    service = await catalog.add_service("dukcapil", "ktp-el", "A")
    events_before = await catalog.outbox_count()
    same = await catalog.client.patch(
        f"{API}/services/{service['id']}", json={"name": service["name"]}, headers=catalog.admin
    )
    assert same.json()["version"] == 1
    assert await catalog.outbox_count() == events_before
