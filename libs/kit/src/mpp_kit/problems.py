"""RFC 9457 problem documents: the one error shape of every API.

Raise :class:`Problem` (or a helper below) from any route or domain service; the app factory
turns it — and validation errors, unknown routes and unexpected failures — into
``application/problem+json``.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error the client can act on, with a stable ``type`` and a human ``detail``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def document(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": f"/problems/{self.kind}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc


def bad_request(detail: str, **extra: Any) -> Problem:
    return Problem(400, "Bad request", detail, **extra)


def unauthorized(detail: str = "Log in or present a valid token.") -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def not_found(what: str, identifier: object) -> Problem:
    return Problem(404, "Not found", f"No {what} with id {identifier!s}.")


def conflict(detail: str, *, kind: str = "conflict", **extra: Any) -> Problem:
    """A request that is well-formed but not allowed in the current state (409)."""
    return Problem(409, "Conflict", detail, kind=kind, **extra)


def invalid_field(field: str, message: str, *, status: int = 422) -> Problem:
    """A semantic error in one input field, in the same shape as schema validation errors."""
    return Problem(
        status,
        "Invalid request",
        f"{field}: {message}",
        kind="validation",
        errors=[{"field": field, "message": message}],
    )


def too_many_requests(retry_after: int) -> Problem:
    return Problem(
        429,
        "Too many requests",
        f"Slow down; try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
