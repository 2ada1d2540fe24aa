"""What every channel adapter takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mpp_kit.personal_data import mask_text

ANSWER_LIMIT = 500


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient, as the dispatcher hands it to a channel."""

    delivery_id: str
    channel: str
    to: str  # e-mail address, E.164 phone number, or the webhook URL
    notification: str
    subject: str = ""
    body: str = ""  # the e-mail body, or the text of a WhatsApp/SMS message
    params: dict[str, str] = field(default_factory=dict)  # short values for provider templates
    content: bytes = b""  # a webhook's structured CloudEvent
    secret: str = ""  # a webhook endpoint's signing secret


@dataclass(frozen=True)
class DeliveryResult:
    """How a provider answered. ``retryable=False``: trying again cannot help (a bad number)."""

    ok: bool
    answer: str
    retryable: bool = True

    @classmethod
    def accepted(cls, answer: str) -> DeliveryResult:
        return cls(True, _clip(answer))

    @classmethod
    def refused(cls, answer: str, *, retryable: bool = True) -> DeliveryResult:
        return cls(False, _clip(answer), retryable)


def _clip(answer: str) -> str:
    """Provider answers go into the delivery log: masked and short."""
    return mask_text(" ".join(answer.split()))[:ANSWER_LIMIT]


class Channel(Protocol):
    """A way to reach someone. ``provider`` names it in the log and the metrics."""

    provider: str

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...


def http_retryable(status: int) -> bool:
    """Server errors, timeouts and throttling may pass later; other 4xx will not."""
    return status >= 500 or status in (408, 425, 429)
