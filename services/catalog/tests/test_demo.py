"""The demo MPP for ``mpp up``: realistic, clearly marked, and seeded once however often it runs."""

from __future__ import annotations

from mpp_catalog import demo
from mpp_catalog.testing import API


async def test_demo_seed_builds_the_demo_mpp_and_a_second_run_changes_nothing(catalog):
    catalog.client.headers.update(catalog.admin)
    first = await demo.seed(catalog.client)

    assert len(first.agencies) >= 8
    assert len(first.service_ids) >= 20
    assert len(first.counter_ids) >= len(first.agencies)
    assert {"dukcapil", "dpmptsp", "disnaker", "bapenda", "polres", "imigrasi"} <= set(
        first.agency_codes
    )
    settings = (await catalog.client.get(f"{API}/settings")).json()
    assert settings["name"] == "MPP Kota Contoh (DATA DEMO)"
    assert settings["observe_national_holidays"] is False
    assert all(hours == [{"open": "00:00", "close": "24:00"}] for hours in [
        settings["opening_hours"][day] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ])  # fmt: skip

    # Every service is marked as demo data, belongs to its agency, and is open now.
    for agency in first.agencies:
        for code, service_id in agency.service_ids.items():
            service = (await catalog.client.get(f"{API}/services/{service_id}?view=full")).json()
            assert (service["agency_id"], service["code"]) == (agency.code, code)
            assert "DATA DEMO" in service["description"]
            opening = await catalog.client.get(f"{API}/services/{service_id}/availability-now")
            assert opening.json()["open_now"] is True
        for counter_id in agency.counter_ids:
            counter = (await catalog.client.get(f"{API}/counters/{counter_id}")).json()
            assert counter["agency_id"] == agency.code
            assert set(counter["service_ids"]) <= set(agency.service_ids.values())

    events = await catalog.outbox_count()
    again = await demo.seed(catalog.client)
    assert again == first
    assert await catalog.outbox_count() == events
    assert await catalog.db.services.count_documents({"version": {"$ne": 1}}) == 0


async def test_demo_search_finds_services_in_indonesian(catalog):
    catalog.client.headers.update(catalog.admin)
    await demo.seed(catalog.client)
    catalog.client.headers.pop("Authorization")
    for query, code in (
        ("syarat membuat paspor", "paspor-baru"),
        ("perpanjang paspor", "penggantian-paspor"),
        ("akta lahir", "akta-kelahiran"),
        ("kartu kuning", "kartu-ak1"),
        ("bayar pajak motor", "pkb-tahunan"),
        ("izin mendirikan bangunan", "pbg"),
    ):
        found = await catalog.client.get(f"{API}/services", params={"q": query})
        assert code in [s["code"] for s in found.json()["items"]], query
