"""The derived "almost your turn" rule.

Notify keeps the waiting tickets of each service (from ``ticket-issued``; a ticket leaves when it
is called, cancelled, transferred away or removed). After every call in a service, each waiting
ticket whose count of tickets ahead has dropped to the threshold gets one alert — unless it was
already that close when it was issued (its ticket-issued message said so).

The tickets ahead are those of the same service in a call class before its own, or in the same
class and queued earlier — the order call-next uses (DOMAIN.md, Queue: priority classes, then
booked visitors, then walk-ins; first come, first called within a class). A counter serving
several services may call another service's ticket in between, so the count is per service and
the alert may come a call early: the right side to err on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# Call classes in the order call-next serves them (DOMAIN.md, Queue; UU 25/2009 Pasal 29).
CALL_ORDER = {"priority": 0, "booked": 1, "walk_in": 2}


@dataclass(frozen=True)
class WaitingTicket:
    ticket_id: str
    queued_at: datetime
    ahead_at_issue: int
    call_class: str = "walk_in"
    alerted: bool = False
    has_contact: bool = True


def tickets_to_alert(waiting: Sequence[WaitingTicket], threshold: int) -> list[tuple[str, int]]:
    """``(ticket id, tickets ahead)`` for each ticket to alert now, first in line first."""
    line = sorted(
        waiting, key=lambda t: (CALL_ORDER.get(t.call_class, 2), t.queued_at, t.ticket_id)
    )
    return [
        (ticket.ticket_id, ahead)
        for ahead, ticket in enumerate(line)
        if ticket.has_contact and not ticket.alerted and ahead <= threshold < ticket.ahead_at_issue
    ]
