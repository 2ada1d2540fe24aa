"""Who is called first: the priority classes and the call order (DOMAIN.md, Queue).

Order: people entitled to special treatment first, then booked visitors who checked in, then
walk-ins; within each class, first come first called. A transferred ticket keeps its original
arrival time, so it does not lose its place by being sent elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mpp_kit.contracts.queue import CallClass, PriorityCode


@dataclass(frozen=True)
class PriorityClass:
    code: PriorityCode
    label: str  # Bahasa Indonesia, for kiosks and boards; store the code, never the label


# UU 25/2009 Pasal 29 (perlakuan khusus): disabled people, the elderly, pregnant women, and people
# with small children are served before the regular line.
PRIORITY_CLASSES: tuple[PriorityClass, ...] = (
    PriorityClass("regular", "Umum"),
    PriorityClass("disability", "Penyandang disabilitas"),
    PriorityClass("elderly", "Lanjut usia"),
    PriorityClass("pregnant", "Ibu hamil"),
    PriorityClass("with_small_children", "Membawa anak kecil"),
)
BY_CODE: dict[str, PriorityClass] = {c.code: c for c in PRIORITY_CLASSES}

# Where a priority claim stands: an officer may confirm it or remove it, because the facility
# must not be used by people not entitled to it (UU 25/2009 Pasal 29).
PriorityStatus = Literal["none", "claimed", "confirmed", "removed"]

# Lower rank is called first: priority classes, then booked visitors checked in, then walk-ins.
CALL_CLASS_RANK: dict[CallClass, int] = {"priority": 0, "booked": 1, "walk_in": 2}


def initial_priority_status(priority: PriorityCode) -> PriorityStatus:
    return "none" if priority == "regular" else "claimed"


def call_class(
    priority_status: PriorityStatus, *, booked: bool, priority_offered: bool = True
) -> CallClass:
    """The class a ticket is called in. ``booked``: it came from a booking checked in for this
    very service (a transfer elsewhere makes it a walk-in there). ``priority_offered``: the
    service gives priority treatment (a catalog setting, on unless the service opts out)."""
    if priority_offered and priority_status in ("claimed", "confirmed"):
        return "priority"
    return "booked" if booked else "walk_in"


def call_order_key(
    call_class: CallClass, arrived_at: datetime, ticket_id: str
) -> tuple[int, datetime, str]:
    """Sort key of the call order; the store sorts by the same fields (rank, arrival, id)."""
    return CALL_CLASS_RANK[call_class], arrived_at, ticket_id
