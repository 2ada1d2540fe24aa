"""Real local peers for notify's tests and benchmark: an SMTP server (aiosmtpd), HTTP servers on
free ports (uvicorn) standing for Meta's WhatsApp Cloud API, an Indonesian SMS gateway and
agencies' webhook receivers — each checking requests as the provider documents them."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar
from urllib.parse import parse_qs

import uvicorn
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mpp_cli.embedded import free_port
from mpp_kit.auth import Role
from mpp_kit.clock import utcnow
from mpp_kit.contracts.queue import CallClass, Contact, Served, TicketCalled, TicketIssued
from mpp_kit.events import Envelope, EventType, new_event_id
from mpp_kit.settings import KitSettings
from mpp_notify.settings import NotifySettings

# --- HTTP servers ----------------------------------------------------------------------------


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn on a free port of this machine; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class SmtpInbox:
    """What a real SMTP server (aiosmtpd) accepted."""

    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    delay: float = 0.0  # seconds before answering DATA
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        mail = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        self.messages.append(mail)
        return f"250 2.0.0 Ok: queued as Q{len(self.messages):04d}"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@asynccontextmanager
async def smtp_server(inbox: SmtpInbox, login: tuple[str, str] | None = None) -> AsyncIterator[int]:
    """A real SMTP server on a free port; with ``login``, it refuses mail without AUTH."""
    port = free_port()
    auth: dict[str, Any] = {}
    if login is not None:

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            given = (data.login.decode(), data.password.decode())
            return AuthResult(success=given == login, handled=False)

        auth = {"auth_required": True, "auth_require_tls": False, "authenticator": authenticator}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


# --- WhatsApp Business Cloud API -------------------------------------------------------------

WA_PHONE_NUMBER_ID = "106540352242922"
WA_TOKEN = "EAAtest-token"


@dataclass
class WhatsAppCloud:
    """Meta's ``POST /{version}/{phone_number_id}/messages``, checking each request as documented:
    Bearer token, ``messaging_product``, ``recipient_type``, ``to``, and a ``text`` or
    ``template`` object. A bad request gets Meta's error object, a good one a ``wamid``."""

    undeliverable: set[str] = field(default_factory=set)
    fail_all_with: int | None = None
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v21.0/{phone_number_id}/messages")
        async def messages(phone_number_id: str, request: Request) -> JSONResponse:
            if self.delay:
                await asyncio.sleep(self.delay)
            if request.headers.get("authorization") != f"Bearer {WA_TOKEN}":
                return _meta_error(401, 190, "Invalid OAuth access token.", "OAuthException")
            if phone_number_id != WA_PHONE_NUMBER_ID:
                return _meta_error(400, 100, "Unsupported post request.", "GraphMethodException")
            if not request.headers.get("content-type", "").startswith("application/json"):
                return _meta_error(400, 100, "(#100) Invalid parameter")
            body = await request.json()
            problem = _whatsapp_problem(body)
            if problem:
                self.refused.append(body)
                return _meta_error(400, 100, f"(#100) {problem}")
            if self.fail_all_with is not None:
                return _meta_error(
                    self.fail_all_with, 1, "An unknown error occurred", "OAuthException"
                )
            if body["to"] in self.undeliverable:
                self.refused.append(body)
                return _meta_error(400, 131026, "Message Undeliverable.")
            self.requests.append(body)
            return JSONResponse(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                    "messages": [{"id": f"wamid.HBgL{len(self.requests):06d}"}],
                }
            )

        return app


def _meta_error(status: int, code: int, message: str, kind: str = "OAuthException") -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}},
        status_code=status,
    )


def _whatsapp_problem(body: Any) -> str | None:
    """What Meta would reject in a message request (None: it is well-formed)."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("recipient_type", "individual") != "individual":
        return "recipient_type must be individual"
    if not re.fullmatch(r"\+?[1-9]\d{7,14}", str(body.get("to", ""))):
        return "to must be a phone number with its country code"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if set(body) != {"messaging_product", "recipient_type", "to", "type", "text"}:
            return f"unexpected fields {sorted(body)}"
        if not isinstance(text, dict) or not isinstance(text.get("body"), str):
            return "text.body is required"
        if not 1 <= len(text["body"]) <= 4096 or not isinstance(
            text.get("preview_url", False), bool
        ):
            return "text.body must be 1-4096 characters; preview_url a boolean"
        return None
    if kind == "template":
        template = body.get("template")
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            return "template.name is required"
        if not isinstance(template.get("language"), dict) or "code" not in template["language"]:
            return "template.language.code is required"
        for component in template.get("components", []):
            if component.get("type") not in ("header", "body", "button"):
                return "component type must be header, body or button"
            for parameter in component.get("parameters", []):
                if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                    return "parameters must be {type: text, text: string}"
        return None
    return "type must be text or template"


# --- an Indonesian SMS gateway (form POST of userkey, passkey, to, message) ------------------

SMS_USERKEY, SMS_PASSKEY = "mpp-user", "mpp-pass"


@dataclass
class SmsGateway:
    """A gateway in the common Indonesian style: HTTP 200 and a JSON status for every answer."""

    invalid_numbers: set[str] = field(default_factory=set)
    requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/reguler/api/sendsms/")
        async def send_sms(request: Request) -> JSONResponse:
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
            if form.get("userkey") != SMS_USERKEY or form.get("passkey") != SMS_PASSKEY:
                return JSONResponse({"status": "0", "text": "Userkey / Passkey Salah"})
            if set(form) != {"userkey", "passkey", "to", "message"}:
                return JSONResponse({"status": "0", "text": f"parameter salah: {sorted(form)}"})
            if not re.fullmatch(r"08\d{8,12}", str(form["to"])):
                return JSONResponse({"status": "0", "text": "Nomor tujuan tidak valid"})
            if form["to"] in self.invalid_numbers:
                return JSONResponse({"status": "0", "text": "Nomor tujuan tidak valid"})
            self.requests.append({k: str(v) for k, v in form.items()})
            return JSONResponse(
                {
                    "messageId": str(len(self.requests)),
                    "to": form["to"],
                    "status": "1",
                    "text": "Success",
                }
            )

        return app


# --- an agency's webhook receiver -------------------------------------------------------------


@dataclass
class WebhookReceiver:
    """An agency system: records every request; answers ``statuses`` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    always: int | None = None
    delay: float = 0.0
    received: list[tuple[dict[str, str], bytes, float]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            body = await request.body()
            self.received.append((dict(request.headers), body, time.monotonic()))
            if self.delay:
                await asyncio.sleep(self.delay)
            status = self.always or (self.statuses.pop(0) if self.statuses else 200)
            return JSONResponse({"ok": status < 300}, status_code=status)

        return app

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, _ in self.received]


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """A receiver's own check, written independently of notify's code: HMAC-SHA256 over
    ``t + "." + body`` with the shared secret, and a fresh timestamp."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = parts["t"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


# --- producing events as the queue would ---------------------------------------------------------


class EventProducer:
    """Produces CloudEvents (binary mode) as a service's outbox relay would."""

    def __init__(self, bootstrap: str, settings: KitSettings) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        self._settings = settings

    async def __aenter__(self) -> EventProducer:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(
        self, event_type: EventType[Any], payload: BaseModel, event_id: str | None = None
    ) -> str:
        envelope = Envelope(
            id=event_id or new_event_id(),
            type=event_type.ce_type,
            source=event_type.source,
            time=utcnow(),
            data=payload.model_dump_json().encode(),
        )
        await self._producer.send_and_wait(
            self._settings.topic(event_type.topic),
            value=envelope.data,
            key=event_type.key(payload).encode(),
            headers=envelope.kafka_headers(),
        )
        return envelope.id


async def publish(
    bootstrap: str,
    settings: KitSettings,
    event_type: EventType[Any],
    payloads: list[BaseModel],
    *,
    event_ids: list[str] | None = None,
    times: int = 1,
) -> list[str]:
    """Produce the events; ``times`` > 1 produces each record again (same ``ce_id``), as a
    broker redelivering would hand it over."""
    ids = event_ids or [new_event_id() for _ in payloads]
    async with EventProducer(bootstrap, settings) as producer:
        for _ in range(times):
            for event_id, payload in zip(ids, payloads, strict=True):
                await producer.send(event_type, payload, event_id)
    return ids


# --- queue events, as the queue publishes them -------------------------------------------------


def issued(
    number: str,
    *,
    service_id: str = "svc-1",
    agency_id: str = "dukcapil",
    email: str | None = None,
    phone: str | None = None,
    position: int = 1,
    wait: int = 10,
    arrived_at: datetime | None = None,
    call_class: CallClass = "walk_in",
    ticket_id: str | None = None,
) -> TicketIssued:
    now = utcnow()
    return TicketIssued(
        ticket_id=ticket_id or f"t-{number}-{uuid.uuid4().hex[:6]}",
        number=number,
        service_id=service_id,
        agency_id=agency_id,
        at=now,
        channel="kiosk",
        priority="regular",
        call_class=call_class,
        day=date.today(),
        arrived_at=arrived_at or now,
        position=position,
        estimated_wait_minutes=wait,
        contact=Contact(phone=phone, email=email) if phone or email else None,
    )


def called(
    ticket: TicketIssued, *, counter_id: str = "c-3", counter_number: int = 3
) -> TicketCalled:
    return TicketCalled(
        ticket_id=ticket.ticket_id,
        number=ticket.number,
        service_id=ticket.service_id,
        agency_id=ticket.agency_id,
        at=utcnow(),
        counter_id=counter_id,
        counter_number=counter_number,
        counter_name=f"Loket {counter_number}",
        officer_id="officer-1",
        call_class=ticket.call_class,
        waiting_seconds=60,
        contact=ticket.contact,
    )


def served(ticket: TicketIssued) -> Served:
    return Served(
        ticket_id=ticket.ticket_id,
        number=ticket.number,
        service_id=ticket.service_id,
        agency_id=ticket.agency_id,
        at=utcnow() + timedelta(minutes=5),
        counter_id="c-3",
        officer_id="officer-1",
        channel="kiosk",
        waiting_seconds=60,
        service_seconds=300,
        contact=ticket.contact,
    )


async def consuming(app: Any, timeout: float = 30.0) -> None:
    """Wait until the app's consumer has joined its group (records produced now reach it)."""
    await asyncio.wait_for(app.state.runtime.bus_ready.wait(), timeout)


async def deliveries(app: Any, **query: Any) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = await app.state.runtime.db.deliveries.find(query).to_list()
    return docs


def as_staff(settings: NotifySettings, role: Role, agency_id: str | None = None) -> dict[str, str]:
    from mpp_testing import staff_token

    return staff_token(settings, role, agency_id=agency_id, username=f"{role}-{agency_id}")


# --- booking events, as the booking service publishes them -------------------------------------


B = TypeVar("B", bound=BaseModel)


def booking_event(
    model: type[B],
    *,
    code: str = "K7QX4M",
    email: str | None = None,
    phone: str | None = None,
    agency_id: str = "dukcapil",
    service_id: str = "svc-1",
    slot_start: datetime | None = None,
    **extra: Any,
) -> B:
    """A booking event of type ``model`` with the fields every booking event has."""
    start = slot_start or utcnow().replace(microsecond=0) + timedelta(days=1)
    return model.model_validate(
        {
            "booking_id": f"b-{code}",
            "code": code,
            "service_id": service_id,
            "agency_id": agency_id,
            "slot_start": start,
            "slot_end": start + timedelta(minutes=30),
            "day": start.date(),
            "at": utcnow(),
            "contact": {"phone": phone, "email": email} if phone or email else None,
            "due_at": utcnow(),
            **extra,
        }
    )
