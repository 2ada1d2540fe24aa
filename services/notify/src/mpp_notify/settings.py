"""The notify service's settings (``MPP_*``): providers, retries, and the personal-data limits.

A channel whose provider is not configured goes to the dev inbox while ``MPP_DEV_INBOX`` is on
(the embedded default), so ``mpp up`` shows every notification without any account anywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from mpp_kit.settings import KitSettings

PhoneChannel = Literal["whatsapp", "sms"]
WHATSAPP: PhoneChannel = "whatsapp"


class WhatsAppTemplate(BaseModel):
    """A template approved in WhatsApp Manager, and which of our values fill its body."""

    name: str
    language: str = "id"
    parameters: list[str] = Field(default_factory=list, description="value names, in order")


class NotifySettings(KitSettings):
    service_name: str = "notify"

    # Links in messages point at the public gateway. Following a ticket: the queue's API until a
    # page exists; the survey link is a placeholder until the survey service serves one.
    public_url: str = "http://127.0.0.1:8000"
    ticket_link_template: str = "{public_url}/api/v1/queue/tickets/{ticket_id}?token={token}"
    survey_link_template: str = "{public_url}/survei?tiket={ticket_id}&token={token}"

    # E-mail over SMTP.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = "Mal Pelayanan Publik <noreply@mpp.example.go.id>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True

    # WhatsApp Business Cloud API.
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    # MPP_WHATSAPP_TEMPLATES='{"ticket-called": {"name": "mpp_dipanggil", "parameters":
    # ["number", "counter"]}}' — notifications without one go as text messages.
    whatsapp_templates: dict[str, WhatsAppTemplate] = Field(default_factory=dict)

    # SMS through an HTTP gateway (most Indonesian providers take one simple request).
    sms_url: str | None = None
    sms_method: Literal["GET", "POST"] = "POST"
    sms_body: Literal["form", "json"] = "form"
    sms_number_param: str = "to"
    sms_message_param: str = "message"
    sms_params: dict[str, str] = Field(default_factory=dict, description="credentials, sender id")
    sms_number_format: Literal["local", "international", "e164"] = "local"
    # Many gateways answer 200 with a status in the JSON body: name that field and its good values.
    sms_success_field: str | None = None
    sms_success_values: list[str] = Field(default_factory=list)

    # Which channels a phone number gets.
    phone_channels: list[PhoneChannel] = Field(default_factory=lambda: [WHATSAPP])
    dev_inbox: bool = True

    # Agency webhook registrations are copied from the catalog this often.
    webhook_sync_seconds: float = Field(default=30.0, gt=0)
    webhook_strip_fields: list[str] = Field(default_factory=lambda: ["contact"])

    # The dispatcher.
    dispatch_poll_seconds: float = Field(default=0.25, gt=0)
    dispatch_concurrency: int = Field(default=32, ge=1)
    # In flight per destination (one webhook endpoint, or one provider): a slow one cannot
    # occupy every slot.
    destination_concurrency: int = Field(default=4, ge=1)
    send_timeout_seconds: float = Field(default=10.0, gt=0)
    lease_seconds: float = Field(default=60.0, gt=0)

    # Retries: exponential from the base, capped; webhooks keep trying for hours.
    message_max_attempts: int = Field(default=5, ge=1)
    message_retry_base_seconds: float = Field(default=30.0, gt=0)
    webhook_max_attempts: int = Field(default=15, ge=1)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_max_interval_seconds: float = Field(default=4 * 3600.0, gt=0)
    webhook_disable_after: int = Field(default=25, ge=1, description="consecutive failures")

    # Personal data (UU 27/2022): bodies and addresses leave after this; one citizen gets at
    # most ``recipient_rate_limit`` messages per window; reminders wait out the quiet hours.
    retention_hours: float = Field(default=72.0, gt=0)
    purge_interval_seconds: float = Field(default=600.0, gt=0)
    recipient_rate_limit: int = Field(default=20, ge=1)
    recipient_rate_window_seconds: float = Field(default=3600.0, gt=0)
    quiet_hours: str = "21:00-07:00"

    # "Almost your turn" when this many are ahead.
    almost_turn_ahead: int = Field(default=3, ge=1, le=50)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_shape(cls, value: str) -> str:
        from mpp_notify.domain.quiet_hours import parse_quiet_hours

        parse_quiet_hours(value)
        return value

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> NotifySettings:
        # A lease that ended while its attempt still ran would let a second sender start.
        if self.lease_seconds <= self.send_timeout_seconds + 1:
            raise ValueError("lease_seconds must exceed send_timeout_seconds by more than 1 s")
        return self

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def whatsapp_configured(self) -> bool:
        return bool(self.whatsapp_phone_number_id and self.whatsapp_token)

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_url)
