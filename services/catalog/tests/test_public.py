"""What the public sees: six standard components and the maklumat, search in Bahasa Indonesia,
pages through long lists, and whether a service is open on the real calendar."""

from __future__ import annotations

import copy

import pytest

from mpp_catalog.testing import API, INTERNAL_COMPONENTS, STANDARD
from mpp_kit.contracts.catalog import PUBLIC_COMPONENTS


def _standard(persyaratan: list[str], produk: str) -> dict:
    return copy.deepcopy(STANDARD) | {"persyaratan": persyaratan, "produk": [produk]}


@pytest.fixture
async def mpp(catalog):
    """A small MPP: civil registry, police and immigration."""
    await catalog.add_agency("dukcapil", name="Dinas Kependudukan dan Pencatatan Sipil")
    await catalog.add_agency("polres", name="Kepolisian Resor Kota", short_name="Polresta")
    await catalog.add_agency("imigrasi", name="Kantor Imigrasi Kelas I", short_name="Imigrasi")
    services = {
        "akta": await catalog.add_service(
            "dukcapil",
            "akta-kelahiran",
            "A",
            name="Akta Kelahiran",
            keywords=["akte lahir"],
            standard=_standard(["Surat keterangan dari rumah sakit", "Buku nikah"], "Akta"),
        ),
        "ktp": await catalog.add_service(
            "dukcapil",
            "ktp-el",
            "B",
            name="KTP Elektronik",
            keywords=["KTP-el", "e-KTP"],
            standard=_standard(["Fotokopi Kartu Keluarga", "Sudah berumur 17 tahun"], "KTP-el"),
        ),
        "skck": await catalog.add_service(
            "polres",
            "skck",
            "S",
            name="Surat Keterangan Catatan Kepolisian",
            keywords=["SKCK"],
            standard=_standard(
                ["Fotokopi kartu identitas", "Pas foto 4x6 latar merah", "Sidik jari"], "SKCK"
            ),
        ),
        "paspor": await catalog.add_service(
            "imigrasi",
            "paspor-baru",
            "P",
            name="Penerbitan Paspor Baru",
            keywords=["paspor"],
            standard=_standard(["Dokumen identitas asli", "Surat rekomendasi"], "Paspor"),
        ),
    }
    return services


async def _names(catalog, query: str) -> list[str]:
    response = await catalog.client.get(f"{API}/services", params={"q": query})
    assert response.status_code == 200
    return sorted(s["name"] for s in response.json()["items"])


async def test_public_service_view_shows_only_the_six_public_components(catalog, mpp):
    one = await catalog.client.get(f"{API}/services/{mpp['skck']['id']}")
    listed = await catalog.client.get(f"{API}/services")
    for view in [one.json(), *listed.json()["items"]]:
        assert set(view["standard"]) == set(PUBLIC_COMPONENTS)
        assert not INTERNAL_COMPONENTS & set(view["standard"])
        for internal in ("quotas", "target_wait_minutes", "avg_service_minutes", "version"):
            assert internal not in view


async def test_public_page_has_the_service_its_agency_maklumat_and_opening(catalog, mpp):
    page = await catalog.client.get(f"{API}/services/{mpp['paspor']['id']}/page")
    assert page.status_code == 200
    body = page.json()
    assert body["service"]["name"] == "Penerbitan Paspor Baru"
    assert set(body["service"]["standard"]) == set(PUBLIC_COMPONENTS)
    assert body["agency"]["code"] == "imigrasi"
    assert body["agency"]["maklumat"]["text"].startswith("Kami sanggup")
    assert body["opening"]["timezone"] == "Asia/Jakarta"
    agency = await catalog.client.get(f"{API}/agencies/imigrasi")
    assert agency.json()["maklumat"]["signed_by"] == "Kepala Dinas"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("akta lahir", ["Akta Kelahiran"]),  # ke-an: kelahiran → lahir
        ("AKTA KELAHIRAN", ["Akta Kelahiran"]),  # case does not matter
        ("syarat membuat paspor", ["Penerbitan Paspor Baru"]),  # filler words dropped
        ("penerbitan", ["Penerbitan Paspor Baru"]),
        ("skck", ["Surat Keterangan Catatan Kepolisian"]),  # keyword
        ("e-KTP", ["KTP Elektronik"]),
        ("sidik jari", ["Surat Keterangan Catatan Kepolisian"]),  # requirement text
        ("fotokopi", ["KTP Elektronik", "Surat Keterangan Catatan Kepolisian"]),
        ("kependudukan", ["Akta Kelahiran", "KTP Elektronik"]),  # the agency's name
        ("polresta", ["Surat Keterangan Catatan Kepolisian"]),
        ("paspor kelahiran", []),  # every word must match
        ("visa", []),
    ],
)
async def test_search_in_indonesian_by_name_keyword_and_requirement(catalog, mpp, query, found):
    assert await _names(catalog, query) == found


async def test_search_filters_by_agency_and_hides_retired_services_and_inactive_agencies(
    catalog, mpp
):
    by_agency = await catalog.client.get(
        f"{API}/services", params={"agency_id": "dukcapil", "q": "fotokopi"}
    )
    assert [s["name"] for s in by_agency.json()["items"]] == ["KTP Elektronik"]
    await catalog.client.post(f"{API}/services/{mpp['ktp']['id']}/retire", headers=catalog.admin)
    assert await _names(catalog, "ktp") == []
    await catalog.client.patch(
        f"{API}/agencies/polres", json={"active": False}, headers=catalog.admin
    )
    assert await _names(catalog, "skck") == []
    gone = await catalog.client.get(f"{API}/services", params={"agency_id": "polres"})
    assert gone.json()["items"] == []


async def test_renaming_an_agency_makes_its_services_findable_by_the_new_name(catalog, mpp):
    await catalog.client.patch(
        f"{API}/agencies/imigrasi", json={"name": "Kantor Keimigrasian Kota"}, headers=catalog.admin
    )
    assert await _names(catalog, "keimigrasian") == ["Penerbitan Paspor Baru"]


async def test_agencies_are_searchable_by_name(catalog, mpp):
    response = await catalog.client.get(f"{API}/agencies", params={"q": "pencatatan sipil"})
    assert [a["code"] for a in response.json()["items"]] == ["dukcapil"]


async def test_lists_page_with_limit_and_cursor_without_gaps_or_repeats(catalog):
    await catalog.add_agency("dukcapil")
    for i in range(7):
        await catalog.add_service("dukcapil", f"layanan-{i}", chr(ord("A") + i))
        await catalog.add_counter("dukcapil", i + 1, [])
    for path in ("/services", "/counters"):
        seen, cursor = [], None
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = (await catalog.client.get(f"{API}{path}", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 7, path
    bad = await catalog.client.get(f"{API}/services", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def _opening(catalog, service_id: str, at: str) -> dict:
    response = await catalog.client.get(
        f"{API}/services/{service_id}/availability-now", params={"at": at}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_open_on_a_tuesday_morning_until_four(catalog, mpp):
    opening = await _opening(catalog, mpp["ktp"]["id"], "2026-11-24T10:00:00+07:00")
    assert opening["open_now"] is True
    assert opening["closes_at"] == "2026-11-24T16:00:00+07:00"
    assert opening["next_opening"] == "2026-11-25T08:00:00+07:00"


async def test_closed_at_the_weekend_until_monday_morning(catalog, mpp):
    opening = await _opening(catalog, mpp["ktp"]["id"], "2026-11-28T10:00:00+07:00")
    assert opening["open_now"] is False
    assert opening["closed_today_reason"] is None  # a weekend, not a holiday
    assert opening["next_opening"] == "2026-11-30T08:00:00+07:00"
    assert opening["next_open_day"] == "2026-11-30"


async def test_closed_on_independence_day(catalog, mpp):
    # 17 August 2026 is a Monday.
    opening = await _opening(catalog, mpp["ktp"]["id"], "2026-08-17T09:00:00+07:00")
    assert opening["open_now"] is False
    assert "Kemerdekaan" in opening["closed_today_reason"]
    assert opening["next_open_day"] == "2026-08-18"


async def test_closed_through_idul_fitri_and_its_cuti_bersama(catalog, mpp):
    # Idul Fitri 1447 H: 21-22 March 2026 (weekend); cuti bersama 20, 23 and 24 March.
    opening = await _opening(catalog, mpp["ktp"]["id"], "2026-03-20T09:00:00+07:00")
    assert opening["open_now"] is False
    assert "Cuti Bersama" in opening["closed_today_reason"]
    assert opening["next_opening"] == "2026-03-25T08:00:00+07:00"


async def test_an_mpp_that_ignores_the_national_calendar_opens_on_holidays(catalog, mpp):
    await catalog.client.patch(
        f"{API}/settings", json={"observe_national_holidays": False}, headers=catalog.admin
    )
    opening = await _opening(catalog, mpp["ktp"]["id"], "2026-08-17T09:00:00+07:00")
    assert (opening["open_now"], opening["closed_today_reason"]) == (True, None)


async def test_the_mpps_own_closed_day_and_time_zone_count(catalog, mpp):
    await catalog.client.patch(
        f"{API}/settings",
        json={"closed_days": ["2026-12-01"], "timezone": "Asia/Jayapura"},
        headers=catalog.admin,
    )
    closed = await _opening(catalog, mpp["ktp"]["id"], "2026-12-01T10:00:00+09:00")
    assert (closed["open_now"], closed["closed_today_reason"]) == (False, "Hari libur MPP")
    # 07:30 WIB is 09:30 WIT: open in Jayapura.
    wit = await _opening(catalog, mpp["ktp"]["id"], "2026-11-24T07:30:00+07:00")
    assert (wit["open_now"], wit["now"]) == (True, "2026-11-24T09:30:00+09:00")


async def test_a_service_with_its_own_hours_opens_only_within_them(catalog, mpp):
    await catalog.client.patch(
        f"{API}/services/{mpp['skck']['id']}",
        json={"opening_hours": {"mon": [{"open": "13:00", "close": "15:00"}]}},
        headers=catalog.admin,
    )
    morning = await _opening(catalog, mpp["skck"]["id"], "2026-11-23T10:00:00+07:00")
    assert (morning["open_now"], morning["next_opening"]) == (False, "2026-11-23T13:00:00+07:00")
    tuesday = await _opening(catalog, mpp["skck"]["id"], "2026-11-24T10:00:00+07:00")
    assert tuesday["next_opening"] == "2026-11-30T13:00:00+07:00"


async def test_a_retired_service_is_not_open(catalog, mpp):
    await catalog.client.post(f"{API}/services/{mpp['akta']['id']}/retire", headers=catalog.admin)
    opening = await _opening(catalog, mpp["akta"]["id"], "2026-11-24T10:00:00+07:00")
    assert (opening["open_now"], opening["next_opening"]) == (False, None)
