"""DATA DEMO — a fictional MPP for ``mpp up``: ten agencies typical of an MPP, their services with
plausible standards in Bahasa Indonesia, and counters.

Everything here is demonstration data. The agencies, addresses and contacts are fictional; the
legal references and amounts illustrate what a real standard states and must be checked against
the regulations in force before anyone relies on them.

``seed(api)`` goes through the catalog's own API (``api`` sends mpp_admin credentials, pointed at
the catalog or at the gateway, which forwards ``/api/v1/catalog`` unchanged). It only creates what
is missing, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/v1/catalog"
DEMO = "DATA DEMO"

DEMO_SETTINGS: dict[str, Any] = {
    "name": f"MPP Kota Contoh ({DEMO})",
    "address": f"Jl. Contoh Raya No. 1, Kota Contoh — alamat fiktif ({DEMO})",
    "timezone": "Asia/Jakarta",
    # Open around the clock, holidays included, so a new user can try everything at any hour.
    "opening_hours": {
        day: [{"open": "00:00", "close": "24:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "observe_national_holidays": False,
    "recall_limit": 2,
    "default_target_wait_minutes": 30,
}

MAKLUMAT = (
    "Dengan ini, kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar pelayanan yang "
    "telah ditetapkan, terus memperbaiki pelayanan, dan apabila tidak menepati janji ini, kami "
    "siap menerima sanksi dan memberikan kompensasi sesuai peraturan perundang-undangan yang "
    "berlaku."
)
FREE = {"free": True}
ADMINDUK = [
    "Undang-Undang Nomor 23 Tahun 2006 tentang Administrasi Kependudukan sebagaimana telah "
    "diubah dengan Undang-Undang Nomor 24 Tahun 2013",
    "Peraturan Presiden Nomor 96 Tahun 2018 tentang Persyaratan dan Tata Cara Pendaftaran "
    "Penduduk dan Pencatatan Sipil",
]
PELAYANAN_PUBLIK = "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"
PNBP_POLRI = (
    "Peraturan Pemerintah Nomor 76 Tahun 2020 tentang Jenis dan Tarif atas Jenis PNBP yang "
    "Berlaku pada Kepolisian Negara Republik Indonesia"
)
PNBP_KUMHAM = (
    "Peraturan Pemerintah Nomor 28 Tahun 2019 tentang Jenis dan Tarif atas Jenis PNBP yang "
    "Berlaku pada Kementerian Hukum dan Hak Asasi Manusia"
)
UU_HKPD = (
    "Undang-Undang Nomor 1 Tahun 2022 tentang Hubungan Keuangan antara Pemerintah Pusat dan "
    "Pemerintahan Daerah"
)
UU_POLRI = "Undang-Undang Nomor 2 Tahun 2002 tentang Kepolisian Negara Republik Indonesia"
PERDA_PDRD = f"Peraturan Daerah Kota Contoh tentang Pajak Daerah dan Retribusi Daerah ({DEMO})"
TARIF_AIR = f"Peraturan Wali Kota Contoh tentang Tarif Air Minum ({DEMO})"


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    prefix: str
    description: str
    keywords: list[str]
    persyaratan: list[str]
    prosedur: list[str]
    jangka_waktu: tuple[int, str]
    produk: list[str]
    dasar_hukum: list[str]
    biaya: dict[str, Any] = field(default_factory=lambda: dict(FREE))
    avg_service_minutes: int = 10
    booking: bool = False
    quotas: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    short_name: str
    head: str
    pengaduan: list[str]
    services: list[ServiceSpec]
    counters: list[list[str]]  # per counter: the codes of the services it serves


STANDARD_PROSEDUR = [
    "Pemohon mengambil nomor antrian di anjungan atau melalui antrian daring",
    "Petugas loket memeriksa kelengkapan persyaratan",
    "Berkas diproses dan diverifikasi oleh petugas",
    "Pemohon menerima produk layanan di loket",
]


def _internal_components(agency: AgencySpec) -> dict[str, Any]:
    """Components that may stay internal; alike across the demo agencies."""
    return {
        "sarana": [
            "Ruang tunggu ber-AC dengan kursi dan nomor antrian elektronik",
            "Loket prioritas, kursi roda, dan ruang laktasi",
            "Komputer, pemindai, dan pencetak dokumen",
        ],
        "kompetensi_pelaksana": [
            "Memahami peraturan dan prosedur layanan yang diberikan",
            "Mampu mengoperasikan aplikasi layanan",
            "Bersikap ramah, sopan, dan komunikatif",
        ],
        "pengawasan_internal": [
            f"Supervisi harian oleh koordinator {agency.short_name} di MPP",
            "Pemeriksaan oleh Aparat Pengawas Internal Pemerintah",
        ],
        "penanganan_pengaduan": agency.pengaduan,
        "jumlah_pelaksana": 2,
        "jaminan_pelayanan": (
            "Pelayanan diberikan sesuai standar pelayanan; bila tidak, pemohon dapat mengadu dan "
            "menerima tanggapan."
        ),
        "jaminan_keamanan": (
            "Data pribadi pemohon dijaga kerahasiaannya sesuai Undang-Undang Nomor 27 Tahun 2022 "
            "tentang Pelindungan Data Pribadi; ruang layanan dilengkapi CCTV dan jalur evakuasi."
        ),
        "evaluasi_kinerja": (
            "Evaluasi berkala paling sedikit sekali setahun melalui Survei Kepuasan Masyarakat "
            "dan laporan kinerja pelayanan."
        ),
    }


def _service_body(agency: AgencySpec, spec: ServiceSpec) -> dict[str, Any]:
    value, unit = spec.jangka_waktu
    body: dict[str, Any] = {
        "agency_id": agency.code,
        "code": spec.code,
        "name": spec.name,
        "description": f"{spec.description} ({DEMO})",
        "keywords": spec.keywords,
        "ticket_prefix": spec.prefix,
        "avg_service_minutes": spec.avg_service_minutes,
        "standard": {
            "dasar_hukum": [*spec.dasar_hukum, PELAYANAN_PUBLIK],
            "persyaratan": spec.persyaratan,
            "prosedur": spec.prosedur,
            "jangka_waktu": {"value": value, "unit": unit},
            "biaya": spec.biaya,
            "produk": spec.produk,
            **_internal_components(agency),
        },
        "quotas": spec.quotas,
    }
    if spec.booking:
        body["booking"] = {
            "enabled": True,
            "slot_minutes": 30,
            "capacity_per_slot": 4,
            "days_ahead": 14,
            "closes_minutes_before": 60,
        }
    return body


def _agency_body(agency: AgencySpec) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "contact": {
            "phone": "+62 21 5550 1000",
            "email": f"{agency.code}@kota-contoh.example",
            "website": f"https://{agency.code}.kota-contoh.example",
        },
        "maklumat": {
            "text": MAKLUMAT,
            "signed_by": f"{agency.head}, {agency.name} ({DEMO})",
            "signed_on": "2026-01-02",
        },
    }


def _lapor(*extra: str) -> list[str]:
    return [
        "SP4N-LAPOR! (www.lapor.go.id)",
        "Meja pengaduan MPP Kota Contoh",
        *extra,
    ]


AGENCIES: list[AgencySpec] = [
    AgencySpec(
        code="dukcapil",
        name="Dinas Kependudukan dan Pencatatan Sipil Kota Contoh",
        short_name="Disdukcapil",
        head="Kepala Dinas",
        pengaduan=_lapor("WhatsApp pengaduan Disdukcapil", "Kotak saran di loket"),
        services=[
            ServiceSpec(
                "ktp-el",
                "Kartu Tanda Penduduk Elektronik (KTP-el)",
                "A",
                "Perekaman dan pencetakan KTP-el baru, rusak, atau hilang",
                ["KTP", "e-KTP", "KTP-el", "kartu tanda penduduk"],
                [
                    "Telah berusia 17 tahun, sudah kawin, atau pernah kawin",
                    "Fotokopi Kartu Keluarga",
                    "KTP-el yang rusak, atau surat keterangan hilang dari kepolisian",
                ],
                [
                    "Pemohon mengambil nomor antrian",
                    "Petugas memverifikasi data pada Kartu Keluarga",
                    "Perekaman sidik jari, iris mata, foto, dan tanda tangan",
                    "Pencetakan KTP-el dan penyerahan kepada pemohon",
                ],
                (1, "working_days"),
                ["KTP-el"],
                ADMINDUK,
                booking=True,
                quotas={"walk_in_daily": 150, "online_daily": 50},
            ),
            ServiceSpec(
                "kartu-keluarga",
                "Kartu Keluarga (Baru dan Perubahan)",
                "B",
                "Penerbitan Kartu Keluarga baru, perubahan data, atau penggantian yang hilang",
                ["KK", "kartu keluarga"],
                [
                    "Buku nikah atau kutipan akta perkawinan",
                    "Kartu Keluarga lama (untuk perubahan data)",
                    "Surat keterangan pindah (bagi penduduk yang pindah datang)",
                ],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["Kartu Keluarga"],
                ADMINDUK,
            ),
            ServiceSpec(
                "akta-kelahiran",
                "Akta Kelahiran",
                "C",
                "Pencatatan kelahiran dan penerbitan kutipan akta kelahiran",
                ["akte lahir", "akta lahir", "kelahiran"],
                [
                    "Surat keterangan kelahiran dari rumah sakit, puskesmas, atau bidan",
                    "Buku nikah atau akta perkawinan orang tua",
                    "Kartu Keluarga",
                ],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["Kutipan Akta Kelahiran", "Kartu Keluarga yang diperbarui"],
                ADMINDUK,
            ),
            ServiceSpec(
                "akta-kematian",
                "Akta Kematian",
                "D",
                "Pencatatan kematian dan penerbitan kutipan akta kematian",
                ["akte kematian", "meninggal"],
                [
                    "Surat keterangan kematian dari rumah sakit atau lurah",
                    "Kartu Keluarga dan KTP-el almarhum",
                    "KTP-el pelapor",
                ],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["Kutipan Akta Kematian"],
                ADMINDUK,
            ),
            ServiceSpec(
                "pindah-datang",
                "Surat Keterangan Pindah dan Pindah Datang",
                "E",
                "Penerbitan surat keterangan pindah dan pencatatan kedatangan penduduk",
                ["SKPWNI", "pindah domisili", "mutasi penduduk"],
                ["Kartu Keluarga", "KTP-el", "Surat keterangan pindah dari daerah asal"],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["Surat Keterangan Pindah", "Kartu Keluarga baru"],
                ADMINDUK,
            ),
        ],
        counters=[
            ["ktp-el"],
            ["ktp-el", "kartu-keluarga", "pindah-datang"],
            ["akta-kelahiran", "akta-kematian"],
        ],
    ),
    AgencySpec(
        code="dpmptsp",
        name="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Contoh",
        short_name="DPMPTSP",
        head="Kepala Dinas",
        pengaduan=_lapor("Layanan pengaduan OSS"),
        services=[
            ServiceSpec(
                "nib-oss",
                "Pendampingan Nomor Induk Berusaha (NIB) melalui OSS",
                "F",
                "Pendampingan pendaftaran usaha dan penerbitan NIB melalui OSS berbasis risiko",
                ["NIB", "OSS", "izin usaha", "UMKM"],
                ["KTP-el pemilik usaha", "NPWP", "Alamat email dan nomor telepon aktif"],
                [
                    "Pemohon mengambil nomor antrian",
                    "Petugas membantu membuat akun OSS",
                    "Pengisian data usaha dan KBLI",
                    "NIB terbit dan dicetak",
                ],
                (60, "minutes"),
                ["Nomor Induk Berusaha (NIB)"],
                [
                    "Peraturan Pemerintah Nomor 5 Tahun 2021 tentang Penyelenggaraan Perizinan "
                    "Berusaha Berbasis Risiko"
                ],
                avg_service_minutes=30,
            ),
            ServiceSpec(
                "pbg",
                "Persetujuan Bangunan Gedung (PBG)",
                "G",
                "Konsultasi dan pengajuan Persetujuan Bangunan Gedung",
                ["IMB", "izin mendirikan bangunan", "PBG", "SIMBG"],
                [
                    "KTP-el pemohon",
                    "Bukti kepemilikan tanah",
                    "Gambar rencana teknis bangunan",
                    "Akun SIMBG",
                ],
                STANDARD_PROSEDUR,
                (28, "working_days"),
                ["Persetujuan Bangunan Gedung"],
                ["Peraturan Pemerintah Nomor 16 Tahun 2021 tentang Bangunan Gedung"],
                biaya={
                    "free": False,
                    "description": "Retribusi PBG dihitung dari luas dan fungsi bangunan",
                    "legal_basis": PERDA_PDRD,
                },
                avg_service_minutes=20,
            ),
            ServiceSpec(
                "sip-nakes",
                "Surat Izin Praktik Tenaga Kesehatan",
                "H",
                "Penerbitan Surat Izin Praktik bagi dokter, bidan, perawat, dan tenaga kesehatan",
                ["SIP", "izin praktik", "dokter", "bidan", "perawat"],
                [
                    "Surat Tanda Registrasi (STR) yang masih berlaku",
                    "Rekomendasi organisasi profesi",
                    "Surat keterangan dari fasilitas pelayanan kesehatan tempat praktik",
                    "Pas foto berwarna 4x6",
                ],
                STANDARD_PROSEDUR,
                (5, "working_days"),
                ["Surat Izin Praktik"],
                ["Undang-Undang Nomor 17 Tahun 2023 tentang Kesehatan"],
            ),
        ],
        counters=[["nib-oss"], ["pbg", "sip-nakes"]],
    ),
    AgencySpec(
        code="disnaker",
        name="Dinas Tenaga Kerja Kota Contoh",
        short_name="Disnaker",
        head="Kepala Dinas",
        pengaduan=_lapor(),
        services=[
            ServiceSpec(
                "kartu-ak1",
                "Kartu Tanda Bukti Pendaftaran Pencari Kerja (Kartu AK/I)",
                "J",
                "Pendaftaran pencari kerja dan penerbitan kartu kuning",
                ["kartu kuning", "AK1", "AK/I", "pencari kerja", "loker"],
                ["KTP-el", "Pas foto 3x4", "Fotokopi ijazah terakhir"],
                STANDARD_PROSEDUR,
                (60, "minutes"),
                ["Kartu AK/I"],
                ["Undang-Undang Nomor 13 Tahun 2003 tentang Ketenagakerjaan"],
            ),
            ServiceSpec(
                "wlkp",
                "Wajib Lapor Ketenagakerjaan di Perusahaan (WLKP)",
                "K",
                "Pendampingan pelaporan ketenagakerjaan perusahaan secara daring",
                ["WLKP", "lapor ketenagakerjaan", "perusahaan"],
                ["NIB perusahaan", "Data tenaga kerja perusahaan", "KTP-el penanggung jawab"],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["Bukti Wajib Lapor Ketenagakerjaan"],
                [
                    "Undang-Undang Nomor 7 Tahun 1981 tentang Wajib Lapor Ketenagakerjaan di "
                    "Perusahaan"
                ],
            ),
        ],
        counters=[["kartu-ak1", "wlkp"]],
    ),
    AgencySpec(
        code="bapenda",
        name="Samsat dan Badan Pendapatan Daerah Kota Contoh",
        short_name="Samsat",
        head="Kepala Badan",
        pengaduan=_lapor("Call center Samsat"),
        services=[
            ServiceSpec(
                "pkb-tahunan",
                "Pembayaran Pajak Kendaraan Bermotor Tahunan",
                "L",
                "Pembayaran PKB dan SWDKLLJ serta pengesahan STNK tahunan",
                ["pajak motor", "pajak mobil", "PKB", "STNK tahunan", "samsat"],
                ["KTP-el pemilik kendaraan", "STNK asli", "BPKB atau surat kuasa"],
                [
                    "Pemohon mengambil nomor antrian",
                    "Petugas memeriksa dokumen dan menetapkan pajak",
                    "Pemohon membayar di kasir",
                    "STNK disahkan dan diserahkan",
                ],
                (30, "minutes"),
                ["STNK yang telah disahkan", "Bukti pembayaran PKB dan SWDKLLJ"],
                [UU_HKPD],
                biaya={
                    "free": False,
                    "description": "PKB menurut nilai jual dan bobot kendaraan, ditambah SWDKLLJ",
                    "legal_basis": PERDA_PDRD,
                },
                quotas={"walk_in_daily": 300},
            ),
            ServiceSpec(
                "stnk-lima-tahunan",
                "Pengesahan STNK Lima Tahunan dan Penggantian TNKB",
                "M",
                "Perpanjangan STNK lima tahunan dan penggantian pelat nomor",
                ["ganti plat", "plat nomor", "TNKB", "STNK lima tahun"],
                [
                    "KTP-el pemilik kendaraan",
                    "STNK dan BPKB asli",
                    "Hasil cek fisik kendaraan",
                ],
                STANDARD_PROSEDUR,
                (1, "working_days"),
                ["STNK baru", "Tanda Nomor Kendaraan Bermotor (TNKB)"],
                [UU_POLRI, PNBP_POLRI],
                biaya={
                    "free": False,
                    "description": "PNBP STNK dan TNKB menurut jenis kendaraan, ditambah PKB",
                    "legal_basis": PNBP_POLRI,
                },
            ),
        ],
        counters=[["pkb-tahunan"], ["pkb-tahunan", "stnk-lima-tahunan"]],
    ),
    AgencySpec(
        code="bpjs-kesehatan",
        name="BPJS Kesehatan Kantor Cabang Kota Contoh",
        short_name="BPJS Kesehatan",
        head="Kepala Cabang",
        pengaduan=_lapor("Care Center 165", "Aplikasi Mobile JKN"),
        services=[
            ServiceSpec(
                "pendaftaran-jkn",
                "Pendaftaran Peserta JKN-KIS Mandiri",
                "N",
                "Pendaftaran peserta Jaminan Kesehatan Nasional segmen pekerja bukan penerima upah",
                ["BPJS", "JKN", "KIS", "daftar BPJS", "asuransi kesehatan"],
                [
                    "KTP-el dan Kartu Keluarga",
                    "Nomor rekening bank untuk autodebet iuran",
                    "Alamat email dan nomor telepon aktif",
                ],
                STANDARD_PROSEDUR,
                (30, "minutes"),
                ["Nomor peserta JKN-KIS", "Virtual account iuran"],
                [
                    "Undang-Undang Nomor 24 Tahun 2011 tentang Badan Penyelenggara Jaminan Sosial",
                    "Peraturan Presiden Nomor 82 Tahun 2018 tentang Jaminan Kesehatan",
                ],
            ),
            ServiceSpec(
                "perubahan-data-jkn",
                "Perubahan Data Peserta JKN-KIS",
                "P",
                "Perubahan data, pindah fasilitas kesehatan tingkat pertama, atau perubahan kelas",
                ["pindah faskes", "ganti faskes", "ubah kelas BPJS"],
                ["KTP-el", "Kartu JKN-KIS", "Kartu Keluarga"],
                STANDARD_PROSEDUR,
                (30, "minutes"),
                ["Data kepesertaan yang diperbarui"],
                ["Peraturan Presiden Nomor 82 Tahun 2018 tentang Jaminan Kesehatan"],
            ),
        ],
        counters=[["pendaftaran-jkn", "perubahan-data-jkn"]],
    ),
    AgencySpec(
        code="bpjs-ketenagakerjaan",
        name="BPJS Ketenagakerjaan Kantor Cabang Kota Contoh",
        short_name="BPJS Ketenagakerjaan",
        head="Kepala Kantor Cabang",
        pengaduan=_lapor("Contact center 175"),
        services=[
            ServiceSpec(
                "klaim-jht",
                "Klaim Jaminan Hari Tua (JHT)",
                "Q",
                "Pengajuan pembayaran manfaat Jaminan Hari Tua",
                ["JHT", "pencairan BPJS", "klaim BPJS Ketenagakerjaan", "Jamsostek"],
                [
                    "Kartu peserta BPJS Ketenagakerjaan",
                    "KTP-el",
                    "Surat keterangan berhenti bekerja",
                    "Buku rekening bank",
                ],
                STANDARD_PROSEDUR,
                (5, "working_days"),
                ["Pembayaran manfaat JHT ke rekening peserta"],
                [
                    "Peraturan Pemerintah Nomor 46 Tahun 2015 tentang Penyelenggaraan Program "
                    "Jaminan Hari Tua"
                ],
                booking=True,
                avg_service_minutes=15,
            ),
            ServiceSpec(
                "pendaftaran-bpu",
                "Pendaftaran Peserta Bukan Penerima Upah",
                "R",
                "Pendaftaran pekerja mandiri ke program jaminan sosial ketenagakerjaan",
                ["BPU", "pekerja mandiri", "ojol", "UMKM"],
                ["KTP-el", "Nomor telepon aktif"],
                STANDARD_PROSEDUR,
                (30, "minutes"),
                ["Kartu peserta BPJS Ketenagakerjaan"],
                ["Undang-Undang Nomor 24 Tahun 2011 tentang Badan Penyelenggara Jaminan Sosial"],
            ),
        ],
        counters=[["klaim-jht", "pendaftaran-bpu"]],
    ),
    AgencySpec(
        code="polres",
        name="Kepolisian Resor Kota Contoh",
        short_name="Polres",
        head="Kepala Kepolisian Resor",
        pengaduan=_lapor("Layanan 110", "Propam Polres"),
        services=[
            ServiceSpec(
                "skck",
                "Surat Keterangan Catatan Kepolisian (SKCK)",
                "S",
                "Penerbitan SKCK baru dan perpanjangan",
                ["SKCK", "surat kelakuan baik", "catatan kepolisian"],
                [
                    "Fotokopi KTP-el dan Kartu Keluarga",
                    "Fotokopi akta kelahiran atau ijazah",
                    "Pas foto 4x6 berlatar merah sebanyak 6 lembar",
                    "Rumus sidik jari",
                ],
                [
                    "Pemohon mengambil nomor antrian",
                    "Pengambilan sidik jari",
                    "Pengisian formulir dan verifikasi berkas",
                    "Pembayaran PNBP",
                    "SKCK dicetak dan diserahkan",
                ],
                (1, "working_days"),
                ["Surat Keterangan Catatan Kepolisian"],
                [UU_POLRI],
                biaya={
                    "free": False,
                    "amount_rupiah": 30_000,
                    "legal_basis": PNBP_POLRI,
                },
                booking=True,
                avg_service_minutes=15,
            ),
            ServiceSpec(
                "laporan-kehilangan",
                "Surat Tanda Penerimaan Laporan Kehilangan",
                "T",
                "Laporan kehilangan dokumen atau barang",
                ["surat kehilangan", "hilang", "STPL"],
                ["KTP-el pelapor", "Keterangan barang atau dokumen yang hilang"],
                STANDARD_PROSEDUR,
                (30, "minutes"),
                ["Surat Tanda Penerimaan Laporan Kehilangan"],
                ["Undang-Undang Nomor 2 Tahun 2002 tentang Kepolisian Negara Republik Indonesia"],
            ),
        ],
        counters=[["skck", "laporan-kehilangan"]],
    ),
    AgencySpec(
        code="imigrasi",
        name="Kantor Imigrasi Kelas I Kota Contoh",
        short_name="Imigrasi",
        head="Kepala Kantor Imigrasi",
        pengaduan=_lapor("Pengaduan Imigrasi melalui aplikasi M-Paspor"),
        services=[
            ServiceSpec(
                "paspor-baru",
                "Penerbitan Paspor Biasa Baru",
                "U",
                "Permohonan paspor biasa 48 halaman bagi warga negara Indonesia",
                ["paspor", "passport", "M-Paspor"],
                [
                    "KTP-el",
                    "Kartu Keluarga",
                    "Akta kelahiran, ijazah, atau buku nikah",
                    "Bukti pembayaran PNBP",
                ],
                [
                    "Pemohon mendaftar dan membayar melalui M-Paspor",
                    "Pemohon datang sesuai jadwal dan mengambil nomor antrian",
                    "Verifikasi dokumen, foto, sidik jari, dan wawancara",
                    "Paspor dicetak dan diambil pemohon",
                ],
                (4, "working_days"),
                ["Paspor biasa"],
                ["Undang-Undang Nomor 6 Tahun 2011 tentang Keimigrasian"],
                biaya={
                    "free": False,
                    "amount_rupiah": 350_000,
                    "legal_basis": PNBP_KUMHAM,
                },
                booking=True,
                avg_service_minutes=20,
                quotas={"walk_in_daily": 40, "online_daily": 80},
            ),
            ServiceSpec(
                "penggantian-paspor",
                "Penggantian Paspor",
                "V",
                "Penggantian paspor yang habis masa berlaku, penuh, rusak, atau hilang",
                ["perpanjang paspor", "ganti paspor", "paspor hilang"],
                ["KTP-el", "Paspor lama", "Bukti pembayaran PNBP"],
                [
                    "Pemohon mendaftar dan membayar melalui M-Paspor",
                    "Verifikasi dokumen, foto, dan wawancara",
                    "Paspor dicetak dan diambil pemohon",
                ],
                (4, "working_days"),
                ["Paspor biasa"],
                ["Undang-Undang Nomor 6 Tahun 2011 tentang Keimigrasian"],
                biaya={
                    "free": False,
                    "amount_rupiah": 350_000,
                    "legal_basis": PNBP_KUMHAM,
                },
                booking=True,
                avg_service_minutes=20,
            ),
        ],
        counters=[["paspor-baru"], ["paspor-baru", "penggantian-paspor"]],
    ),
    AgencySpec(
        code="bank-daerah",
        name=f"Bank Daerah Kota Contoh ({DEMO})",
        short_name="Bank Daerah",
        head="Pemimpin Cabang",
        pengaduan=_lapor("Layanan pengaduan nasabah bank", "Kontak OJK 157"),
        services=[
            ServiceSpec(
                "rekening-tabungan",
                "Pembukaan Rekening Tabungan",
                "W",
                "Pembukaan rekening tabungan perorangan, termasuk tabungan pelajar",
                ["buka rekening", "tabungan", "bank", "Simpel"],
                ["KTP-el", "NPWP (bila ada)", "Setoran awal sesuai jenis tabungan"],
                STANDARD_PROSEDUR,
                (30, "minutes"),
                ["Buku tabungan", "Kartu debit"],
                ["Undang-Undang Nomor 10 Tahun 1998 tentang Perbankan"],
            ),
        ],
        counters=[["rekening-tabungan"]],
    ),
    AgencySpec(
        code="pdam",
        name=f"Perumda Air Minum Tirta Contoh ({DEMO})",
        short_name="PDAM",
        head="Direktur Utama",
        pengaduan=_lapor("Call center PDAM"),
        services=[
            ServiceSpec(
                "sambungan-baru",
                "Pemasangan Sambungan Air Baru",
                "X",
                "Permohonan sambungan baru air minum untuk rumah tangga",
                ["pasang air", "PDAM", "air bersih", "sambungan baru"],
                ["KTP-el", "Bukti kepemilikan atau sewa rumah", "Denah lokasi"],
                STANDARD_PROSEDUR,
                (10, "working_days"),
                ["Sambungan air terpasang dan meter air"],
                [TARIF_AIR],
                biaya={
                    "free": False,
                    "amount_rupiah": 1_500_000,
                    "legal_basis": TARIF_AIR,
                },
            ),
            ServiceSpec(
                "balik-nama-pelanggan",
                "Balik Nama Pelanggan Air",
                "Y",
                "Perubahan nama pelanggan pada sambungan air",
                ["ganti nama pelanggan", "PDAM"],
                ["KTP-el pemilik baru", "Bukti kepemilikan rumah", "Rekening air terakhir"],
                STANDARD_PROSEDUR,
                (3, "working_days"),
                ["Data pelanggan atas nama baru"],
                [TARIF_AIR],
                biaya={
                    "free": False,
                    "amount_rupiah": 50_000,
                    "legal_basis": TARIF_AIR,
                },
            ),
        ],
        counters=[["sambungan-baru", "balik-nama-pelanggan"]],
    ),
]


@dataclass
class DemoAgency:
    code: str  # also its id: the agency_id of its staff, services and counters
    name: str
    service_ids: dict[str, str] = field(default_factory=dict)  # service code → id
    counter_ids: list[str] = field(default_factory=list)


@dataclass
class DemoCatalog:
    agencies: list[DemoAgency]

    @property
    def agency_codes(self) -> list[str]:
        return [a.code for a in self.agencies]

    @property
    def service_ids(self) -> list[str]:
        return [i for a in self.agencies for i in a.service_ids.values()]

    @property
    def counter_ids(self) -> list[str]:
        return [i for a in self.agencies for i in a.counter_ids]


async def seed(api: httpx.AsyncClient) -> DemoCatalog:
    """Create the demo MPP through the catalog API; only what is missing."""
    settings = _ok(await api.get(f"{API}/settings"))
    if settings["version"] == 1:  # never changed by anyone: make it the demo MPP
        _ok(await api.patch(f"{API}/settings", json=DEMO_SETTINGS))
    counters = {c["number"]: c for c in await _all(api, f"{API}/counters", {})}
    result = DemoCatalog(agencies=[])
    number = 0
    for spec in AGENCIES:
        agency = DemoAgency(code=spec.code, name=spec.name)
        result.agencies.append(agency)
        found = await api.get(f"{API}/agencies/{spec.code}", params={"view": "full"})
        if found.status_code == 404:
            _ok(await api.post(f"{API}/agencies", json=_agency_body(spec)))
        else:
            _ok(found)
        params = {"view": "full", "agency_id": spec.code, "status": "all"}
        existing = {s["code"]: s["id"] for s in await _all(api, f"{API}/services", params)}
        for service in spec.services:
            if service.code not in existing:
                created = _ok(await api.post(f"{API}/services", json=_service_body(spec, service)))
                existing[service.code] = created["id"]
            agency.service_ids[service.code] = existing[service.code]
        for codes in spec.counters:
            number += 1
            if number not in counters:
                body = {
                    "agency_id": spec.code,
                    "number": number,
                    "name": f"Loket {number} {spec.short_name}",
                    "service_ids": [agency.service_ids[c] for c in codes],
                }
                counters[number] = _ok(await api.post(f"{API}/counters", json=body))
            agency.counter_ids.append(counters[number]["id"])
    return result


async def _all(api: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = _ok(await api.get(path, params={**params, "limit": "200", **_cursor(cursor)}))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _cursor(cursor: str | None) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(
            f"demo seed: {response.request.method} {response.request.url} → "
            f"{response.status_code} {response.text}"
        )
    return response.json()
