"""WhatsApp through the WhatsApp Business Cloud API (Meta).

``POST {base}/{phone_number_id}/messages`` with a Bearer token. A notification with a template
configured in ``MPP_WHATSAPP_TEMPLATES`` goes as a template message (what Meta requires to open
a conversation); any other as a text message. Meta answers ``{"messages": [{"id": "wamid…"}]}``
or ``{"error": {"message", "type", "code", …}}``.
"""

from __future__ import annotations

from typing import Any

import httpx

from mpp_notify.channels.base import DeliveryResult, OutgoingMessage, http_retryable
from mpp_notify.settings import NotifySettings

# Meta's limit for a text message body.
TEXT_LIMIT = 4096


class WhatsAppChannel:
    provider = "whatsapp-cloud"

    def __init__(self, settings: NotifySettings, http: httpx.AsyncClient) -> None:
        assert settings.whatsapp_phone_number_id and settings.whatsapp_token
        self._settings = settings
        self._http = http
        self._url = (
            f"{settings.whatsapp_api_base.rstrip('/')}/{settings.whatsapp_phone_number_id}/messages"
        )
        self._token = settings.whatsapp_token.get_secret_value()

    def request_body(self, message: OutgoingMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
        }
        template = self._settings.whatsapp_templates.get(message.notification)
        if template is None:
            body["type"] = "text"
            body["text"] = {"preview_url": False, "body": message.body[:TEXT_LIMIT]}
            return body
        body["type"] = "template"
        body["template"] = {
            "name": template.name,
            "language": {"code": template.language},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": message.params.get(name, "-")}
                        for name in template.parameters
                    ],
                }
            ],
        }
        return body

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            response = await self._http.post(
                self._url,
                json=self.request_body(message),
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self._settings.send_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            return DeliveryResult.refused(f"{type(exc).__name__}: {exc}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.is_success:
            ids = [m.get("id", "") for m in answer.get("messages", []) if isinstance(m, dict)]
            return DeliveryResult.accepted(f"{response.status_code} {' '.join(ids)}".strip())
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        text = error.get("message") or response.text
        code = error.get("code")
        return DeliveryResult.refused(
            f"{response.status_code} {f'({code}) ' if code else ''}{text}",
            retryable=http_retryable(response.status_code),
        )
