"""What the queue asks of its copy of the catalog before a visitor may join a service's queue."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mpp_kit.contracts.catalog import MppSettings, ServiceState
from mpp_kit.problems import Problem, conflict, invalid_field
from mpp_kit.working_days import is_open, next_opening
from mpp_queue.catalog_cache import CatalogCache


async def mpp_settings(catalog: CatalogCache) -> MppSettings:
    settings = await catalog.settings()
    if settings is None:
        raise Problem(
            503,
            "Catalog not available",
            "The MPP's settings have not arrived from the catalog yet; try again shortly.",
            kind="catalog-unavailable",
        )
    return settings


async def joinable_service(
    catalog: CatalogCache, service_id: str, now: datetime, *, field: str = "service_id"
) -> tuple[ServiceState, MppSettings]:
    """The service and the MPP's settings, if a visitor may join its queue now: it exists, is
    not retired, its agency is active, and it is open (opening hours, working days)."""
    service = await catalog.service(service_id)
    if service is None:
        raise invalid_field(field, f"there is no service {service_id!r}")
    if service.status == "retired":
        raise conflict(
            f"The service {service.name!r} is retired and takes no new tickets.",
            kind="service-retired",
        )
    agency = await catalog.agency(service.agency_id)
    if agency is None:  # its event is still on the way
        raise Problem(
            503,
            "Catalog not available",
            f"The agency {service.agency_id!r} has not arrived from the catalog yet; try again.",
            kind="catalog-unavailable",
        )
    if not agency.active:
        raise conflict(
            f"The agency {service.agency_id!r} of this service is not active.",
            kind="agency-inactive",
        )
    settings = await mpp_settings(catalog)
    if not is_open(now, settings, service.opening_hours):
        reopens = next_opening(now, settings, service.opening_hours)
        when = (
            f"; it opens next at {reopens.astimezone(ZoneInfo(settings.timezone)):%Y-%m-%d %H:%M}"
            f" ({settings.timezone})."
            if reopens is not None
            else "."
        )
        raise conflict(
            f"The service {service.name!r} is closed now{when}",
            kind="service-closed",
            next_opening=reopens.isoformat() if reopens is not None else None,
        )
    return service, settings


def target_wait_minutes(service: ServiceState, settings: MppSettings) -> int:
    """The service's target waiting time, or the MPP's default."""
    return service.target_wait_minutes or settings.default_target_wait_minutes
