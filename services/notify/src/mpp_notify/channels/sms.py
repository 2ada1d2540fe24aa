"""SMS through a configurable HTTP gateway.

Most Indonesian providers take one request with credentials, the number and the text, e.g. a
form POST of ``userkey``, ``passkey``, ``to``, ``message``. URL, method, body encoding, parameter
names, number format and how success shows in the answer are settings (``MPP_SMS_*``).
"""

from __future__ import annotations

from typing import Any

import httpx

from mpp_notify.channels.base import DeliveryResult, OutgoingMessage, http_retryable
from mpp_notify.domain.addresses import format_phone
from mpp_notify.settings import NotifySettings


class HttpSmsChannel:
    provider = "sms-http"

    def __init__(self, settings: NotifySettings, http: httpx.AsyncClient) -> None:
        assert settings.sms_url
        self._settings = settings
        self._http = http

    def parameters(self, message: OutgoingMessage) -> dict[str, str]:
        s = self._settings
        return {
            **s.sms_params,
            s.sms_number_param: format_phone(message.to, s.sms_number_format),
            s.sms_message_param: message.body,
        }

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        s = self._settings
        assert s.sms_url is not None
        params = self.parameters(message)
        request: dict[str, Any] = {"timeout": s.send_timeout_seconds}
        if s.sms_method == "GET":
            request["params"] = params
        elif s.sms_body == "json":
            request["json"] = params
        else:
            request["data"] = params
        try:
            response = await self._http.request(s.sms_method, s.sms_url, **request)
        except httpx.HTTPError as exc:
            return DeliveryResult.refused(f"{type(exc).__name__}: {exc}")
        answer = f"{response.status_code} {response.text}"
        if not response.is_success:
            return DeliveryResult.refused(answer, retryable=http_retryable(response.status_code))
        if s.sms_success_field is None:
            return DeliveryResult.accepted(answer)
        try:
            document = response.json()
        except ValueError:
            document = None
        value = _field(document, s.sms_success_field)
        if value is not None and str(value) in s.sms_success_values:
            return DeliveryResult.accepted(answer)
        # The gateway said no in its own words (bad number, no credit): retrying may help.
        return DeliveryResult.refused(answer)


def _field(document: Any, path: str) -> Any:
    """``"status"`` or ``"result.status"`` of a JSON answer (a list: its first element)."""
    for part in path.split("."):
        if isinstance(document, list):
            document = document[0] if document else None
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document
