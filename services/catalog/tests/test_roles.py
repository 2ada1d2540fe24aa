"""Each role's allowed and refused actions, and tenant isolation between agencies (issue 3)."""

from __future__ import annotations

import pytest

from mpp_catalog.testing import API, service_body
from mpp_kit.auth import Role
from mpp_kit.contracts.catalog import SERVICE_UPSERTED

HOOK = {"url": "https://example.test/hook", "event_types": [SERVICE_UPSERTED.ce_type]}


@pytest.fixture
async def two_agencies(catalog):
    """dukcapil and polres, each with a service, a counter, an API key and a webhook."""
    ids = {}
    for code, prefix, number in (("dukcapil", "A", 1), ("polres", "S", 2)):
        await catalog.add_agency(code)
        service = await catalog.add_service(code, f"{code}-layanan", prefix)
        counter = await catalog.add_counter(code, number, [service["id"]])
        key = await catalog.client.post(
            f"{API}/agencies/{code}/api-keys", json={"name": "sistem"}, headers=catalog.admin
        )
        hook = await catalog.client.post(
            f"{API}/agencies/{code}/webhooks",
            json=HOOK,
            headers=catalog.admin,
        )
        ids[code] = {
            "service": service["id"],
            "counter": counter["id"],
            "key": key.json()["id"],
            "webhook": hook.json()["id"],
        }
    return ids


def _agency_writes(ids, code, prefix):
    """Every change an agency_admin may make to the data of agency ``code``."""
    own = ids[code]
    return [
        ("PATCH", f"/agencies/{code}", {"name": "Nama Baru Dinas"}),
        ("POST", "/services", service_body(code, f"baru-{code}", prefix)),
        ("PATCH", f"/services/{own['service']}", {"name": "Nama Baru Layanan"}),
        ("POST", f"/services/{own['service']}/retire", None),
        ("POST", "/counters", {"agency_id": code, "number": 50, "name": "Loket 50"}),
        ("PATCH", f"/counters/{own['counter']}", {"name": "Loket Baru"}),
        ("GET", f"/agencies/{code}/api-keys", None),
        ("POST", f"/agencies/{code}/api-keys", {"name": "kunci"}),
        ("POST", f"/agencies/{code}/api-keys/{own['key']}/revoke", None),
        ("GET", f"/agencies/{code}/webhooks", None),
        ("POST", f"/agencies/{code}/webhooks", HOOK),
        ("GET", f"/agencies/{code}/webhooks/{own['webhook']}", None),
        ("PATCH", f"/agencies/{code}/webhooks/{own['webhook']}", {"active": False}),
        ("POST", f"/agencies/{code}/webhooks/{own['webhook']}/rotate-secret", None),
        ("DELETE", f"/agencies/{code}/webhooks/{own['webhook']}", None),
    ]  # fmt: skip


async def _call(catalog, method, path, body, headers):
    return await catalog.client.request(method, f"{API}{path}", json=body, headers=headers)


async def test_agency_admin_of_one_agency_gets_403_on_everything_of_another(catalog, two_agencies):
    intruder = catalog.as_(Role.AGENCY_ADMIN, "dukcapil")
    events_before = await catalog.outbox_count()
    for method, path, body in _agency_writes(two_agencies, "polres", "Q"):
        response = await _call(catalog, method, path, body, intruder)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    full = await catalog.client.get(
        f"{API}/services/{two_agencies['polres']['service']}?view=full", headers=intruder
    )
    listed = await catalog.client.get(
        f"{API}/services?view=full&agency_id=polres", headers=intruder
    )
    assert (full.status_code, listed.status_code) == (403, 403)
    assert await catalog.outbox_count() == events_before
    assert await catalog.db.api_keys.count_documents({"revoked_at": {"$ne": None}}) == 0
    assert await catalog.db.webhooks.count_documents({}) == 2


async def test_agency_admin_manages_everything_of_its_own_agency(catalog, two_agencies):
    admin = catalog.as_(Role.AGENCY_ADMIN, "dukcapil")
    for method, path, body in _agency_writes(two_agencies, "dukcapil", "D"):
        response = await _call(catalog, method, path, body, admin)
        assert response.status_code in (200, 201, 204), (method, path, response.text)


async def test_agency_admin_cannot_create_agencies_change_settings_or_deactivate_its_agency(
    catalog, two_agencies
):
    admin = catalog.as_(Role.AGENCY_ADMIN, "dukcapil")
    refused = [
        ("POST", "/agencies", {"code": "baru", "name": "Dinas Baru", "short_name": "DB"}),
        ("PATCH", "/settings", {"recall_limit": 5}),
        ("PATCH", "/agencies/dukcapil", {"active": False}),
    ]
    for method, path, body in refused:
        response = await _call(catalog, method, path, body, admin)
        assert response.status_code == 403, (method, path)
    assert (await catalog.db.agencies.find_one({"_id": "dukcapil"}))["active"] is True


async def test_officer_reads_its_agencys_full_data_but_changes_nothing(catalog, two_agencies):
    officer = catalog.as_(Role.OFFICER, "dukcapil")
    own = two_agencies["dukcapil"]
    full = await catalog.client.get(f"{API}/services/{own['service']}?view=full", headers=officer)
    assert full.status_code == 200
    assert "jumlah_pelaksana" in full.json()["standard"]
    listed = await catalog.client.get(f"{API}/services?view=full", headers=officer)
    assert [s["agency_id"] for s in listed.json()["items"]] == ["dukcapil"]
    for method, path, body in _agency_writes(two_agencies, "dukcapil", "D"):
        response = await _call(catalog, method, path, body, officer)
        assert response.status_code == 403, (method, path)


async def test_agency_system_reads_its_own_agency_only_and_cannot_change_it(catalog, two_agencies):
    system = catalog.as_(Role.AGENCY_SYSTEM, "polres")
    own, other = two_agencies["polres"], two_agencies["dukcapil"]
    mine = await catalog.client.get(f"{API}/services/{own['service']}?view=full", headers=system)
    theirs = await catalog.client.get(
        f"{API}/services/{other['service']}?view=full", headers=system
    )
    agency = await catalog.client.get(f"{API}/agencies/polres?view=full", headers=system)
    assert (mine.status_code, theirs.status_code, agency.status_code) == (200, 403, 200)
    assert agency.json()["version"] == 1
    for method, path, body in _agency_writes(two_agencies, "polres", "P"):
        response = await _call(catalog, method, path, body, system)
        assert response.status_code == 403, (method, path)


async def test_anonymous_reads_public_views_and_is_401_on_every_change(catalog, two_agencies):
    public = [
        "/settings",
        "/agencies",
        "/agencies/dukcapil",
        "/services",
        f"/services/{two_agencies['dukcapil']['service']}",
        f"/services/{two_agencies['dukcapil']['service']}/page",
        f"/services/{two_agencies['dukcapil']['service']}/availability-now",
        "/counters",
    ]
    for path in public:
        assert (await catalog.client.get(f"{API}{path}")).status_code == 200, path
    full = await catalog.client.get(f"{API}/services?view=full")
    assert full.status_code == 401
    for method, path, body in _agency_writes(two_agencies, "dukcapil", "D"):
        response = await _call(catalog, method, path, body, {})
        assert response.status_code == 401, (method, path)
    response = await _call(catalog, "PATCH", "/settings", {"recall_limit": 1}, {})
    assert response.status_code == 401


async def test_mpp_admin_creates_agencies_changes_settings_and_deactivates_agencies(catalog):
    await catalog.add_agency("disnaker")
    settings = await catalog.client.patch(
        f"{API}/settings", json={"recall_limit": 3}, headers=catalog.admin
    )
    assert (settings.status_code, settings.json()["recall_limit"]) == (200, 3)
    off = await catalog.client.patch(
        f"{API}/agencies/disnaker", json={"active": False}, headers=catalog.admin
    )
    assert (off.status_code, off.json()["active"], off.json()["version"]) == (200, False, 2)
    # A deactivated agency disappears from the public, not from the administrator.
    assert (await catalog.client.get(f"{API}/agencies/disnaker")).status_code == 404
    listed = await catalog.client.get(
        f"{API}/agencies?include_inactive=true", headers=catalog.admin
    )
    assert [a["code"] for a in listed.json()["items"]] == ["disnaker"]
    assert (await catalog.client.get(f"{API}/agencies")).json()["items"] == []
