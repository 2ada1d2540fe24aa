"""Request and response bodies of the catalog API.

The entities' fields and their rules live once, in :mod:`mpp_kit.contracts.catalog`: a create
body is those fields plus the owner; a patch lists the fields it may change loosely typed, and the
merged result is validated against the contract model, which names any bad field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mpp_kit.contracts.catalog import (
    AgencyContact,
    AgencyFields,
    BookingSettings,
    CounterFields,
    HttpUrlText,
    Maklumat,
    Quotas,
    ServiceFields,
    ServiceStandard,
    ShortText,
    Slug,
    WeeklyHours,
)

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgencyCreate(AgencyFields, _Strict):
    code: Slug = Field(description="slug, also the agency's id (`agency_id` everywhere)")


class AgencyPatch(_Strict):
    name: str | None = None
    short_name: str | None = None
    contact: AgencyContact | None = None
    logo_url: str | None = None
    maklumat: Maklumat | None = None
    active: bool | None = None


class ServiceCreate(ServiceFields, _Strict):
    agency_id: Slug


class ServicePatch(_Strict):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    keywords: list[str] | None = None
    ticket_prefix: str | None = None
    standard: ServiceStandard | None = None
    target_wait_minutes: int | None = None
    avg_service_minutes: int | None = None
    opening_hours: WeeklyHours | None = None
    quotas: Quotas | None = None
    booking: BookingSettings | None = None
    priority_service: bool | None = None


class CounterCreate(CounterFields, _Strict):
    agency_id: Slug


class CounterPatch(_Strict):
    number: int | None = None
    name: str | None = None
    service_ids: list[str] | None = None
    active: bool | None = None


class SettingsPatch(_Strict):
    name: str | None = None
    address: str | None = None
    timezone: str | None = None
    opening_hours: WeeklyHours | None = None
    closed_days: list[date] | None = None
    observe_national_holidays: bool | None = None
    recall_limit: int | None = None
    default_target_wait_minutes: int | None = None


def changes(patch: BaseModel) -> dict[str, Any]:
    """The fields the client sent (an explicit null included), as plain data."""
    return patch.model_dump(exclude_unset=True)


# --- integrations -------------------------------------------------------------------------------


class ApiKeyCreate(_Strict):
    name: ShortText = Field(description="what the key is for, e.g. 'SIAK sync'")


class ApiKeyView(BaseModel):
    id: str
    agency_id: str
    name: str
    prefix: str = Field(description="the key's public part, to recognise it (`mppk_<prefix>_…`)")
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked: bool = False


class ApiKeyCreated(ApiKeyView):
    key: str = Field(description="shown this once; only its hash is stored")


class VerifyKey(BaseModel):
    key: str


class VerifiedKey(BaseModel):
    agency_id: str
    key_id: str


class WebhookCreate(_Strict):
    url: HttpUrlText
    event_types: list[str] = Field(min_length=1, max_length=50, description="CloudEvents types")
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="omit to have one generated"
    )


class WebhookPatch(_Strict):
    url: HttpUrlText | None = None
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None


class WebhookView(BaseModel):
    id: str
    agency_id: str
    url: str
    event_types: list[str]
    active: bool
    secret_hint: str = Field(description="the secret's last characters; it is shown in full once")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookView):
    secret: str


class InternalWebhook(BaseModel):
    """What the notify service needs to deliver: the endpoint and its signing secret."""

    id: str
    agency_id: str
    url: str
    event_types: list[str]
    secret: str


View = Literal["public", "full"]
