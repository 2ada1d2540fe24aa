"""HTTP API under ``/api/v1/notify``: the delivery log, retries, templates, webhook health and
the dev inbox.

Staff only see what their role allows: the mpp_admin everything; an agency_admin their own
agency's deliveries, templates and endpoints; officers nothing here. Recipients are masked in
every answer; message bodies appear only in the dev inbox (demo data) and template previews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from mpp_kit.auth import CurrentPrincipal, Principal, Role, require_roles
from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database, Document
from mpp_kit.personal_data import mask_email, mask_phone
from mpp_kit.problems import Problem, conflict, forbidden, not_found
from mpp_notify import store
from mpp_notify.default_templates import DEFAULTS, SAMPLES
from mpp_notify.dispatcher import Dispatcher
from mpp_notify.inbox_page import render_inbox
from mpp_notify.message_templates import PARTS, MessageTemplate, problems, render
from mpp_notify.settings import NotifySettings
from mpp_notify.template_store import TemplateStore
from mpp_notify.webhook_endpoints import WebhookEndpoints

PREFIX = "/api/v1/notify"
Status = Literal["pending", "sending", "sent", "failed", "suppressed"]
ChannelName = Literal["email", "whatsapp", "sms", "webhook"]
TemplateName = Literal[tuple(DEFAULTS)]  # type: ignore[valid-type]
Limit = Annotated[int, Query(ge=1, le=200)]


class Attempt(BaseModel):
    at: datetime
    ok: bool
    answer: str
    provider: str
    ms: float | None = None


class DeliveryView(BaseModel):
    id: str
    event_id: str
    event_type: str
    notification: str
    channel: ChannelName
    recipient: str = Field(description="masked address, or the webhook endpoint id")
    agency_id: str | None
    service_id: str | None
    status: Status
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    provider: str | None
    answer: str | None = Field(description="the provider's last answer")
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    purged: bool = Field(description="the message itself is gone (retention period over)")
    history: list[Attempt]


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
    next_cursor: str | None


class InboxMessage(BaseModel):
    id: str
    channel: str
    to: str = Field(description="masked")
    notification: str
    subject: str
    body: str
    at: datetime


class InboxPage(BaseModel):
    demo: bool = True
    note: str = (
        "DEMO dev inbox: messages that would have gone by e-mail, WhatsApp or SMS if a "
        "provider were configured."
    )
    items: list[InboxMessage]
    next_cursor: str | None


class TemplateParts(BaseModel):
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=10_000)
    short: str = Field(min_length=1, max_length=1_000)


class TemplateOverride(TemplateParts):
    agency_id: str | None = Field(default=None, description="omit for an MPP-wide override")


class PreviewRequest(BaseModel):
    name: TemplateName  # type: ignore[valid-type]
    agency_id: str | None = None
    subject: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=10_000)
    short: str | None = Field(default=None, max_length=1_000)
    values: dict[str, Any] = Field(default_factory=dict, description="on top of the samples")


class Preview(BaseModel):
    name: str
    origin: Literal["request", "agency", "mpp", "default"]
    subject: str
    body: str
    short: str


class TemplateInfo(BaseModel):
    name: str
    default: TemplateParts
    sample_values: dict[str, Any]
    overrides: list[TemplateOverride]


class EndpointStatus(BaseModel):
    id: str
    agency_id: str
    url: str
    event_types: list[str]
    disabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


def _staff_scope(principal: Principal, agency_id: str | None) -> str | None:
    """The agency a caller may look at: theirs (agency_admin) or any (mpp_admin)."""
    require_roles(principal, Role.AGENCY_ADMIN, Role.MPP_ADMIN)
    if principal.is_mpp_admin:
        return agency_id
    if agency_id is not None and agency_id != principal.agency_id:
        raise forbidden("You may only see your own agency's notifications.")
    return principal.agency_id


def _delivery_view(doc: Document) -> DeliveryView:
    return DeliveryView(
        id=doc["_id"],
        event_id=doc["event_id"],
        event_type=doc["event_type"],
        notification=doc["notification"],
        channel=doc["channel"],
        recipient=doc["recipient"],
        agency_id=doc.get("agency_id"),
        service_id=doc.get("service_id"),
        status=doc["status"],
        attempts=doc["attempts"],
        max_attempts=doc["max_attempts"],
        next_attempt_at=doc["next_attempt_at"] if doc["status"] == store.PENDING else None,
        provider=doc.get("provider"),
        answer=doc.get("answer"),
        created_at=doc["created_at"],
        sent_at=doc.get("sent_at"),
        failed_at=doc.get("failed_at"),
        purged=doc.get("purged_at") is not None,
        history=[Attempt.model_validate(h) for h in doc.get("history", [])],
    )


def _masked(channel: str, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address)


def notify_routes(
    settings: NotifySettings,
    db: Database,
    templates: TemplateStore,
    endpoints: WebhookEndpoints,
    dispatcher: Dispatcher,
) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["notify"])

    async def visible_delivery(delivery_id: str, principal: Principal) -> Document:
        doc = await db[store.DELIVERIES].find_one({"_id": delivery_id})
        if doc is None:
            raise not_found("delivery", delivery_id)
        scope = _staff_scope(principal, None)
        if scope is not None and doc.get("agency_id") != scope:
            raise not_found("delivery", delivery_id)  # another agency's: not even its existence
        return doc

    # --- the delivery log ----------------------------------------------------------------------

    @router.get("/deliveries", response_model=DeliveryPage)
    async def list_deliveries(
        principal: CurrentPrincipal,
        agency_id: str | None = None,
        event_type: str | None = None,
        notification: str | None = None,
        status: Status | None = None,
        channel: ChannelName | None = None,
        since: datetime | None = Query(default=None, description="created at or after (ISO 8601)"),
        until: datetime | None = Query(default=None, description="created before (ISO 8601)"),
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> DeliveryPage:
        """Deliveries, newest first. An agency admin sees their agency's only."""
        query: Document = {}
        scope = _staff_scope(principal, agency_id)
        if scope is not None:
            query["agency_id"] = scope
        for name, value in (
            ("event_type", event_type),
            ("notification", notification),
            ("status", status),
            ("channel", channel),
        ):
            if value is not None:
                query[name] = value
        if since is not None or until is not None:
            if since is not None and until is not None and since >= until:
                raise Problem(
                    422,
                    "Invalid request",
                    "until: must be after since",
                    kind="validation",
                    errors=[{"field": "until", "message": "must be after since"}],
                )
            query["created_at"] = {
                **({"$gte": since} if since else {}),
                **({"$lt": until} if until else {}),
            }
        docs, next_cursor = await store.page(
            db, store.DELIVERIES, query, "created_at", limit, cursor
        )
        return DeliveryPage(items=[_delivery_view(d) for d in docs], next_cursor=next_cursor)

    @router.get("/deliveries/{delivery_id}", response_model=DeliveryView)
    async def get_delivery(delivery_id: str, principal: CurrentPrincipal) -> DeliveryView:
        return _delivery_view(await visible_delivery(delivery_id, principal))

    @router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryView, status_code=202)
    async def retry_delivery(delivery_id: str, principal: CurrentPrincipal) -> DeliveryView:
        """One more attempt for a failed delivery (e.g. after the provider was fixed)."""
        doc = await visible_delivery(delivery_id, principal)
        if doc["status"] != store.FAILED:
            raise conflict(
                f"Only a failed delivery can be retried; this one is {doc['status']}.",
                kind="not-failed",
            )
        if doc.get("purged_at") is not None:
            raise conflict(
                "The message was purged at the end of its retention period; it cannot be sent.",
                kind="purged",
            )
        if doc["channel"] == "webhook":
            health = await endpoints.health(doc["endpoint_id"]) or {}
            if health.get("disabled"):
                raise conflict(
                    "The webhook endpoint is disabled; enable it first.", kind="endpoint-disabled"
                )
        now = utcnow()
        changes = {
            "status": store.PENDING,
            "next_attempt_at": now,
            "max_attempts": doc["attempts"] + 1,
            "updated_at": now,
            "retried_by": principal.username,
        }
        result = await db[store.DELIVERIES].update_one(
            {"_id": delivery_id, "status": store.FAILED, "attempts": doc["attempts"]},
            {"$set": changes, "$unset": {"failed_at": ""}},
        )
        if result.modified_count != 1:
            raise conflict("The delivery changed meanwhile; look again.", kind="changed")
        dispatcher.wake()
        doc.pop("failed_at", None)
        return _delivery_view({**doc, **changes})

    # --- agency webhooks -----------------------------------------------------------------------

    @router.get("/webhooks", response_model=list[EndpointStatus])
    async def webhook_status(
        principal: CurrentPrincipal, agency_id: str | None = None
    ) -> list[EndpointStatus]:
        """Each registered endpoint's health: failures in a row, and whether (why) it is
        disabled. Registrations themselves are managed in the catalog."""
        scope = _staff_scope(principal, agency_id)
        return [
            EndpointStatus(
                id=e["_id"],
                agency_id=e["agency_id"],
                url=e["url"],
                event_types=e["event_types"],
                disabled=bool(e["health"].get("disabled")),
                disabled_reason=e["health"].get("disabled_reason"),
                disabled_at=e["health"].get("disabled_at"),
                consecutive_failures=e["health"].get("consecutive_failures", 0),
                last_success_at=e["health"].get("last_success_at"),
                last_failure_at=e["health"].get("last_failure_at"),
                last_error=e["health"].get("last_error"),
            )
            for e in await endpoints.status_of_agency(scope)
        ]

    @router.post("/webhooks/{endpoint_id}/enable", status_code=204)
    async def enable_webhook(endpoint_id: str, principal: CurrentPrincipal) -> Response:
        """Deliver to a disabled endpoint again (retry its failed deliveries one by one)."""
        endpoint = await endpoints.endpoint(endpoint_id)
        scope = _staff_scope(principal, None)
        if endpoint is None or (scope is not None and endpoint["agency_id"] != scope):
            raise not_found("webhook endpoint", endpoint_id)
        await endpoints.enable(endpoint_id)
        return Response(status_code=204)

    # --- templates -----------------------------------------------------------------------------

    @router.get("/templates", response_model=list[TemplateInfo])
    async def list_templates(
        principal: CurrentPrincipal, agency_id: str | None = None
    ) -> list[TemplateInfo]:
        scope = _staff_scope(principal, agency_id)
        overrides = await templates.overrides(scope)
        return [
            TemplateInfo(
                name=name,
                default=TemplateParts(**{p: default.part(p) for p in PARTS}),
                sample_values=SAMPLES[name],
                overrides=[
                    TemplateOverride(agency_id=o["agency_id"], **{p: o[p] for p in PARTS})
                    for o in overrides
                    if o["name"] == name
                ],
            )
            for name, default in DEFAULTS.items()
        ]

    @router.post("/templates/preview", response_model=Preview)
    async def preview_template(body: PreviewRequest, principal: CurrentPrincipal) -> Preview:
        """Render a template with sample values; a part that fails is a 422 naming it."""
        scope = _staff_scope(principal, body.agency_id)
        stored, origin = await templates.resolve(body.name, scope)
        given = {p: getattr(body, p) for p in PARTS if getattr(body, p) is not None}
        template = MessageTemplate(**{p: given.get(p, stored.part(p)) for p in PARTS})
        values = {**SAMPLES[body.name], **body.values}
        _refuse_bad_template(template, values)
        rendered = render(template, values)
        return Preview(
            name=body.name,
            origin="request" if given else origin,
            subject=rendered.subject,
            body=rendered.body,
            short=rendered.short,
        )

    @router.put("/templates/{name}", response_model=TemplateOverride)
    async def override_template(
        name: TemplateName,  # type: ignore[valid-type]
        body: TemplateOverride,
        principal: CurrentPrincipal,
    ) -> TemplateOverride:
        """Store an override (checked against the sample values first)."""
        _may_edit_templates(principal, body.agency_id)
        template = MessageTemplate(subject=body.subject, body=body.body, short=body.short)
        _refuse_bad_template(template, SAMPLES[name])
        await templates.put(name, body.agency_id, template, principal.username)
        return body

    @router.delete("/templates/{name}", status_code=204)
    async def remove_override(
        name: TemplateName,  # type: ignore[valid-type]
        principal: CurrentPrincipal,
        agency_id: str | None = None,
    ) -> Response:
        _may_edit_templates(principal, agency_id)
        if not await templates.delete(name, agency_id):
            raise not_found("template override", f"{name} ({agency_id or 'MPP-wide'})")
        return Response(status_code=204)

    # --- the dev inbox (demo) -------------------------------------------------------------------

    async def inbox_docs(limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        if not settings.dev_inbox:
            raise Problem(
                404, "Not found", "The dev inbox is off (MPP_DEV_INBOX=false).", kind="no-inbox"
            )
        return await store.page(db, store.INBOX, {}, "at", limit, cursor)

    @router.get("/inbox", response_model=InboxPage)
    async def inbox(limit: Limit = 50, cursor: str | None = None) -> InboxPage:
        """DEMO: what would have been sent, when no provider is configured."""
        docs, next_cursor = await inbox_docs(limit, cursor)
        return InboxPage(
            items=[
                InboxMessage(
                    id=d["_id"],
                    channel=d["channel"],
                    to=_masked(d["channel"], d["to"]),
                    notification=d["notification"],
                    subject=d["subject"],
                    body=d["body"],
                    at=d["at"],
                )
                for d in docs
            ],
            next_cursor=next_cursor,
        )

    @router.get("/inbox/page", response_class=HTMLResponse)
    async def inbox_page(limit: Limit = 100) -> HTMLResponse:
        """DEMO: the dev inbox as a web page."""
        docs, _ = await inbox_docs(limit, None)
        messages = [{**d, "to": _masked(d["channel"], d["to"])} for d in docs]
        return HTMLResponse(render_inbox(messages, settings.timezone))

    return router


def _refuse_bad_template(template: MessageTemplate, values: dict[str, Any]) -> None:
    found = problems(template, values)
    if found:
        raise Problem(
            422,
            "Invalid template",
            "; ".join(str(p) for p in found),
            kind="validation",
            errors=[{"field": p.part, "message": p.message} for p in found],
        )


def _may_edit_templates(principal: Principal, agency_id: str | None) -> None:
    """MPP-wide templates are the mpp_admin's; an agency's, its admin's too."""
    if principal.is_mpp_admin:
        return
    require_roles(principal, Role.AGENCY_ADMIN)
    if agency_id is None:
        raise forbidden("Only the MPP administrator changes MPP-wide templates.")
    if agency_id != principal.agency_id:
        raise forbidden("You may only change your own agency's templates.")
