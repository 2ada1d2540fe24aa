"""Message templates: Jinja2 text, one per notification, with a subject, an e-mail body and a
short text for WhatsApp and SMS. An MPP may override any of them, MPP-wide or per agency.

Templates run in Jinja2's sandbox (an override is input from staff) with strict undefined
values, so a misspelt name is an error that names the part, not a silent gap in a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

PARTS = ("subject", "body", "short")
_environment = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    body: str
    short: str

    def part(self, name: str) -> str:
        source: str = getattr(self, name)
        return source


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    short: str


class TemplateProblem(ValueError):
    """A template part that does not compile or does not render with the given values."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _environment.from_string(source)


def render_part(part: str, source: str, values: dict[str, Any]) -> str:
    try:
        return _compiled(source).render(values).strip()
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, f"line {exc.lineno}: {exc.message}") from exc
    except TemplateError as exc:
        raise TemplateProblem(part, str(exc.message or exc)) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem(part, f"{type(exc).__name__}: {exc}") from exc


def render(template: MessageTemplate, values: dict[str, Any]) -> RenderedMessage:
    """Render every part; raises :class:`TemplateProblem` naming the first part that fails."""
    rendered = {part: render_part(part, template.part(part), values) for part in PARTS}
    # A subject is one line, whatever the template made of it.
    rendered["subject"] = " ".join(rendered["subject"].split())
    return RenderedMessage(**rendered)


def problems(template: MessageTemplate, values: dict[str, Any]) -> list[TemplateProblem]:
    """Every part's problem with these values (empty: the template is good)."""
    found = []
    for part in PARTS:
        try:
            render_part(part, template.part(part), values)
        except TemplateProblem as problem:
            found.append(problem)
    return found
