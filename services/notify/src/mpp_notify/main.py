"""The notify service: every event a citizen or an agency should hear about, delivered once.

* Consumes the queue's, booking's, complaints' and survey's events (those in the registry) and
  the catalog's (its read model, for names in messages). Each event becomes delivery records —
  one per (event, channel, recipient) — in the consumer's transaction (:mod:`.planning`).
* Sends them with a dispatcher job over the persisted schedule (:mod:`.dispatcher`): e-mail by
  SMTP, WhatsApp Cloud API, an HTTP SMS gateway, signed agency webhooks; the dev inbox stands in
  for every provider not configured.
* Publishes ``notify.notification-sent`` and ``notify.notification-failed``.
* Stores deliveries, the dev inbox, template overrides, a copy of the agency webhook
  registrations with their health, and waiting tickets ("almost your turn") in its own database.
* Serves ``/api/v1/notify``: delivery log, retry, templates + preview, webhook health, dev inbox.

Run: ``uvicorn mpp_notify.main:app``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache
from typing import Any

import httpx
from fastapi import FastAPI

from mpp_kit.auth import TokenKeys
from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.consumer import Delivery
from mpp_kit.contracts import EVENT_TYPES
from mpp_kit.contracts.notify import EVENTS
from mpp_kit.http import create_app
from mpp_kit.logging import get_logger
from mpp_kit.runtime import ServiceRuntime
from mpp_notify import store
from mpp_notify.channels.registry import Channels
from mpp_notify.dispatcher import Dispatcher
from mpp_notify.domain.retry_schedule import RetryPolicy
from mpp_notify.domain.rules import RULES, WEBHOOK_SOURCES
from mpp_notify.metrics import PURGED
from mpp_notify.planning import Planner
from mpp_notify.routes import notify_routes
from mpp_notify.settings import NotifySettings
from mpp_notify.template_store import TemplateStore
from mpp_notify.webhook_endpoints import WebhookEndpoints

_log = get_logger(__name__)


def build_app(settings: NotifySettings) -> FastAPI:
    runtime = ServiceRuntime(settings, publishes=EVENTS)
    http = httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_connections=200))
    catalog = CatalogView(runtime)
    channels = Channels(settings, runtime.db, http)
    endpoints = WebhookEndpoints(
        runtime.db, settings.catalog_url, http, settings.webhook_disable_after
    )
    templates = TemplateStore(runtime.db)
    message_policy = RetryPolicy(
        settings.message_max_attempts,
        settings.message_retry_base_seconds,
        settings.retry_max_interval_seconds,
    )
    webhook_policy = RetryPolicy(
        settings.webhook_max_attempts,
        settings.webhook_retry_base_seconds,
        settings.retry_max_interval_seconds,
    )
    dispatcher = Dispatcher(
        runtime, settings, channels, endpoints, catalog, message_policy, webhook_policy
    )
    planner = Planner(
        settings,
        runtime.db,
        catalog,
        templates,
        endpoints,
        channels,
        TokenKeys(settings),
        message_policy,
        webhook_policy,
        dispatcher.expect,
    )

    async def plan(delivery: Delivery[Any]) -> None:
        await planner.plan(delivery.envelope, delivery.payload, delivery.session)

    # Every event a citizen or an agency may hear about, as far as its contract exists yet.
    with_rules = {rule.event for rule in RULES}
    for event_type in EVENT_TYPES:
        if event_type.service in WEBHOOK_SOURCES or event_type.ce_type in with_rules:
            runtime.on(event_type)(plan)

    runtime.on_startup(lambda: store.prepare(runtime.db))

    @runtime.background
    async def dispatch() -> None:
        try:
            await dispatcher.run()  # on stop, attempts in flight finish first
        finally:
            await http.aclose()
            channels.close()

    @runtime.background
    async def follow_webhook_registrations() -> None:
        await endpoints.follow(settings.webhook_sync_seconds)

    @runtime.every(settings.purge_interval_seconds)
    async def purge_personal_data() -> None:
        purged = await store.purge_personal_data(
            runtime.db, utcnow() - timedelta(hours=settings.retention_hours)
        )
        PURGED.inc(purged)

    app = create_app(
        settings,
        title="mpp notify",
        description="Notifications by e-mail, WhatsApp, SMS and agency webhooks; the dev inbox.",
        routers=[notify_routes(settings, runtime.db, templates, endpoints, dispatcher)],
        runtime=runtime,
    )
    providers = {
        name: getattr(channels.adapter(name), "provider", "none")
        for name in ("email", "whatsapp", "sms")
    }
    _log.info("notify channels", **providers)
    # httpx logs every request's URL at INFO; an SMS gateway's URL may hold a number and a text.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    app.state.planner = planner
    app.state.dispatcher = dispatcher
    app.state.endpoints = endpoints
    return app


@cache
def _app_from_environment() -> FastAPI:
    return build_app(NotifySettings())


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use, so tests can import this module without MPP_* settings.
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
