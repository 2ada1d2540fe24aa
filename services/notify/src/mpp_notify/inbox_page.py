"""The dev inbox as a page: plain HTML, no scripts, refreshed every few seconds. DEMO only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

_environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_PAGE = _environment.from_string(
    """<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="10">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DEMO – Kotak masuk pengembangan / Dev inbox</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1c1e21; }
.banner { background: #b00020; color: #fff; padding: .75rem 1rem; font-weight: 600; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
article { background: #fff; border-radius: .5rem; padding: .75rem 1rem; margin: .75rem 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.1); }
.meta { color: #555; font-size: .85rem; }
.channel { display: inline-block; padding: 0 .4rem; border-radius: .25rem; background: #e3e8ef; }
pre { white-space: pre-wrap; font-family: inherit; margin: .5rem 0 0; }
</style>
</head>
<body>
<div class="banner">DEMO — Kotak masuk pengembangan: pesan di sini TIDAK dikirim ke siapa pun.
 / Dev inbox: nothing here was sent to anyone.</div>
<main>
<p class="meta">Penyedia e-mail, WhatsApp atau SMS belum dikonfigurasi, jadi pesan disimpan di
sini. / No e-mail, WhatsApp or SMS provider is configured, so messages are kept here.
Diperbarui otomatis setiap 10 detik. / Refreshes every 10 s.</p>
{% for m in messages %}
<article>
<div class="meta"><span class="channel">{{ m.channel }}</span> → {{ m.to }} ·
 {{ m.notification }} · {{ m.local_time }}</div>
{% if m.channel == "email" %}<strong>{{ m.subject }}</strong>{% endif %}
<pre>{{ m.body }}</pre>
</article>
{% else %}
<p>Belum ada pesan. / No messages yet.</p>
{% endfor %}
</main>
</body>
</html>
"""
)


def render_inbox(messages: list[dict[str, Any]], timezone: str) -> str:
    zone = ZoneInfo(timezone)
    shown = [{**m, "local_time": f"{m['at'].astimezone(zone):%d/%m/%Y %H:%M:%S}"} for m in messages]
    return _PAGE.render(messages=shown)
