"""Rules for taking a ticket: which daily quota a channel draws on, and what contact is kept."""

from __future__ import annotations

from typing import Literal

from mpp_kit.contracts.catalog import Quotas
from mpp_kit.contracts.queue import Channel, Contact

# Walk-ins at the kiosk and remote ("online") tickets each have a daily quota (catalog, issue 3);
# booked visitors were counted against the booking's slot capacity already.
QuotaChannel = Literal["kiosk", "online"]


def daily_quota(channel: Channel, quotas: Quotas) -> int | None:
    """The most tickets of this channel per local day, ``None`` for no limit."""
    if channel == "kiosk":
        return quotas.walk_in_daily
    if channel == "online":
        return quotas.online_daily
    return None


def kept_contact(contact: Contact | None, consent: bool) -> Contact | None:
    """Personal data is kept only with consent, and only what notifications need (UU 27/2022)."""
    return contact if consent else None
