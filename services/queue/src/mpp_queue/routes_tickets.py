"""``/api/v1/queue/tickets``: take a ticket, follow it, and the steps staff take with it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Request

from mpp_kit.auth import CurrentPrincipal, OptionalPrincipal, token_keys
from mpp_kit.problems import unauthorized
from mpp_queue.access import holder_has_token, may_see, ticket_token
from mpp_queue.api_models import (
    IssuedTicket,
    IssueTicket,
    RemoveTicket,
    TicketView,
    TransferTicket,
)
from mpp_queue.ticket_desk import TicketDesk
from mpp_queue.ticket_steps import TicketSteps

Token = Annotated[str | None, Depends(ticket_token)]


def ticket_routes(desk: TicketDesk, steps: TicketSteps) -> APIRouter:
    router = APIRouter(prefix="/api/v1/queue/tickets", tags=["tickets"])

    @router.post("", status_code=201, response_model=IssuedTicket)
    async def issue_ticket(
        body: IssueTicket,
        request: Request,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> IssuedTicket:
        """Take a ticket (kiosk or online). Public: the answer's ``token`` is the holder's key to
        see and cancel it. Send an ``Idempotency-Key`` so a double tap prints one ticket."""
        issued = await desk.issue(body, idempotency_key)
        token = token_keys(request).sign_capability("ticket", issued["id"])
        return IssuedTicket(**issued, token=token)

    @router.get("/{ticket_id}", response_model=TicketView)
    async def get_ticket(
        ticket_id: str, request: Request, principal: OptionalPrincipal, token: Token
    ) -> TicketView:
        """The ticket now: its place in line and estimated wait, or the counter it is called to.
        With its token (``?token=`` or ``X-Ticket-Token``), or as staff of its agency."""
        ticket = await steps.ticket(ticket_id)
        may_see(request, ticket, principal, token)
        return await desk.describe(ticket)

    @router.post("/{ticket_id}/cancel", response_model=TicketView)
    async def cancel_ticket(
        ticket_id: str,
        request: Request,
        principal: OptionalPrincipal,
        token: Token,
        body: Annotated[RemoveTicket | None, Body()] = None,
    ) -> TicketView:
        """With the token: the visitor cancels (``cancelled_by_visitor``). As staff of its
        agency: the ticket is removed (``removed_by_staff``)."""
        if token is not None:
            ticket = await steps.cancel_by_visitor(
                ticket_id, lambda t: holder_has_token(request, t, token)
            )
        elif principal is not None:
            ticket = await steps.remove_by_staff(ticket_id, principal)
        else:
            raise unauthorized("Present the ticket's token (?token= or X-Ticket-Token) or log in.")
        return await desk.describe(ticket)

    @router.post("/{ticket_id}/recall", response_model=TicketView)
    async def recall_ticket(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        """Call the visitor again; past the MPP's recall limit the ticket becomes a no-show."""
        return await desk.describe(await steps.recall(ticket_id, principal))

    @router.post("/{ticket_id}/no-show", response_model=TicketView)
    async def mark_no_show(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        return await desk.describe(await steps.no_show(ticket_id, principal))

    @router.post("/{ticket_id}/start", response_model=TicketView)
    async def start_service(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        return await desk.describe(await steps.start(ticket_id, principal))

    @router.post("/{ticket_id}/finish", response_model=TicketView)
    async def finish_service(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        """The visitor was served (the survey will invite them)."""
        return await desk.describe(await steps.finish(ticket_id, principal))

    @router.post("/{ticket_id}/transfer", response_model=TicketView)
    async def transfer_ticket(
        ticket_id: str, body: TransferTicket, principal: CurrentPrincipal
    ) -> TicketView:
        """Send the visitor to another service's queue; they keep number and arrival. The
        answer is this ticket (``transferred``); ``transferred_to`` is the new one."""
        return await desk.describe(await steps.transfer(ticket_id, body.service_id, principal))

    @router.post("/{ticket_id}/priority/confirm", response_model=TicketView)
    async def confirm_priority(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        return await desk.describe(await steps.confirm_priority(ticket_id, principal))

    @router.post("/{ticket_id}/priority/remove", response_model=TicketView)
    async def remove_priority(ticket_id: str, principal: CurrentPrincipal) -> TicketView:
        """Not entitled: back to the regular line (or the booked one), keeping the arrival."""
        return await desk.describe(await steps.remove_priority(ticket_id, principal))

    return router
