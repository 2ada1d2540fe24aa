"""Bad input is a 422 that names the field, and nothing is written — neither state nor event."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mpp_catalog.testing import API, STANDARD, agency_body, service_body


def _standard(**changes: Any) -> dict[str, Any]:
    standard = copy.deepcopy(STANDARD)
    standard.update(changes)
    return standard


CHARGE = {"free": False, "amount_rupiah": 30_000, "legal_basis": "PP 76/2020"}
BAD_SERVICES = [
    (
        "negative cost",
        {"standard": _standard(biaya=CHARGE | {"amount_rupiah": -5000})},
        "standard.biaya.amount_rupiah",
    ),
    (
        "charge without legal basis",
        {"standard": _standard(biaya={"free": False, "amount_rupiah": 30000})},
        "standard.biaya.legal_basis",
    ),
    (
        "free with an amount",
        {"standard": _standard(biaya={"free": True, "amount_rupiah": 10})},
        "standard.biaya.amount_rupiah",
    ),
    ("empty requirements", {"standard": _standard(persyaratan=[])}, "standard.persyaratan"),
    ("blank requirement", {"standard": _standard(persyaratan=["  "])}, "standard.persyaratan.0"),
    ("no procedure", {"standard": _standard(prosedur=[])}, "standard.prosedur"),
    (
        "completion time unit",
        {"standard": _standard(jangka_waktu={"value": 2, "unit": "weeks"})},
        "standard.jangka_waktu.unit",
    ),
    ("no staff", {"standard": _standard(jumlah_pelaksana=0)}, "standard.jumlah_pelaksana"),
    (
        "missing component",
        {"standard": {k: v for k, v in STANDARD.items() if k != "evaluasi_kinerja"}},
        "standard.evaluasi_kinerja",
    ),
    (
        "slot capacity 0",
        {"booking": {"enabled": True, "capacity_per_slot": 0}},
        "booking.capacity_per_slot",
    ),
    ("lowercase prefix", {"ticket_prefix": "a"}, "ticket_prefix"),
    ("three-letter prefix", {"ticket_prefix": "ABC"}, "ticket_prefix"),
    (
        "close before open",
        {"opening_hours": {"mon": [{"open": "10:00", "close": "09:00"}]}},
        "opening_hours.mon.0.close",
    ),
    (
        "overlapping periods",
        {
            "opening_hours": {
                "tue": [{"open": "08:00", "close": "12:00"}, {"open": "11:00", "close": "14:00"}]
            }
        },
        "opening_hours.tue",
    ),
    (
        "25 o'clock",
        {"opening_hours": {"wed": [{"open": "08:00", "close": "25:00"}]}},
        "opening_hours.wed.0.close",
    ),
    ("negative quota", {"quotas": {"walk_in_daily": -1}}, "quotas.walk_in_daily"),
    ("code not a slug", {"code": "KTP EL"}, "code"),
    ("typo in a field", {"standrd": {}}, "standrd"),
]


@pytest.mark.parametrize(
    ("change", "field"), [(c, f) for _, c, f in BAD_SERVICES], ids=[n for n, _, _ in BAD_SERVICES]
)
async def test_invalid_service_is_422_naming_the_field_and_writes_nothing(catalog, change, field):
    await catalog.add_agency("dukcapil")
    events_before = await catalog.outbox_count()
    body = service_body("dukcapil", "akta-lahir", "A") | change
    response = await catalog.client.post(f"{API}/services", json=body, headers=catalog.admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert await catalog.db.services.count_documents({}) == 0
    assert await catalog.outbox_count() == events_before


BAD_PATCHES = [
    ("null name", {"name": None}, "name"),
    ("zero average service time", {"avg_service_minutes": 0}, "avg_service_minutes"),
    ("bad prefix", {"ticket_prefix": "1"}, "ticket_prefix"),
    ("target wait too long", {"target_wait_minutes": 10_000}, "target_wait_minutes"),
    (
        "negative cost",
        {"standard": _standard(biaya=CHARGE | {"amount_rupiah": -1})},
        "standard.biaya.amount_rupiah",
    ),
    ("slot capacity 0", {"booking": {"capacity_per_slot": 0}}, "booking.capacity_per_slot"),
    ("agency cannot move", {"agency_id": "other"}, "agency_id"),
]


@pytest.mark.parametrize(
    ("change", "field"), [(c, f) for _, c, f in BAD_PATCHES], ids=[n for n, _, _ in BAD_PATCHES]
)
async def test_invalid_service_patch_is_422_and_the_service_stays_as_it_was(catalog, change, field):
    await catalog.add_agency("dukcapil")
    service = await catalog.add_service("dukcapil", "akta-lahir", "A")
    events_before = await catalog.outbox_count()
    response = await catalog.client.patch(
        f"{API}/services/{service['id']}", json=change, headers=catalog.admin
    )
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    stored = await catalog.db.services.find_one({"_id": service["id"]})
    assert stored["version"] == 1
    assert stored["name"] == service["name"]
    assert await catalog.outbox_count() == events_before


async def test_invalid_agency_is_422_naming_the_field(catalog):
    bad = [
        (agency_body("Dinas Satu"), "code"),
        (agency_body("dukcapil", logo_url="ftp://logo"), "logo_url"),
        (agency_body("dukcapil", contact={"email": "bukan-email"}), "contact.email"),
        (
            agency_body(
                "dukcapil", maklumat={"text": "", "signed_by": "X Y", "signed_on": "2026-01-01"}
            ),
            "maklumat.text",
        ),
    ]
    for body, field in bad:
        response = await catalog.client.post(f"{API}/agencies", json=body, headers=catalog.admin)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}
    assert await catalog.db.agencies.count_documents({}) == 0


async def test_invalid_settings_are_422_and_the_settings_stay(catalog):
    bad = [
        ({"timezone": "Europe/Berlin"}, "timezone"),
        ({"recall_limit": -1}, "recall_limit"),
        (
            {"opening_hours": {"fri": [{"open": "16:00", "close": "08:00"}]}},
            "opening_hours.fri.0.close",
        ),
        ({"closed_days": ["2026-02-30"]}, "closed_days.0"),
        ({"name": None}, "name"),
    ]
    events_before = await catalog.outbox_count()
    for body, field in bad:
        response = await catalog.client.patch(f"{API}/settings", json=body, headers=catalog.admin)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}
    assert (await catalog.db.settings.find_one({}))["version"] == 1
    assert await catalog.outbox_count() == events_before


async def test_counter_may_only_serve_active_services_of_its_own_agency(catalog):
    await catalog.add_agency("dukcapil")
    await catalog.add_agency("polres")
    own = await catalog.add_service("dukcapil", "ktp-el", "A")
    other = await catalog.add_service("polres", "skck", "S")
    retired = await catalog.add_service("dukcapil", "lama", "L")
    await catalog.client.post(f"{API}/services/{retired['id']}/retire", headers=catalog.admin)
    events_before = await catalog.outbox_count()
    for service_ids in ([own["id"], other["id"]], ["no-such-service"], [retired["id"]]):
        body = {"agency_id": "dukcapil", "number": 1, "name": "Loket 1", "service_ids": service_ids}
        response = await catalog.client.post(f"{API}/counters", json=body, headers=catalog.admin)
        assert response.status_code == 422, service_ids
        assert response.json()["errors"][0]["field"] == "service_ids"
    assert await catalog.db.counters.count_documents({}) == 0
    assert await catalog.outbox_count() == events_before


async def test_service_for_an_unknown_agency_is_422_naming_agency_id(catalog):
    body = service_body("tidak-ada", "ktp-el", "A")
    response = await catalog.client.post(f"{API}/services", json=body, headers=catalog.admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agency_id"
    assert await catalog.db.services.count_documents({}) == 0
