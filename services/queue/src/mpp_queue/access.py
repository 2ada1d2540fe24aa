"""Who may do what with tickets and counters (ARCHITECTURE.md, HTTP APIs; issue 4).

Staff act only on their own agency's tickets and counters (the mpp_admin on all); a citizen holds
a capability token for their ticket — one token for the whole visit, transfers included.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query, Request

from mpp_kit.auth import Principal, Role, require_agency, token_keys
from mpp_kit.problems import forbidden, unauthorized
from mpp_queue.domain.ticket import Ticket

STAFF = (Role.OFFICER, Role.AGENCY_ADMIN)


def require_staff_of(principal: Principal, agency_id: str) -> None:
    """An officer or agency admin of ``agency_id``, or the mpp_admin; anyone else gets 403."""
    require_agency(principal, agency_id, *STAFF)


def ticket_token(
    token: Annotated[str | None, Query(description="the ticket's token", max_length=200)] = None,
    x_ticket_token: Annotated[str | None, Header(max_length=200)] = None,
) -> str | None:
    """The capability token, from ``?token=`` or the ``X-Ticket-Token`` header."""
    return x_ticket_token or token


def holder_has_token(request: Request, ticket: Ticket, token: str | None) -> None:
    if token is None:
        raise unauthorized("Present the ticket's token (?token= or X-Ticket-Token) or log in.")
    if not token_keys(request).check_capability("ticket", ticket.visit_id, token):
        raise forbidden("This token does not belong to this ticket.")


def may_see(
    request: Request, ticket: Ticket, principal: Principal | None, token: str | None
) -> None:
    """The holder of its token, or staff of the ticket's agency."""
    if token is not None and token_keys(request).check_capability("ticket", ticket.visit_id, token):
        return
    if principal is not None:
        require_staff_of(principal, ticket.agency_id)
    else:
        holder_has_token(request, ticket, token)
