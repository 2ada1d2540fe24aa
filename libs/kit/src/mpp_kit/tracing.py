"""Request and trace context that follows a request into the events it causes.

The HTTP middleware and the consumer set these; the outbox copies them into event headers.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return secrets.token_hex(16)


def accept_request_id(value: str | None) -> str:
    """Keep a caller's request id when it is sane, else make one (ids end up in logs)."""
    return value if value and _REQUEST_ID.match(value) else new_request_id()


def child_traceparent(incoming: str | None) -> str:
    """W3C trace context: keep the trace id, start a new span; begin a trace when none came."""
    match = _TRACEPARENT.match(incoming or "")
    trace_id = match.group(1) if match else secrets.token_hex(16)
    flags = match.group(3) if match else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"
