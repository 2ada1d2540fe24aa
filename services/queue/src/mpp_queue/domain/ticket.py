"""A ticket: one visit to one service's queue, from entering it to its outcome."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mpp_kit.contracts.queue import CallClass, Channel, Contact, PriorityCode
from mpp_queue.domain.kpis import TicketFacts
from mpp_queue.domain.lifecycle import Status
from mpp_queue.domain.priority import PriorityStatus


class HistoryEntry(BaseModel):
    """One step in the ticket's life: kept, so that what happened can be told later."""

    at: datetime
    action: str
    by: str | None = None  # the staff member's id; None for the visitor or the system
    counter_id: str | None = None


class Ticket(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    visit_id: str  # the first ticket of the visit: its capability token opens every later one
    leg: int = 0  # 0: issued here; n: the n-th transfer of the visit
    number: str  # display number; a transferred ticket keeps the visit's number
    seq: int | None = None  # the daily sequence it took; None when it came by transfer
    day: date  # the MPP's local day of the number
    service_id: str
    agency_id: str
    channel: Channel
    priority: PriorityCode
    priority_status: PriorityStatus
    call_class: CallClass
    rank: int
    arrived_at: datetime  # the visit's arrival: the place in line, kept across transfers
    entered_at: datetime  # when it entered this service's queue: the start of its wait
    status: Status
    counter_id: str | None = None
    officer_id: str | None = None
    called_at: datetime | None = None  # the last call
    first_called_at: datetime | None = None
    recalls: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    first_estimate_minutes: int
    target_wait_minutes: int
    booking_id: str | None = None
    contact: Contact | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    version: int = 1
    history: list[HistoryEntry] = Field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The stored form (dates as ISO strings: BSON has no plain date)."""
        doc = self.model_dump(by_alias=True, exclude_none=True)
        doc["day"] = self.day.isoformat()
        return doc

    def facts(self) -> TicketFacts:
        return TicketFacts(
            status=self.status,
            issued_here=self.leg == 0,
            entered_at=self.entered_at,
            called_at=self.called_at,
            ended_at=self.ended_at,
            first_estimate_minutes=self.first_estimate_minutes,
            target_wait_minutes=self.target_wait_minutes,
        )

    def seconds_between(self, start: datetime | None, end: datetime | None) -> int:
        if start is None or end is None:
            return 0
        return max(0, round((end - start).total_seconds()))

    @property
    def waiting_seconds(self) -> int:
        """Last call − entered the queue (DOMAIN.md, Queue, KPIs)."""
        return self.seconds_between(self.entered_at, self.called_at)
