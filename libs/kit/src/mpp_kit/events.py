"""Event types and the CloudEvents 1.0 envelope in Kafka binary content mode.

Headers ``ce_specversion``, ``ce_id``, ``ce_source``, ``ce_type``, ``ce_time``, ``ce_subject``,
``content-type``; the record value is the JSON payload (ARCHITECTURE.md, Events).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel

from mpp_kit.clock import utcnow

P = TypeVar("P", bound=BaseModel)

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class EventType(Generic[P]):
    """One kind of event: its payload contract, where it goes, and what keeps it in order."""

    service: str
    name: str
    payload: type[P]
    key: Callable[[P], str]
    version: int = 1
    description: str = ""

    @property
    def topic(self) -> str:
        """Logical topic ``mpp.<service>.<event>.v<N>`` (a deployment may add a prefix)."""
        return f"mpp.{self.service}.{self.name}.v{self.version}"

    @property
    def ce_type(self) -> str:
        return f"id.mpp.{self.service}.{self.name}.v{self.version}"

    @property
    def source(self) -> str:
        return f"/mpp/{self.service}"


@dataclass(frozen=True)
class Envelope:
    """A CloudEvent as it travels: attributes plus the JSON payload bytes."""

    id: str
    type: str
    source: str
    time: datetime
    data: bytes
    subject: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.id),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_time", self.time.isoformat()),
            ("content-type", CONTENT_TYPE),
        ]
        if self.subject:
            headers.append(("ce_subject", self.subject))
        headers.extend((name, value) for name, value in self.extensions.items())
        return [(name, value.encode()) for name, value in headers]

    @classmethod
    def from_kafka(cls, headers: Iterable[tuple[str, bytes]], value: bytes) -> Envelope:
        """Parse a binary-mode record; raises ``ValueError`` when it is not a CloudEvent."""
        attrs = {name: raw.decode() for name, raw in headers}
        missing = [a for a in ("ce_id", "ce_type", "ce_source") if not attrs.get(a)]
        if missing or attrs.get("ce_specversion") != SPEC_VERSION:
            raise ValueError(f"not a CloudEvents 1.0 record (missing {missing or 'specversion'})")
        known = {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"}
        return cls(
            id=attrs["ce_id"],
            type=attrs["ce_type"],
            source=attrs["ce_source"],
            time=datetime.fromisoformat(attrs["ce_time"]) if attrs.get("ce_time") else utcnow(),
            subject=attrs.get("ce_subject"),
            data=value,
            extensions={k: v for k, v in attrs.items() if k not in known and k != "content-type"},
        )


def new_event_id() -> str:
    return str(uuid.uuid4())
