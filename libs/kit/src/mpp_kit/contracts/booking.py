"""Events published by the booking service."""

from __future__ import annotations

from typing import Any

from mpp_kit.events import EventType

EVENTS: list[EventType[Any]] = []
