"""Queue KPIs, defined exactly as DOMAIN.md (Queue) defines them:

* waiting time = time of the (last) call − time the ticket entered the queue;
* service time = call → served or transferred;
* no-show rate = no-shows ÷ tickets called;
* service level = share of tickets called within the service's target wait;
* estimate accuracy = the first estimate of the waiting time against the actual one.

One ticket is one visit to one service's queue: a transferred ticket ends here with the outcome
``transferred`` and enters the next queue as a new ticket ("transferred in" there, not "issued").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mpp_queue.domain.lifecycle import Status


@dataclass(frozen=True)
class TicketFacts:
    """What the KPIs need of one ticket."""

    status: Status
    issued_here: bool  # False: it entered this queue by a transfer
    entered_at: datetime  # when it entered this service's queue
    called_at: datetime | None  # the last call (a recall is a call)
    ended_at: datetime | None  # when it reached its outcome
    first_estimate_minutes: int | None
    target_wait_minutes: int  # the service's target when the ticket was issued

    @property
    def waiting_seconds(self) -> float | None:
        """Last call − entered the queue; ``None`` until it is called."""
        if self.called_at is None:
            return None
        return (self.called_at - self.entered_at).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        """Call → served or transferred; ``None`` for any other outcome."""
        if self.status not in ("served", "transferred") or None in (self.called_at, self.ended_at):
            return None
        assert self.called_at is not None and self.ended_at is not None
        return (self.ended_at - self.called_at).total_seconds()


@dataclass(frozen=True)
class Kpis:
    issued: int
    transferred_in: int
    called: int
    served: int
    no_shows: int
    no_show_rate: float | None
    cancelled_by_visitor: int
    removed_by_staff: int
    removed_by_reset: int
    transferred_out: int
    open_now: int  # waiting, called or being served
    average_waiting_seconds: float | None
    p90_waiting_seconds: float | None
    average_service_seconds: float | None
    service_level: float | None
    estimate_samples: int
    estimate_mean_absolute_error_minutes: float | None
    estimate_mean_error_minutes: float | None  # > 0: visitors waited longer than they were told


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by the nearest-rank method: the smallest value that at least 90 % of
    the values do not exceed (for 10 values, the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def compute_kpis(tickets: Iterable[TicketFacts]) -> Kpis:
    """The KPIs of a set of tickets (one service or one agency; a day or a range)."""
    facts = list(tickets)
    count = {status: 0 for status in ("served", "no_show", "transferred")}
    for f in facts:
        if f.status in count:
            count[f.status] += 1
    called = [f for f in facts if f.called_at is not None]
    waits = [w for f in called if (w := f.waiting_seconds) is not None]
    services = [s for f in facts if (s := f.service_seconds) is not None]
    # The service level counts the tickets that were called: a wait is defined by its call.
    within_target = sum(
        1 for f in called if (f.waiting_seconds or 0.0) <= f.target_wait_minutes * 60
    )
    errors = [
        (f.waiting_seconds or 0.0) / 60 - f.first_estimate_minutes
        for f in called
        if f.first_estimate_minutes is not None
    ]
    return Kpis(
        issued=sum(1 for f in facts if f.issued_here),
        transferred_in=sum(1 for f in facts if not f.issued_here),
        called=len(called),
        served=count["served"],
        no_shows=count["no_show"],
        no_show_rate=_share(count["no_show"], len(called)),
        cancelled_by_visitor=sum(1 for f in facts if f.status == "cancelled_by_visitor"),
        removed_by_staff=sum(1 for f in facts if f.status == "removed_by_staff"),
        removed_by_reset=sum(1 for f in facts if f.status == "removed_by_reset"),
        transferred_out=count["transferred"],
        open_now=sum(1 for f in facts if f.status in ("waiting", "called", "serving")),
        average_waiting_seconds=_mean(waits),
        p90_waiting_seconds=p90(waits),
        average_service_seconds=_mean(services),
        service_level=_share(within_target, len(called)),
        estimate_samples=len(errors),
        estimate_mean_absolute_error_minutes=_mean([abs(e) for e in errors]),
        estimate_mean_error_minutes=_mean(errors),
    )
