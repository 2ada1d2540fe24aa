"""The queue service's settings (``MPP_*`` environment variables, like every service)."""

from __future__ import annotations

from pydantic import Field

from mpp_kit.settings import KitSettings


class QueueSettings(KitSettings):
    service_name: str = "queue"
    # How often each replica looks for calls made by other replicas (its own arrive at once).
    board_poll_seconds: float = Field(default=0.25, gt=0)
    # A comment line on idle board streams, so proxies keep them open.
    board_ping_seconds: int = Field(default=15, ge=1)
    board_next_count: int = Field(default=5, ge=1, le=50)
    reset_every_seconds: float = Field(default=60.0, gt=0)
    waiting_gauge_every_seconds: float = Field(default=15.0, gt=0)
    # Transactions at once per process (see transactions.py; 2 suits the embedded store).
    max_concurrent_transactions: int = Field(default=2, ge=1, le=1000)
    # A visitor's phone or e-mail serves notifications and the survey invitation; then it goes.
    contact_retention_days: int = Field(default=30, ge=1)
