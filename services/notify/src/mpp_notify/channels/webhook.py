"""Agency webhooks: the CloudEvent in structured JSON mode, signed, to the agency's endpoint.

Every attempt is signed afresh with the current time (``X-MPP-Signature: t=…,v1=…``), so a
receiver may reject anything older than a few minutes. ``X-MPP-Delivery`` stays the same
across attempts; with the CloudEvent ``id`` it lets a receiver drop a repeat.
"""

from __future__ import annotations

import time

import httpx

from mpp_notify.channels.base import DeliveryResult, OutgoingMessage
from mpp_notify.domain.webhook_signature import SIGNATURE_HEADER, signature_header
from mpp_notify.settings import NotifySettings

CLOUDEVENTS_JSON = "application/cloudevents+json"


class WebhookChannel:
    provider = "webhook"

    def __init__(self, settings: NotifySettings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        timestamp = int(time.time())
        headers = {
            "Content-Type": CLOUDEVENTS_JSON,
            SIGNATURE_HEADER: signature_header(message.secret, timestamp, message.content),
            "X-MPP-Delivery": message.delivery_id,
            "User-Agent": "mpp-notify/1",
        }
        try:
            response = await self._http.post(
                message.to,
                content=message.content,
                headers=headers,
                timeout=self._settings.send_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            return DeliveryResult.refused(f"{type(exc).__name__}: {exc}".strip())
        answer = f"{response.status_code} {response.text[:200]}"
        if response.is_success:
            return DeliveryResult.accepted(answer)
        # Every failure of an agency's endpoint is worth retrying: it may be down for a while.
        return DeliveryResult.refused(answer)
