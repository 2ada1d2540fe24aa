"""What the public sees of the catalog, and whether a service is open. Pure, no I/O.

Of the 14 standard components only the six about delivery must be public (DOMAIN.md); the rest,
quotas and internal targets stay with the agency and the MPP.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from mpp_kit import working_days
from mpp_kit.contracts.catalog import (
    PUBLIC_COMPONENTS,
    AgencyContact,
    AgencyState,
    Biaya,
    JangkaWaktu,
    Maklumat,
    MppSettings,
    ServiceState,
    ServiceStatus,
    WeeklyHours,
)


class PublicStandard(BaseModel):
    """The six public components of the standar pelayanan (DOMAIN.md)."""

    persyaratan: list[str]
    prosedur: list[str]
    jangka_waktu: JangkaWaktu
    biaya: Biaya
    produk: list[str]
    penanganan_pengaduan: list[str]


assert tuple(PublicStandard.model_fields) == PUBLIC_COMPONENTS


class PublicService(BaseModel):
    id: str
    agency_id: str
    code: str
    name: str
    description: str
    keywords: list[str]
    ticket_prefix: str
    standard: PublicStandard
    opening_hours: WeeklyHours | None = Field(description="null: the MPP's opening hours")
    booking_enabled: bool
    priority_service: bool
    status: ServiceStatus


class PublicAgency(BaseModel):
    id: str
    code: str
    name: str
    short_name: str
    contact: AgencyContact
    logo_url: str | None
    maklumat: Maklumat | None
    active: bool


class OpeningNow(BaseModel):
    """Whether a service serves now and when it next opens, in the MPP's local time."""

    service_id: str
    timezone: str
    now: datetime
    open_now: bool
    closes_at: datetime | None = Field(description="null while open: open around the clock")
    next_opening: datetime | None = Field(
        description="the next opening after now (or after closing)"
    )
    next_open_day: date | None
    closed_today_reason: str | None = Field(
        description="a national holiday, cuti bersama or MPP closed day today"
    )


class PublicServicePage(BaseModel):
    """Everything a public page about one service shows, in one answer."""

    service: PublicService
    agency: PublicAgency
    opening: OpeningNow


def public_service(service: ServiceState) -> PublicService:
    standard = service.standard.model_dump(include=set(PUBLIC_COMPONENTS))
    return PublicService(
        **service.model_dump(
            include={"id", "agency_id", "code", "name", "description", "keywords"}
            | {"ticket_prefix", "opening_hours", "priority_service", "status"}
        ),
        standard=PublicStandard.model_validate(standard),
        booking_enabled=service.booking.enabled,
    )


def public_agency(agency: AgencyState) -> PublicAgency:
    return PublicAgency.model_validate(agency.model_dump(exclude={"version", "updated_at"}))


def opening_now(
    service: ServiceState, settings: MppSettings, now: datetime, agency_active: bool = True
) -> OpeningNow:
    """A retired service, or one of an inactive agency, is closed and does not open again."""
    zone = ZoneInfo(settings.timezone)
    local_now = now.astimezone(zone)
    serving = service.status == "active" and agency_active
    hours = service.opening_hours
    period = working_days.current_period(now, settings, hours) if serving else None
    opens = working_days.next_opening(now, settings, hours) if serving else None
    return OpeningNow(
        service_id=service.id,
        timezone=settings.timezone,
        now=local_now,
        open_now=period is not None,
        closes_at=period[1].astimezone(zone) if period and period[1] else None,
        next_opening=opens.astimezone(zone) if opens else None,
        next_open_day=opens.astimezone(zone).date() if opens else None,
        closed_today_reason=working_days.closed_reason(local_now.date(), settings),
    )
