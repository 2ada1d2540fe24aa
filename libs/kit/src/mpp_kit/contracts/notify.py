"""Events published by the notify service: the outcome of each delivery.

They carry no personal data: the recipient is masked, the message body is not included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mpp_kit.events import EventType

Channel = Literal["email", "whatsapp", "sms", "webhook"]


class NotificationOutcome(BaseModel):
    """One delivery (one event, one channel, one recipient) and how it ended."""

    delivery_id: str
    event_id: str = Field(description="ce_id of the event that caused the notification")
    event_type: str = Field(description="ce_type of that event")
    notification: str = Field(description="template name, e.g. ticket-issued; 'event' for webhooks")
    channel: Channel
    provider: str = Field(description="smtp, whatsapp-cloud, sms-http, webhook or dev-inbox")
    recipient: str = Field(description="masked address, or the webhook endpoint id")
    agency_id: str | None = None
    attempts: int = Field(ge=0)
    at: datetime
    answer: str = Field(default="", description="the provider's last answer (masked)")
    endpoint_id: str | None = None
    endpoint_disabled: bool = Field(
        default=False, description="the webhook endpoint was disabled by this failure"
    )


def _delivery_key(payload: NotificationOutcome) -> str:
    return payload.delivery_id


NOTIFICATION_SENT = EventType(
    "notify",
    "notification-sent",
    NotificationOutcome,
    key=_delivery_key,
    description="A provider accepted a message (or a webhook endpoint answered 2xx).",
)
NOTIFICATION_FAILED = EventType(
    "notify",
    "notification-failed",
    NotificationOutcome,
    key=_delivery_key,
    description="A delivery gave up after its retries; carries the provider's last answer.",
)

EVENTS: list[EventType[Any]] = [NOTIFICATION_SENT, NOTIFICATION_FAILED]
