"""What the queue's HTTP API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from mpp_kit.contracts.queue import CallClass, Channel, Contact, PriorityCode
from mpp_queue.domain.kpis import Kpis
from mpp_queue.domain.lifecycle import Status
from mpp_queue.domain.priority import PriorityStatus

IdText = Field(min_length=1, max_length=100)


class IssueTicket(BaseModel):
    service_id: str = IdText
    channel: Literal["kiosk", "online"] = Field(
        description="kiosk: at the MPP; online: remote, before arriving (bookings come by event)"
    )
    priority: PriorityCode = Field(
        default="regular",
        description="regular, or a group entitled to special treatment (UU 25/2009 Pasal 29)",
    )
    contact: Contact | None = Field(default=None, description="for notifications; needs consent")
    consent: bool = Field(default=False, description="the visitor agrees to be notified")


class TransferTicket(BaseModel):
    service_id: str = IdText


class RemoveTicket(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class CounterBrief(BaseModel):
    id: str
    number: int
    name: str


class TicketView(BaseModel):
    id: str
    number: str
    service_id: str
    agency_id: str
    status: Status
    channel: Channel
    priority: PriorityCode
    priority_status: PriorityStatus
    call_class: CallClass
    day: date
    arrived_at: datetime
    entered_at: datetime
    position: int | None = Field(description="1 = next in this service's line; only while waiting")
    estimated_wait_minutes: int | None = Field(description="only while waiting")
    first_estimate_minutes: int
    counter: CounterBrief | None = None
    called_at: datetime | None = None
    recalls: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None


class IssuedTicket(TicketView):
    token: str = Field(description="the holder's capability: see and cancel this ticket")


class CounterView(BaseModel):
    id: str
    number: int
    name: str
    agency_id: str
    open: bool
    officer_id: str | None = None
    service_ids: list[str]
    current_ticket_id: str | None = None
    opened_at: datetime | None = None


class BoardCounter(BaseModel):
    counter: CounterBrief
    agency_id: str
    open: bool
    now_serving: str | None = Field(description="the number called to or served at it")
    status: Literal["called", "serving"] | None = None
    service_id: str | None = None


class BoardQueue(BaseModel):
    service_id: str
    service_name: str
    agency_id: str
    waiting: int
    next: list[str] = Field(description="the next numbers in call order")


class Board(BaseModel):
    agency_id: str | None
    counters: list[BoardCounter]
    queues: list[BoardQueue]


class ServiceKpis(BaseModel):
    service_id: str
    agency_id: str
    kpis: Kpis


class AgencyKpis(BaseModel):
    agency_id: str
    kpis: Kpis


class Stats(BaseModel):
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    services: list[ServiceKpis]
    agencies: list[AgencyKpis]


class ResetResult(BaseModel):
    removed: int
