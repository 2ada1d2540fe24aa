"""Which adapter carries each channel: the configured provider, else the dev inbox."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mpp_kit.mongo import Database
from mpp_notify.channels.base import Channel
from mpp_notify.channels.dev_inbox import DevInboxChannel
from mpp_notify.channels.email import SmtpChannel
from mpp_notify.channels.sms import HttpSmsChannel
from mpp_notify.channels.webhook import WebhookChannel
from mpp_notify.channels.whatsapp import WhatsAppChannel
from mpp_notify.settings import NotifySettings


class Channels:
    """Channel name (``email``, ``whatsapp``, ``sms``, ``webhook``) → its adapter, if any."""

    def __init__(self, settings: NotifySettings, db: Database, http: httpx.AsyncClient) -> None:
        inbox = (
            DevInboxChannel(db, timedelta(hours=settings.retention_hours))
            if settings.dev_inbox
            else None
        )
        self.smtp = SmtpChannel(settings) if settings.smtp_configured else None
        self._adapters: dict[str, Channel | None] = {
            "email": self.smtp or inbox,
            "whatsapp": WhatsAppChannel(settings, http) if settings.whatsapp_configured else inbox,
            "sms": HttpSmsChannel(settings, http) if settings.sms_configured else inbox,
            "webhook": WebhookChannel(settings, http),
        }

    def adapter(self, channel: str) -> Channel | None:
        return self._adapters.get(channel)

    def available(self, channel: str) -> bool:
        return self._adapters.get(channel) is not None

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
