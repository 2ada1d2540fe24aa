"""Sample catalog data and a test client wrapper, for the catalog's tests and for services that
read the catalog (their tests can run the real catalog with these)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

import httpx
from mpp_testing import staff_token

from mpp_catalog.main import CatalogSettings
from mpp_kit.auth import Role
from mpp_kit.mongo import Database
from mpp_kit.runtime import ServiceRuntime

API = "/api/v1/catalog"

STANDARD: dict[str, Any] = {
    "dasar_hukum": ["Undang-Undang Nomor 24 Tahun 2013 tentang Administrasi Kependudukan"],
    "persyaratan": ["Fotokopi Kartu Keluarga", "Surat keterangan lahir dari rumah sakit"],
    "prosedur": ["Ambil nomor antrian", "Serahkan berkas di loket", "Terima dokumen"],
    "jangka_waktu": {"value": 1, "unit": "working_days"},
    "biaya": {"free": True},
    "produk": ["Akta Kelahiran"],
    "sarana": ["Ruang tunggu ber-AC", "Kursi roda"],
    "kompetensi_pelaksana": ["Memahami administrasi kependudukan"],
    "pengawasan_internal": ["Supervisi oleh kepala bidang"],
    "penanganan_pengaduan": ["SP4N-LAPOR!", "Kotak pengaduan di MPP"],
    "jumlah_pelaksana": 2,
    "jaminan_pelayanan": "Pelayanan sesuai standar; bila tidak, kami minta maaf dan memperbaiki.",
    "jaminan_keamanan": "Data pemohon dijaga kerahasiaannya.",
    "evaluasi_kinerja": "Evaluasi setiap tiga bulan berdasarkan survei kepuasan.",
}
INTERNAL_COMPONENTS = {
    "dasar_hukum",
    "sarana",
    "kompetensi_pelaksana",
    "pengawasan_internal",
    "jumlah_pelaksana",
    "jaminan_pelayanan",
    "jaminan_keamanan",
    "evaluasi_kinerja",
}


def agency_body(code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Dinas {code.title()}",
        "short_name": code.upper(),
        "maklumat": {
            "text": "Kami sanggup menyelenggarakan pelayanan sesuai standar pelayanan.",
            "signed_by": "Kepala Dinas",
            "signed_on": "2026-01-05",
        },
        **overrides,
    }


def service_body(agency_id: str, code: str, prefix: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "agency_id": agency_id,
        "code": code,
        "name": f"Layanan {code}",
        "ticket_prefix": prefix,
        "standard": copy.deepcopy(STANDARD),
    }
    body.update(overrides)
    return body


@dataclass
class Catalog:
    """The running catalog app, its client and database, and tokens per role."""

    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: CatalogSettings

    @property
    def db(self) -> Database:
        return self.runtime.db

    def as_(self, role: Role, agency_id: str | None = None) -> dict[str, str]:
        return staff_token(self.settings, role, agency_id=agency_id, username=f"{role}-{agency_id}")

    @property
    def admin(self) -> dict[str, str]:
        return self.as_(Role.MPP_ADMIN)

    async def add_agency(self, code: str, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"{API}/agencies", json=agency_body(code, **overrides), headers=self.admin
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def add_service(
        self, agency_id: str, code: str, prefix: str, **overrides: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"{API}/services",
            json=service_body(agency_id, code, prefix, **overrides),
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def add_counter(
        self, agency_id: str, number: int, service_ids: list[str]
    ) -> dict[str, Any]:
        body = {
            "agency_id": agency_id,
            "number": number,
            "name": f"Loket {number}",
            "service_ids": service_ids,
        }
        response = await self.client.post(f"{API}/counters", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def connected_to_the_bus(self) -> None:
        """Wait until the catalog has created its topics (so a reader can subscribe to them)."""
        await asyncio.wait_for(self.runtime.bus_ready.wait(), 30)

    async def outbox_count(self) -> int:
        return await self.db.outbox.count_documents({})
