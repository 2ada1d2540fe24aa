"""The packaged message templates: Bahasa Indonesia first, English second.

Each notification has a subject (e-mail), a body (e-mail) and a short text (WhatsApp, SMS), and
sample values with which staff can preview an override. Values every message may use: ``mpp``,
``agency``, ``service``, ``link``; the rest are named per notification below.
"""

from __future__ import annotations

from typing import Any

from mpp_notify.message_templates import MessageTemplate

_SIGNATURE = "\n\nTerima kasih,\n{{ mpp }}"

DEFAULTS: dict[str, MessageTemplate] = {
    "ticket-issued": MessageTemplate(
        subject="Nomor antrian {{ number }} – {{ service }} / Your queue number",
        body=(
            "Yth. Bapak/Ibu,\n\n"
            "Nomor antrian Anda {{ number }} untuk layanan {{ service }} ({{ agency }}).\n"
            "Posisi Anda dalam antrian: {{ position }}. "
            "Perkiraan waktu tunggu: {{ estimated_wait_minutes }} menit.\n"
            "Pantau antrian Anda di: {{ link }}" + _SIGNATURE + "\n\n---\n"
            "Your queue number is {{ number }} for {{ service }} ({{ agency }}).\n"
            "Your position: {{ position }}. Estimated wait: {{ estimated_wait_minutes }} minutes.\n"
            "Follow your ticket at: {{ link }}"
        ),
        short=(
            "{{ mpp }}: Nomor antrian Anda {{ number }} ({{ service }}), posisi {{ position }}, "
            "perkiraan tunggu {{ estimated_wait_minutes }} menit. Pantau: {{ link }}\n"
            "Your number {{ number }}, position {{ position }}, "
            "about {{ estimated_wait_minutes }} min."
        ),
    ),
    "ticket-called": MessageTemplate(
        subject="Nomor antrian {{ number }}, silakan ke loket {{ counter }} / Please go to counter",
        body=(
            "Nomor antrian {{ number }}, silakan ke loket {{ counter }}.\n"
            "Layanan: {{ service }} ({{ agency }})." + _SIGNATURE + "\n\n---\n"
            "Queue number {{ number }}, please go to counter {{ counter }}."
        ),
        short=(
            "Nomor antrian {{ number }}, silakan ke loket {{ counter }}.\n"
            "Number {{ number }}, please go to counter {{ counter }}."
        ),
    ),
    "almost-your-turn": MessageTemplate(
        subject="Segera giliran Anda: {{ number }} / Almost your turn",
        body=(
            "Nomor antrian {{ number }} ({{ service }}): tinggal {{ ahead }} antrian lagi "
            "sebelum giliran Anda. Mohon bersiap di dekat loket.\n"
            "Pantau antrian Anda di: {{ link }}" + _SIGNATURE + "\n\n---\n"
            "Queue number {{ number }}: {{ ahead }} more before your turn. "
            "Please be ready near the counters."
        ),
        short=(
            "{{ mpp }}: Nomor {{ number }}, tinggal {{ ahead }} antrian lagi. "
            "Mohon bersiap di dekat loket.\n"
            "Number {{ number }}: {{ ahead }} more before your turn."
        ),
    ),
    "survey-invitation": MessageTemplate(
        subject="Bagaimana layanan kami? / How did we do?",
        body=(
            "Terima kasih telah menggunakan layanan {{ service }} ({{ agency }}).\n"
            "Mohon luangkan satu menit untuk mengisi Survei Kepuasan Masyarakat (SKM): {{ link }}"
            + _SIGNATURE
            + "\n\n---\n"
            "Thank you for using {{ service }}. Please take a minute for our satisfaction "
            "survey: {{ link }}"
        ),
        short=(
            "{{ mpp }}: Terima kasih. Mohon isi survei kepuasan layanan {{ service }}: {{ link }}\n"
            "Thank you. Please rate our service: {{ link }}"
        ),
    ),
    "booking-created": MessageTemplate(
        subject="Reservasi {{ code }} – {{ service }} / Your booking",
        body=(
            "Reservasi Anda untuk layanan {{ service }} ({{ agency }}) tercatat.\n"
            "Kode reservasi: {{ code }}\nWaktu: {{ slot }}\n"
            "Tunjukkan kode ini di kios saat tiba untuk mendapatkan nomor antrian."
            + _SIGNATURE
            + "\n\n---\n"
            "Your booking for {{ service }} is confirmed. Code {{ code }}, time {{ slot }}. "
            "Check in at the kiosk with this code when you arrive."
        ),
        short=(
            "{{ mpp }}: Reservasi {{ code }} untuk {{ service }}, {{ slot }}. "
            "Check-in di kios dengan kode ini.\n"
            "Booking {{ code }} for {{ service }}, {{ slot }}. Check in at the kiosk."
        ),
    ),
    "booking-reminder": MessageTemplate(
        subject="Pengingat reservasi {{ code }} / Booking reminder",
        body=(
            "Pengingat: reservasi {{ code }} untuk layanan {{ service }} ({{ agency }}) "
            "pada {{ slot }}.\nMohon datang tepat waktu dan check-in di kios dengan kode ini."
            + _SIGNATURE
            + "\n\n---\n"
            "Reminder: booking {{ code }} for {{ service }} at {{ slot }}. "
            "Please arrive on time and check in at the kiosk."
        ),
        short=(
            "{{ mpp }}: Pengingat reservasi {{ code }} ({{ service }}), {{ slot }}.\n"
            "Reminder: booking {{ code }}, {{ slot }}."
        ),
    ),
    "booking-rescheduled": MessageTemplate(
        subject="Reservasi {{ code }} dipindah / Booking moved",
        body=(
            "Reservasi {{ code }} untuk layanan {{ service }} ({{ agency }}) "
            "dipindah ke {{ slot }}." + _SIGNATURE + "\n\n---\n"
            "Booking {{ code }} for {{ service }} has moved to {{ slot }}."
        ),
        short=(
            "{{ mpp }}: Reservasi {{ code }} dipindah ke {{ slot }}.\n"
            "Booking {{ code }} moved to {{ slot }}."
        ),
    ),
    "booking-cancelled": MessageTemplate(
        subject="Reservasi {{ code }} dibatalkan / Booking cancelled",
        body=(
            "Reservasi {{ code }} untuk layanan {{ service }} pada {{ slot }} telah dibatalkan."
            + _SIGNATURE
            + "\n\n---\n"
            "Booking {{ code }} for {{ service }} at {{ slot }} has been cancelled."
        ),
        short=(
            "{{ mpp }}: Reservasi {{ code }} ({{ slot }}) dibatalkan.\n"
            "Booking {{ code }} cancelled."
        ),
    ),
    "booking-no-show": MessageTemplate(
        subject="Reservasi {{ code }} terlewat / Missed booking",
        body=(
            "Anda tidak check-in untuk reservasi {{ code }} ({{ service }}, {{ slot }}), "
            "sehingga reservasi ini hangus. Silakan buat reservasi baru bila masih diperlukan."
            + _SIGNATURE
            + "\n\n---\n"
            "You did not check in for booking {{ code }} ({{ slot }}); it has lapsed. "
            "Please make a new booking if you still need the service."
        ),
        short=(
            "{{ mpp }}: Reservasi {{ code }} ({{ slot }}) hangus karena tidak check-in.\n"
            "Booking {{ code }} lapsed (no check-in)."
        ),
    ),
    "complaint-received": MessageTemplate(
        subject="Pengaduan diterima: {{ tracking_id }} / Complaint received",
        body=(
            "Laporan Anda telah kami terima. Nomor pelacakan: {{ tracking_id }}.\n"
            "Simpan nomor ini dan PIN Anda untuk memantau tindak lanjutnya: {{ link }}"
            + _SIGNATURE
            + "\n\n---\n"
            "We received your report. Tracking id: {{ tracking_id }}. "
            "Keep it with your PIN to follow it: {{ link }}"
        ),
        short=(
            "{{ mpp }}: Laporan diterima, nomor pelacakan {{ tracking_id }}.\n"
            "Report received, tracking id {{ tracking_id }}."
        ),
    ),
    "complaint-updated": MessageTemplate(
        subject="Perkembangan laporan {{ tracking_id }} / Update on your report",
        body=(
            "Laporan {{ tracking_id }} kini berstatus: {{ status }}.\n"
            "Lihat rinciannya di: {{ link }}" + _SIGNATURE + "\n\n---\n"
            "Report {{ tracking_id }} is now: {{ status }}. Details: {{ link }}"
        ),
        short=(
            "{{ mpp }}: Laporan {{ tracking_id }}: {{ status }}.\n"
            "Report {{ tracking_id }}: {{ status }}."
        ),
    ),
}

_COMMON = {
    "mpp": "Mal Pelayanan Publik Kota Contoh",
    "agency": "Dinas Kependudukan dan Pencatatan Sipil",
    "service": "Perekaman KTP-el",
    "link": "https://mpp.example.go.id/tiket/7f3c",
}

# Values to preview each template with (and to check an override before it is stored).
SAMPLES: dict[str, dict[str, Any]] = {
    "ticket-issued": {
        **_COMMON,
        "number": "A-012",
        "position": 4,
        "estimated_wait_minutes": 25,
    },
    "ticket-called": {**_COMMON, "number": "A-012", "counter": 3, "counter_name": "Loket 3"},
    "almost-your-turn": {**_COMMON, "number": "A-012", "ahead": 3},
    "survey-invitation": {**_COMMON, "number": "A-012"},
    "booking-created": {**_COMMON, "code": "K7QX4M", "slot": "12/05/2025 09:30 WIB"},
    "booking-reminder": {**_COMMON, "code": "K7QX4M", "slot": "12/05/2025 09:30 WIB"},
    "booking-rescheduled": {**_COMMON, "code": "K7QX4M", "slot": "13/05/2025 10:00 WIB"},
    "booking-cancelled": {**_COMMON, "code": "K7QX4M", "slot": "12/05/2025 09:30 WIB"},
    "booking-no-show": {**_COMMON, "code": "K7QX4M", "slot": "12/05/2025 09:30 WIB"},
    "complaint-received": {**_COMMON, "tracking_id": "LPR-2025-00042"},
    "complaint-updated": {**_COMMON, "tracking_id": "LPR-2025-00042", "status": "ditindaklanjuti"},
}
