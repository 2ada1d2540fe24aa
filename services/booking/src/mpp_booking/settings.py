"""The booking service's settings (``MPP_*`` environment variables, like every service)."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import Field, SecretStr

from mpp_kit.auth import TokenKeys
from mpp_kit.settings import KitSettings


class BookingServiceSettings(KitSettings):
    """(Not ``BookingSettings``: that is a catalog service's booking setup.)"""

    service_name: str = "booking"
    # The key of the keyed hash of NIK and phone numbers (MPP_NIK_HASH_KEY); by default derived
    # from the capability secret, so development needs no extra secret. Set it in production,
    # and keep it: a new key no longer matches the people already booked.
    nik_hash_key: SecretStr | None = None
    # The check-in window around the slot start (issue 6: e.g. 30 minutes before to 15 after).
    check_in_opens_minutes_before: int = Field(default=30, ge=0, le=24 * 60)
    check_in_closes_minutes_after: int = Field(default=15, ge=0, le=24 * 60)
    # Reminders: the day before the slot, and shortly before it (DOMAIN.md, Booking).
    reminder_day_before_hours: int = Field(default=24, ge=1, le=72)
    reminder_soon_minutes: int = Field(default=60, ge=5, le=24 * 60)
    # How long a service's catalog data is reused between requests (0: read it every time);
    # catalog events this process handles clear it at once.
    catalog_cache_seconds: float = Field(default=1.0, ge=0)
    # How often the jobs look for work.
    no_show_every_seconds: float = Field(default=30.0, gt=0)
    reminders_every_seconds: float = Field(default=30.0, gt=0)
    repair_every_seconds: float = Field(default=60.0, gt=0)
    # A booking attempt or reschedule that has not finished after this long (its process died)
    # gives back what it held.
    abandon_after_seconds: float = Field(default=120.0, gt=0)
    # Names and contacts are kept this long after the slot, then erased (UU 27/2022: no longer
    # than the purpose requires); the booking's code, times and status stay for statistics.
    personal_data_retention_days: int = Field(default=90, ge=1)

    def person_key(self) -> bytes:
        if self.nik_hash_key is not None:
            return self.nik_hash_key.get_secret_value().encode()
        return hmac.new(TokenKeys(self).capability_key, b"nik-hash", hashlib.sha256).digest()
