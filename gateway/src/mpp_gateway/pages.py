"""The gateway's own web pages (Jinja2 templates, Bahasa Indonesia first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

_templates = Environment(
    loader=PackageLoader("mpp_gateway", "templates"),
    autoescape=select_autoescape(),
)


@dataclass(frozen=True)
class PageLink:
    path: str
    label: str  # Bahasa Indonesia
    label_en: str


# The landing page lists these; each issue that adds a page adds its line here.
PAGES = [
    PageLink("/docs", "Dokumentasi API (OpenAPI)", "API documentation"),
    PageLink("/asyncapi.json", "Kontrak event (AsyncAPI)", "Event contracts"),
]


def render(template: str, **context: Any) -> str:
    return _templates.get_template(template).render(**context)


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def landing() -> HTMLResponse:
        return HTMLResponse(render("landing.html", pages=PAGES))

    return router
