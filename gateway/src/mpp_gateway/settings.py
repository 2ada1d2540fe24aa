"""The gateway's settings: where the services are, and how strict the front door is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from mpp_kit.settings import KitSettings


class GatewaySettings(KitSettings):
    """``MPP_*`` environment variables, as for every service, plus the gateway's own."""

    service_name: str = "gateway"
    gateway_port: int = 8000
    # The services behind /api/v1/<name>/ (catalog_url comes from KitSettings).
    queue_url: str = "http://127.0.0.1:8102"
    booking_url: str = "http://127.0.0.1:8103"
    notify_url: str = "http://127.0.0.1:8104"
    # More services without a code change: MPP_EXTRA_UPSTREAMS='{"complaints": "http://..."}'.
    extra_upstreams: dict[str, str] = Field(default_factory=dict)

    upstream_connect_timeout: float = Field(default=3.0, gt=0)
    upstream_read_timeout: float = Field(default=30.0, gt=0)
    # Server-sent event streams sit idle between events; their services send keep-alives.
    upstream_stream_read_timeout: float = Field(default=300.0, gt=0)
    openapi_fetch_timeout: float = Field(default=2.0, gt=0)
    openapi_cache_seconds: float = Field(default=10.0, ge=0)

    # MPP_CORS_ORIGINS="https://portal.example.go.id,https://kiosk.example.go.id"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Only behind TLS: browsers then refuse plain HTTP to this host for this long.
    hsts_max_age: int = Field(default=0, ge=0)
    # Callers without a token or API key, per client IP (per gateway replica).
    public_rate_limit_per_minute: int = Field(default=240, ge=1)

    token_lifetime_minutes: int = Field(default=480, ge=1)  # one working shift
    agency_token_lifetime_seconds: int = Field(default=120, ge=10)
    api_key_cache_seconds: float = Field(default=30.0, ge=0)
    login_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    # Higher than per user: a whole MPP building may share one public address.
    login_max_failures_per_ip: int = Field(default=30, ge=1)

    contracts_dir: Path | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def upstreams(self) -> dict[str, str]:
        """Service name → base URL; a request for any other name is a 404."""
        named = {
            "catalog": self.catalog_url,
            "queue": self.queue_url,
            "booking": self.booking_url,
            "notify": self.notify_url,
        }
        return {**named, **self.extra_upstreams}
