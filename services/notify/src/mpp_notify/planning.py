"""From an event to delivery records: whom to tell, on which channel, with which words.

Runs inside the consumer's transaction (the kit records the event id in the same one), so an
event that comes again plans nothing; the unique index on (event, channel, recipient) is the
second lock. Nothing is sent here: the dispatcher does that, starting with the deliveries just
planned (it claims them by id once this transaction has committed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mpp_kit.auth import TokenKeys
from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.events import Envelope
from mpp_kit.logging import get_logger
from mpp_kit.mongo import Database, Document, Session
from mpp_kit.personal_data import keyed_hash, mask_email, mask_phone
from mpp_notify.channels.registry import Channels
from mpp_notify.default_templates import DEFAULTS
from mpp_notify.domain import rules as r
from mpp_notify.domain.addresses import normalise_email, normalise_phone
from mpp_notify.domain.almost_turn import WaitingTicket, tickets_to_alert
from mpp_notify.domain.quiet_hours import not_before, parse_quiet_hours
from mpp_notify.domain.retry_schedule import RetryPolicy
from mpp_notify.message_templates import RenderedMessage, TemplateProblem, render
from mpp_notify.metrics import DELIVERIES
from mpp_notify.recently_read import RecentlyRead
from mpp_notify.settings import NotifySettings
from mpp_notify.store import PENDING, SUPPRESSED, WAITING, delivery_id, insert_new, recent_count
from mpp_notify.template_store import TemplateStore
from mpp_notify.webhook_endpoints import WebhookEndpoints

_log = get_logger(__name__)
# Names from the catalog's read model are read again after this long.
NAMES_KEPT_SECONDS = 10.0
# A waiting ticket is forgotten after a day: queues restart every local day (DOMAIN.md, Queue).
WAITING_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    masked: str


@dataclass
class Planner:
    settings: NotifySettings
    db: Database
    catalog: CatalogView
    templates: TemplateStore
    endpoints: WebhookEndpoints
    channels: Channels
    token_keys: TokenKeys
    message_policy: RetryPolicy
    webhook_policy: RetryPolicy
    expect_delivery: Callable[[Document], None]
    rules: tuple[r.Rule, ...] = tuple(r.RULES)
    line: r.WaitingLine = r.LINE

    def __post_init__(self) -> None:
        self._hash_key = self.token_keys.capability_key + b"|notify-recipient"
        self._quiet = parse_quiet_hours(self.settings.quiet_hours)
        self._names = RecentlyRead(NAMES_KEPT_SECONDS)

    async def plan(self, envelope: Envelope, payload: Any, session: Session) -> int:
        """Record every delivery this event causes; returns how many are new."""
        data: dict[str, Any] = payload.model_dump(mode="json")
        agency_id = await self._agency_of(data, session)
        created = 0
        await self._follow_line(envelope, data, session)
        for rule in r.rules_for(envelope.type, list(self.rules)):
            try:
                docs = await self._citizen_deliveries(
                    envelope.id, envelope.type, rule, data, data, agency_id, session
                )
            except TemplateProblem as problem:
                # A broken template must not cost the agencies their webhooks: log and go on.
                _log.error("template failed", template=rule.notification, error=str(problem))
                DELIVERIES.labels("-", "-", "template_error").inc()
                continue
            created += await self._insert(docs, session)
        if envelope.type == self.line.called:
            created += await self._almost_your_turn(envelope, data, agency_id, session)
        if agency_id is not None:
            created += await self._insert(
                await self._webhook_deliveries(envelope, data, agency_id, session), session
            )
        return created

    async def _insert(self, docs: list[Document], session: Session) -> int:
        fresh = await insert_new(self.db, docs, session)
        now = utcnow()
        for doc in fresh:
            if doc["status"] == PENDING and doc["next_attempt_at"] <= now:
                self.expect_delivery(doc)
            outcome = "suppressed" if doc["status"] == SUPPRESSED else "planned"
            DELIVERIES.labels(doc["channel"], "-", outcome).inc()
        return len(fresh)

    # --- citizens -------------------------------------------------------------------------------

    async def _citizen_deliveries(
        self,
        event_id: str,
        event_type: str,
        rule: r.Rule,
        data: Mapping[str, Any],
        contact: Mapping[str, Any],
        agency_id: str | None,
        session: Session,
        extra_values: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        recipients = self._recipients(contact)
        if not recipients:
            return []
        values = await self._values(rule, data, agency_id, session)
        values.update(extra_values or {})
        message = await self._render(rule.notification, agency_id, values, session)
        now = utcnow()
        send_at = (
            not_before(now, self._quiet, await self._timezone(session)) if rule.reminder else now
        )
        docs = []
        counted: dict[str, int] = {}
        for recipient in recipients:
            recipient_hash = keyed_hash(recipient.address, self._hash_key)
            if recipient_hash not in counted:
                since = now - timedelta(seconds=self.settings.recipient_rate_window_seconds)
                counted[recipient_hash] = await recent_count(
                    self.db, recipient_hash, since, session
                )
            over_limit = counted[recipient_hash] >= self.settings.recipient_rate_limit
            counted[recipient_hash] += 0 if over_limit else 1
            doc = self._delivery(
                event_id,
                event_type,
                rule.notification,
                recipient.channel,
                recipient_hash,
                recipient.masked,
                agency_id,
                data,
                now,
                send_at,
                self.message_policy.max_attempts,
            )
            doc.update(
                to=recipient.address,
                subject=message.subject,
                body=message.body if recipient.channel == "email" else message.short,
                params={k: str(v) for k, v in values.items()},
                reminder=rule.reminder,
            )
            if over_limit:
                # A bug upstream must not flood one citizen (UU 27/2022 aside, it is just rude).
                doc.update(
                    status=SUPPRESSED,
                    answer=f"rate limit: {self.settings.recipient_rate_limit} messages per "
                    f"{self.settings.recipient_rate_window_seconds:.0f} s to one recipient",
                )
            docs.append(doc)
        return docs

    def _recipients(self, contact: Mapping[str, Any]) -> list[Recipient]:
        phone_raw, email_raw = r.contact_of(contact)
        found = []
        if email_raw and (email := normalise_email(email_raw)) and self.channels.available("email"):
            found.append(Recipient("email", email, mask_email(email)))
        if phone_raw and (phone := normalise_phone(phone_raw)):
            found += [
                Recipient(channel, phone, mask_phone(phone))
                for channel in self.settings.phone_channels
                if self.channels.available(channel)
            ]
        return found

    async def _values(
        self, rule: r.Rule, data: Mapping[str, Any], agency_id: str | None, session: Session
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "mpp": "Mal Pelayanan Publik",
            "agency": "-",
            "service": "-",
            "counter": "-",
            "counter_name": "-",
            "link": "-",
        }
        names = self._names
        if settings := await names.get("settings", self.catalog.settings):
            values["mpp"] = settings.name
        if agency_id and (
            agency := await names.get(("agency", agency_id), lambda: self.catalog.agency(agency_id))
        ):
            values["agency"] = agency.name
        service_id = r.lookup(data, r.SERVICE_ID)
        if service_id and (
            service := await names.get(
                ("service", service_id), lambda: self.catalog.service(service_id)
            )
        ):
            values["service"] = service.name
        counter_id = r.lookup(data, r.COUNTER_ID)
        if counter_id and (
            counter := await names.get(
                ("counter", counter_id), lambda: self.catalog.counter(counter_id)
            )
        ):
            values["counter"], values["counter_name"] = counter.number, counter.name
        ticket_id = r.lookup(data, r.TICKET_ID)
        if ticket_id and rule.link != "none":
            values["link"] = self._link(rule.link, str(ticket_id))
        for name, path in rule.values.items():
            value = r.lookup(data, path)
            values[name] = "-" if value is None else value
        if "slot" in values and isinstance(values["slot"], str):
            values["slot"] = _local_time(values["slot"], await self._timezone(session))
        return values

    def _link(self, kind: str, ticket_id: str) -> str:
        template = (
            self.settings.ticket_link_template
            if kind == "ticket"
            else self.settings.survey_link_template
        )
        token = self.token_keys.sign_capability("ticket", ticket_id)
        return template.format(
            public_url=self.settings.public_url.rstrip("/"), ticket_id=ticket_id, token=token
        )

    async def _render(
        self, name: str, agency_id: str | None, values: dict[str, Any], session: Session
    ) -> RenderedMessage:
        template, origin = await self.templates.resolve(name, agency_id, session)
        try:
            return render(template, values)
        except TemplateProblem as problem:
            if origin == "default":
                raise
            # An override that passed its check but fails on real data: the default still speaks.
            _log.error("template override failed; default used", template=name, error=str(problem))
            return render(DEFAULTS[name], values)

    # --- almost your turn -----------------------------------------------------------------------

    async def _follow_line(
        self, envelope: Envelope, data: Mapping[str, Any], session: Session
    ) -> None:
        """Keep each service's waiting tickets: who is in line, in what order, how to reach."""
        ticket_id = r.lookup(data, r.TICKET_ID)
        if ticket_id is None:
            return
        waiting = self.db[WAITING]
        if envelope.type == self.line.joins:
            position = r.lookup(data, "position")
            phone, email = r.contact_of(data)
            arrived = r.lookup(data, "arrived_at")
            queued_at = (
                datetime.fromisoformat(arrived) if isinstance(arrived, str) else envelope.time
            )
            doc = {
                "service_id": r.lookup(data, r.SERVICE_ID),
                "number": r.lookup(data, "number"),
                "call_class": r.lookup(data, "call_class") or "walk_in",
                "queued_at": queued_at,
                "ahead_at_issue": max(0, position - 1) if isinstance(position, int) else 0,
                "alerted": False,
                "gone": False,
                "contact": {"phone": phone, "email": email} if phone or email else None,
                "expires_at": envelope.time + WAITING_KEEP,
            }
            # A ticket that already left (its events came in another order) stays out.
            await waiting.update_one(
                {"_id": ticket_id}, {"$setOnInsert": doc}, upsert=True, session=session
            )
        elif envelope.type in self.line.leaves:
            await waiting.update_one(
                {"_id": ticket_id},
                {
                    "$set": {"gone": True, "expires_at": envelope.time + WAITING_KEEP},
                    "$unset": {"contact": ""},
                },
                upsert=True,
                session=session,
            )

    async def _almost_your_turn(
        self, envelope: Envelope, data: Mapping[str, Any], agency_id: str | None, session: Session
    ) -> int:
        """Alert each ticket of the called service whose turn is now near (once per ticket)."""
        service_id = r.lookup(data, r.SERVICE_ID)
        if service_id is None:
            return 0
        line = await (
            self.db[WAITING].find({"service_id": service_id, "gone": False}, session=session)
        ).to_list()
        due = tickets_to_alert(
            [
                WaitingTicket(
                    ticket_id=t["_id"],
                    queued_at=t["queued_at"],
                    call_class=t["call_class"],
                    ahead_at_issue=t["ahead_at_issue"],
                    alerted=t["alerted"],
                    has_contact=t.get("contact") is not None,
                )
                for t in line
            ],
            self.settings.almost_turn_ahead,
        )
        by_id = {t["_id"]: t for t in line}
        rule = r.ALMOST_YOUR_TURN
        created = 0
        for ticket_id, ahead in due:
            ticket = by_id[ticket_id]
            await self.db[WAITING].update_one(
                {"_id": ticket_id}, {"$set": {"alerted": True}}, session=session
            )
            about = {**data, r.TICKET_ID: ticket_id, "number": ticket["number"]}
            docs = await self._citizen_deliveries(
                f"{envelope.id}/almost/{ticket_id}",
                envelope.type,
                rule,
                about,
                ticket["contact"],
                agency_id,
                session,
                extra_values={"ahead": ahead},
            )
            created += await self._insert(docs, session)
        return created

    # --- agencies ---------------------------------------------------------------------------------

    async def _webhook_deliveries(
        self, envelope: Envelope, data: dict[str, Any], agency_id: str, session: Session
    ) -> list[Document]:
        endpoints = await self.endpoints.for_event(agency_id, envelope.type)
        if not endpoints:
            return []
        content = structured_cloudevent(envelope, data, self.settings.webhook_strip_fields)
        now = utcnow()
        docs = []
        for endpoint in endpoints:
            doc = self._delivery(
                envelope.id,
                envelope.type,
                "event",
                "webhook",
                endpoint["_id"],
                endpoint["_id"],
                agency_id,
                data,
                now,
                now,
                self.webhook_policy.max_attempts,
            )
            doc.update(
                endpoint_id=endpoint["_id"],
                content=content,
                destination=f"webhook:{endpoint['_id']}",
            )
            docs.append(doc)
        return docs

    # --- shared -----------------------------------------------------------------------------------

    def _delivery(
        self,
        event_id: str,
        event_type: str,
        notification: str,
        channel: str,
        recipient_hash: str,
        recipient_masked: str,
        agency_id: str | None,
        data: Mapping[str, Any],
        now: datetime,
        send_at: datetime,
        max_attempts: int,
    ) -> Document:
        return {
            "_id": delivery_id(event_id, channel, recipient_hash),
            "event_id": event_id,
            "event_type": event_type,
            "notification": notification,
            "channel": channel,
            "destination": channel,
            "recipient_hash": recipient_hash,
            "recipient": recipient_masked,
            "agency_id": agency_id,
            "service_id": r.lookup(data, r.SERVICE_ID),
            "status": PENDING,
            "attempts": 0,
            "max_attempts": max_attempts,
            "next_attempt_at": send_at,
            "created_at": now,
            "updated_at": now,
            "purged_at": None,
        }

    async def _agency_of(self, data: Mapping[str, Any], session: Session) -> str | None:
        agency_id = r.lookup(data, r.AGENCY_ID)
        if isinstance(agency_id, str):
            return agency_id
        service_id = r.lookup(data, r.SERVICE_ID)
        if isinstance(service_id, str) and (
            service := await self._names.get(
                ("service", service_id), lambda: self.catalog.service(service_id)
            )
        ):
            return service.agency_id
        return None

    async def _timezone(self, session: Session) -> str:
        settings = await self._names.get("settings", self.catalog.settings)
        return settings.timezone if settings is not None else self.settings.timezone


def structured_cloudevent(envelope: Envelope, data: dict[str, Any], strip: list[str]) -> bytes:
    """The event in CloudEvents structured JSON mode, minus the citizen's contact details."""
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.isoformat(),
        "datacontenttype": "application/json",
        "data": {k: v for k, v in data.items() if k not in strip},
    }
    if envelope.subject:
        document["subject"] = envelope.subject
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _local_time(iso: str, timezone: str) -> str:
    """An ISO instant as the MPP's wall clock: ``12/05/2025 09:30 WIB``."""
    try:
        instant = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        timezone, ""
    )
    return f"{instant.astimezone(ZoneInfo(timezone)):%d/%m/%Y %H:%M} {zone}".strip()
