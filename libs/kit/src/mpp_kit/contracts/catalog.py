"""Events published by the catalog service, and the catalog state they carry.

Every event carries the FULL current state of one entity (agency, service, counter, or the MPP's
settings) with a ``version`` that grows by one on every change, so a consumer can rebuild its read
model from any mix of snapshot and events: it keeps an entity only if its version is newer.
The catalog's API validates its input with these same models (one definition, not two).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from mpp_kit.events import EventType

# --- small shared types --------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
# Codes are slugs: lowercase letters, digits and single hyphens (``dukcapil``, ``ktp-el``).
Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=40)
]
# The ticket number is the prefix and a daily sequence, ``A-001`` (DOMAIN.md, Queue; issue 3).
TicketPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}$")]
HttpUrlText = Annotated[
    str, StringConstraints(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000)
]
# A local wall-clock time ``HH:MM``; ``24:00`` closes a period at midnight.
LocalTime = Annotated[str, StringConstraints(pattern=r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")]
# Indonesia's three zones: WIB, WITA, WIT (DOMAIN.md, working days).
Timezone = Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()


def minutes_of_day(value: str) -> int:
    """``"08:30"`` → 510; ``"24:00"`` → 1440."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class OpeningPeriod(BaseModel):
    """One span of a day during which the MPP (or a service) serves, in local time."""

    open: LocalTime
    close: LocalTime

    @field_validator("close")
    @classmethod
    def _close_after_open(cls, close: str, info: ValidationInfo) -> str:
        opened = info.data.get("open")
        if opened is not None and minutes_of_day(close) <= minutes_of_day(opened):
            raise ValueError("close must be after open")
        return close


def _periods_in_order(periods: list[OpeningPeriod]) -> list[OpeningPeriod]:
    ordered = sorted(periods, key=lambda p: minutes_of_day(p.open))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if minutes_of_day(after.open) < minutes_of_day(before.close):
            raise ValueError(
                f"periods {before.open}-{before.close} and {after.open}-{after.close} overlap"
            )
    return ordered


class WeeklyHours(BaseModel):
    """Opening periods per weekday (codes ``mon`` … ``sun``); an empty day is closed."""

    mon: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    tue: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    wed: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    thu: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    fri: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    sat: list[OpeningPeriod] = Field(default_factory=list, max_length=6)
    sun: list[OpeningPeriod] = Field(default_factory=list, max_length=6)

    _ordered = field_validator(*WEEKDAYS)(_periods_in_order)

    def on(self, weekday: int) -> list[OpeningPeriod]:
        """The periods of a weekday, ``0`` = Monday (as ``date.weekday()``)."""
        periods: list[OpeningPeriod] = getattr(self, WEEKDAYS[weekday])
        return periods

    @classmethod
    def every_day(cls, open: str, close: str) -> WeeklyHours:
        return cls(**{day: [OpeningPeriod(open=open, close=close)] for day in WEEKDAYS})

    @classmethod
    def weekdays(cls, open: str, close: str) -> WeeklyHours:
        return cls(**{day: [OpeningPeriod(open=open, close=close)] for day in WEEKDAYS[:5]})


# --- standar pelayanan (UU 25/2009 Pasal 21; PermenPANRB 15/2014): 14 components ------------------


class JangkaWaktu(BaseModel):
    """Completion time: how long until the applicant gets the product."""

    value: int = Field(ge=1, le=10_000)
    unit: Literal["minutes", "hours", "days", "working_days"]


class Biaya(BaseModel):
    """Cost: free, or a charge in rupiah that rests on a stated legal basis. A charge that varies
    (a tax on a vehicle's value, a levy on a building's floor area) gives no fixed amount but says
    how it is computed."""

    free: bool
    description: Text | None = Field(default=None, description="how a varying charge is computed")
    amount_rupiah: int | None = Field(default=None, ge=0, validate_default=True)
    legal_basis: Text | None = Field(default=None, validate_default=True)

    @field_validator("amount_rupiah")
    @classmethod
    def _amount_matches_free(cls, amount: int | None, info: ValidationInfo) -> int | None:
        free = info.data.get("free")
        if free is True:
            if amount:
                raise ValueError("must be 0 when the service is free")
            return 0
        if free is False and amount is None and not info.data.get("description"):
            raise ValueError("give the amount, or a description of how the charge is computed")
        if free is False and amount == 0:
            raise ValueError("must be more than 0 when the service is not free")
        return amount

    @field_validator("legal_basis")
    @classmethod
    def _charge_has_legal_basis(cls, basis: str | None, info: ValidationInfo) -> str | None:
        # A charge must name the regulation that sets it (issue 3: amount or free + legal basis).
        if info.data.get("free") is False and not basis:
            raise ValueError("a charge needs its legal basis (the regulation that sets it)")
        return basis


NonEmptyList = Annotated[list[Text], Field(min_length=1, max_length=100)]


class ServiceStandard(BaseModel):
    """The *standar pelayanan*, component codes as in DOMAIN.md (PermenPANRB 15/2014)."""

    dasar_hukum: NonEmptyList
    persyaratan: NonEmptyList
    prosedur: NonEmptyList = Field(description="sistem, mekanisme, dan prosedur: ordered steps")
    jangka_waktu: JangkaWaktu
    biaya: Biaya
    produk: NonEmptyList
    sarana: NonEmptyList = Field(description="sarana, prasarana, dan/atau fasilitas")
    kompetensi_pelaksana: NonEmptyList
    pengawasan_internal: NonEmptyList
    penanganan_pengaduan: NonEmptyList = Field(
        description="penanganan pengaduan, saran, dan masukan: the channels"
    )
    jumlah_pelaksana: int = Field(ge=1, le=10_000)
    jaminan_pelayanan: Text
    jaminan_keamanan: Text = Field(description="jaminan keamanan dan keselamatan pelayanan")
    evaluasi_kinerja: Text = Field(description="evaluasi kinerja pelaksana")


# The six components about delivery that must be public; the rest may stay internal (DOMAIN.md).
PUBLIC_COMPONENTS = (
    "persyaratan",
    "prosedur",
    "jangka_waktu",
    "biaya",
    "produk",
    "penanganan_pengaduan",
)


class Quotas(BaseModel):
    """Tickets per local day; ``None`` = no limit."""

    walk_in_daily: int | None = Field(default=None, ge=0, le=100_000)
    online_daily: int | None = Field(default=None, ge=0, le=100_000)


class BookingSettings(BaseModel):
    """Online booking of slots for one service (DOMAIN.md, Booking)."""

    enabled: bool = False
    slot_minutes: int = Field(default=30, ge=5, le=480)
    capacity_per_slot: int = Field(default=1, ge=1, le=1000)
    days_ahead: int = Field(default=14, ge=1, le=90)
    closes_minutes_before: int = Field(default=60, ge=0, le=7 * 24 * 60)


class Maklumat(BaseModel):
    """The agency's signed service promise (*maklumat pelayanan*)."""

    text: LongText
    signed_by: Name = Field(description="name and position of the signatory")
    signed_on: date


class AgencyContact(BaseModel):
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,20}$")] | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    website: HttpUrlText | None = None


# --- entities: the editable fields, then the state (with identity and version) -----------------


class Versioned(BaseModel):
    version: int = Field(ge=1, description="grows by one on every change of this entity")
    updated_at: datetime


class AgencyFields(BaseModel):
    name: Name
    short_name: ShortText
    contact: AgencyContact = Field(default_factory=AgencyContact)
    logo_url: HttpUrlText | None = None
    maklumat: Maklumat | None = None
    active: bool = True


class AgencyState(AgencyFields, Versioned):
    """An agency (OPD). Its ``id`` is its code, the slug used as ``agency_id`` everywhere."""

    id: Slug
    code: Slug


class ServiceFields(BaseModel):
    code: Slug
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    keywords: list[ShortText] = Field(default_factory=list, max_length=30)
    ticket_prefix: TicketPrefix
    standard: ServiceStandard
    target_wait_minutes: int | None = Field(
        default=None, ge=1, le=600, description="None: the MPP's default target"
    )
    avg_service_minutes: int = Field(default=10, ge=1, le=480)
    opening_hours: WeeklyHours | None = Field(default=None, description="None: the MPP's hours")
    quotas: Quotas = Field(default_factory=Quotas)
    booking: BookingSettings = Field(default_factory=BookingSettings)
    # Special treatment for vulnerable groups (UU 25/2009 Pasal 29), on unless a service opts out.
    priority_service: bool = True


ServiceStatus = Literal["active", "retired"]


class ServiceState(ServiceFields, Versioned):
    """A service (*layanan*) of one agency, with its full standard."""

    id: str
    agency_id: Slug
    status: ServiceStatus = "active"


class CounterFields(BaseModel):
    number: int = Field(ge=1, le=999, description="unique in the MPP: 'silakan ke loket tiga'")
    name: ShortText
    service_ids: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True


class CounterState(CounterFields, Versioned):
    """A counter (*loket*) of one agency, serving some of its services."""

    id: str
    agency_id: Slug


def _default_hours() -> WeeklyHours:
    return WeeklyHours.weekdays("08:00", "16:00")


class SettingsFields(BaseModel):
    name: Name = "Mal Pelayanan Publik"
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    timezone: Timezone = "Asia/Jakarta"
    opening_hours: WeeklyHours = Field(default_factory=_default_hours)
    closed_days: list[date] = Field(default_factory=list, max_length=366)
    # Off only for an MPP that serves on national holidays and cuti bersama too (issue 3).
    observe_national_holidays: bool = True
    recall_limit: int = Field(default=2, ge=0, le=10, description="recalls before a no-show")
    default_target_wait_minutes: int = Field(default=30, ge=1, le=600)

    @field_validator("closed_days")
    @classmethod
    def _sorted_unique(cls, days: list[date]) -> list[date]:
        return sorted(set(days))


class MppSettings(SettingsFields, Versioned):
    """The MPP's own settings: one document."""


class CatalogSnapshot(BaseModel):
    """Everything a read model needs, as ``GET /internal/snapshot`` of the catalog returns it."""

    settings: MppSettings
    agencies: list[AgencyState]
    services: list[ServiceState]
    counters: list[CounterState]


def _entity_id(payload: Any) -> str:
    return str(payload.id)


AGENCY_UPSERTED = EventType(
    "catalog",
    "agency-upserted",
    AgencyState,
    key=_entity_id,
    description="An agency was created or changed; carries its full state.",
)
SERVICE_UPSERTED = EventType(
    "catalog",
    "service-upserted",
    ServiceState,
    key=_entity_id,
    description="A service was created or changed; carries its full state and standard.",
)
SERVICE_RETIRED = EventType(
    "catalog",
    "service-retired",
    ServiceState,
    key=_entity_id,
    description="A service was retired (no new tickets or bookings); carries its full state.",
)
COUNTER_UPSERTED = EventType(
    "catalog",
    "counter-upserted",
    CounterState,
    key=_entity_id,
    description="A counter was created or changed; carries its full state.",
)
SETTINGS_UPDATED = EventType(
    "catalog",
    "settings-updated",
    MppSettings,
    key=lambda payload: "settings",
    description="The MPP's settings changed; carries all of them.",
)

EVENTS: list[EventType[Any]] = [
    AGENCY_UPSERTED,
    SERVICE_UPSERTED,
    SERVICE_RETIRED,
    COUNTER_UPSERTED,
    SETTINGS_UPDATED,
]
