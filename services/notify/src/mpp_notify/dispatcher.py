"""The dispatcher: sends the deliveries that are due and records how each attempt went.

It is a periodic job over the persisted schedule (``next_attempt_at``), not a consumer that
sleeps: a retry due in four hours is a row in MongoDB, and any replica picks it up then. Each
attempt is claimed with a lease (one atomic update), so replicas never send the same attempt;
a replica that dies mid-send leaves a lease that expires, and the attempt is made again.

Sending is concurrent but bounded twice: ``dispatch_concurrency`` in all, and
``destination_concurrency`` per destination (one webhook endpoint, one provider), so a slow or
failing endpoint holds a few slots and every other recipient keeps moving. Every attempt has a
timeout. The outcome and its ``notification-sent``/``-failed`` event commit together.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mpp_kit.catalog_view import CatalogView
from mpp_kit.clock import utcnow
from mpp_kit.contracts.notify import NOTIFICATION_FAILED, NOTIFICATION_SENT, NotificationOutcome
from mpp_kit.events import new_event_id
from mpp_kit.logging import get_logger
from mpp_kit.mongo import STORE_UNAVAILABLE, Document, Session
from mpp_kit.runtime import ServiceRuntime
from mpp_notify import store
from mpp_notify.channels.base import DeliveryResult, OutgoingMessage
from mpp_notify.channels.registry import Channels
from mpp_notify.domain.quiet_hours import not_before, parse_quiet_hours
from mpp_notify.domain.retry_schedule import RetryPolicy
from mpp_notify.metrics import DELIVERIES, IN_FLIGHT, SEND_SECONDS
from mpp_notify.settings import NotifySettings
from mpp_notify.webhook_endpoints import WebhookEndpoints

_log = get_logger(__name__)
# A just-planned delivery is claimed 10 ms later, then at doubling gaps, for up to 1 s.
_EXPECT_FIRST, _EXPECT_FOR = 0.01, 1.0
# After an attempt ends, the schedule is looked at within 20 ms (a burst shares the query).
_SWEEP_AFTER_DONE = 0.02


@dataclass
class _Expected:
    delivery: Document
    next_try: float
    give_up_at: float
    gap: float = _EXPECT_FIRST


class Dispatcher:
    def __init__(
        self,
        runtime: ServiceRuntime,
        settings: NotifySettings,
        channels: Channels,
        endpoints: WebhookEndpoints,
        catalog: CatalogView,
        message_policy: RetryPolicy,
        webhook_policy: RetryPolicy,
    ) -> None:
        self._runtime = runtime
        self._db = runtime.db
        self._settings = settings
        self._channels = channels
        self._endpoints = endpoints
        self._catalog = catalog
        self._policies = {"message": message_policy, "webhook": webhook_policy}
        self._quiet = parse_quiet_hours(settings.quiet_hours)
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{new_event_id()[:8]}"
        self._wake = asyncio.Event()
        # Deliveries being planned right now, claimed by id (see expect()).
        self._expected: dict[str, _Expected] = {}
        self._backlog = False
        self._blocked: set[str] = set()
        self._next_sweep = 0.0
        self._next_abandoned_check = 0.0
        self._in_flight: dict[asyncio.Task[None], str] = {}  # task → delivery id
        self._destination_of: dict[str, str] = {}
        self._per_destination: Counter[str] = Counter()

    def wake(self) -> None:
        """Look at the schedule now rather than at the next poll."""
        self._next_sweep = 0.0
        self._wake.set()

    def expect(self, delivery: Document) -> None:
        """A delivery due now is being planned in a transaction not yet committed: claim it by
        its id a moment later, and again at doubling gaps until the commit shows — cheaper
        than asking the whole schedule often, whatever backlog a slow endpoint has."""
        now = time.monotonic()
        self._expected[delivery["_id"]] = _Expected(
            delivery, now + _EXPECT_FIRST, now + _EXPECT_FOR
        )
        self._wake.set()

    async def run(self) -> None:
        """Claim and send until cancelled; on cancel, let attempts in flight record their end."""
        try:
            while True:
                try:
                    await self.claim_expected()
                    if time.monotonic() >= self._next_sweep:
                        await self.dispatch_due()
                except STORE_UNAVAILABLE as exc:
                    _log.warning("store unreachable; dispatch paused", error=repr(exc))
                except Exception as exc:  # never let one bad turn stop all sending
                    _log.exception("dispatch failed; trying again", error=repr(exc))
                    await asyncio.sleep(1.0)
                await self._wait(self._until_next_look())
        except asyncio.CancelledError:
            await self.finish_in_flight()
            raise

    def _free(self) -> int:
        return self._settings.dispatch_concurrency - len(self._in_flight)

    def _until_next_look(self) -> float:
        wait = self._next_sweep
        if self._expected and self._free() > 0:
            wait = min(wait, *(e.next_try for e in self._expected.values()))
        return max(0.0, wait - time.monotonic())

    async def claim_expected(self) -> None:
        """Claim just-planned deliveries by id once their transaction has committed."""
        now, clock = utcnow(), time.monotonic()
        lease_until = now + timedelta(seconds=self._settings.lease_seconds)
        for delivery_id, expected in list(self._expected.items()):
            if self._free() <= 0:
                return
            destination = expected.delivery["destination"]
            if clock > expected.give_up_at or not self._has_room(destination):
                del self._expected[delivery_id]  # the schedule's sweep will find it
                self._blocked.add(destination)
                continue
            if clock < expected.next_try:
                continue
            claimed = await store.claim(self._db, expected.delivery, self._owner, now, lease_until)
            if claimed is not None:
                del self._expected[delivery_id]
                self._start(claimed)
            else:
                expected.gap *= 2
                expected.next_try = clock + expected.gap

    async def finish_in_flight(self) -> None:
        if self._in_flight:
            await asyncio.wait(
                list(self._in_flight), timeout=self._settings.send_timeout_seconds + 5
            )

    async def _wait(self, timeout: float) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives as the event is set, and the dispatcher would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        self._wake.clear()

    async def dispatch_due(self) -> int:
        """Claim what is due (within the free slots) and start sending it; returns how many."""
        self._next_sweep = time.monotonic() + self._settings.dispatch_poll_seconds
        free = self._free()
        if free <= 0:
            self._backlog = True  # any slot that frees lets something go
            return 0
        limit = self._settings.destination_concurrency
        full = [d for d, n in self._per_destination.items() if n >= limit]
        now = utcnow()
        lease_until = now + timedelta(seconds=self._settings.lease_seconds)
        started = 0
        mine = set(self._in_flight.values())
        # Abandoned attempts (a replica died mid-send) are rare: look for them now and then.
        abandoned = time.monotonic() >= self._next_abandoned_check
        if abandoned:
            self._next_abandoned_check = time.monotonic() + self._settings.lease_seconds / 4
        candidates = await store.due(self._db, now, free * 2, full, abandoned=abandoned)
        # What waits for a slot: anything (more is due than was read, or all slots are taken),
        # or only what waits for a busy destination (look again when one of its attempts ends).
        self._backlog = len(candidates) >= free * 2
        self._blocked = set(full)
        for candidate in candidates:
            if candidate["_id"] in mine:
                continue
            if started >= free:
                self._backlog = True
                continue
            if not self._has_room(candidate["destination"]):
                self._blocked.add(candidate["destination"])
                continue
            delivery = await store.claim(self._db, candidate, self._owner, now, lease_until)
            if delivery is None:
                continue  # another replica took it
            self._start(delivery)
            started += 1
        return started

    def _has_room(self, destination: str) -> bool:
        return self._per_destination[destination] < self._settings.destination_concurrency

    def _start(self, delivery: Document) -> None:
        self._expected.pop(delivery["_id"], None)
        destination = delivery["destination"]
        self._per_destination[destination] += 1
        self._destination_of[delivery["_id"]] = destination
        task = asyncio.create_task(self._attempt(delivery), name=f"send-{delivery['_id']}")
        self._in_flight[task] = delivery["_id"]
        task.add_done_callback(self._done)
        IN_FLIGHT.set(len(self._in_flight))

    def _done(self, task: asyncio.Task[None]) -> None:
        destination = self._destination_of.pop(self._in_flight.pop(task))
        self._per_destination[destination] -= 1
        if self._per_destination[destination] <= 0:
            del self._per_destination[destination]
        IN_FLIGHT.set(len(self._in_flight))
        if not task.cancelled() and (error := task.exception()) is not None:
            _log.error("delivery attempt crashed", error=repr(error))
        soon = time.monotonic() + _SWEEP_AFTER_DONE
        waiting = self._backlog or destination in self._blocked
        if waiting and self._next_sweep > soon:
            self._next_sweep = soon  # a slot is free and something waits for it
            self._wake.set()
        elif self._expected:
            self._wake.set()

    # --- one attempt ---------------------------------------------------------------------------

    async def _attempt(self, delivery: Document) -> None:
        channel = delivery["channel"]
        adapter = self._channels.adapter(channel)
        endpoint: Document | None = None
        health: Document = {}
        if channel == "webhook":
            endpoint, health = await self._endpoints.for_attempt(delivery["endpoint_id"])
            if endpoint is None:
                result = DeliveryResult.refused(
                    "the endpoint is no longer registered", retryable=False
                )
                await self._record(delivery, "webhook", result, 0.0)
                return
            if health.get("disabled"):
                result = DeliveryResult.refused(
                    f"endpoint disabled: {health.get('disabled_reason', '')}", retryable=False
                )
                await self._record(delivery, "webhook", result, 0.0)
                return
        if adapter is None:
            result = DeliveryResult.refused(
                f"no provider configured for {channel}", retryable=False
            )
            await self._record(delivery, "-", result, 0.0)
            return
        if "to" not in delivery and "content" not in delivery:
            result = DeliveryResult.refused("the message was purged", retryable=False)
            await self._record(delivery, adapter.provider, result, 0.0)
            return
        message = _message(delivery, endpoint)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._settings.send_timeout_seconds):
                result = await adapter.send(message)
        except TimeoutError:
            result = DeliveryResult.refused(
                f"no answer within {self._settings.send_timeout_seconds:g} s"
            )
        except Exception as exc:  # an adapter bug must not stop the dispatcher
            _log.exception("channel adapter failed", channel=channel)
            result = DeliveryResult.refused(f"{type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        SEND_SECONDS.labels(channel, adapter.provider).observe(elapsed)
        await self._record(delivery, adapter.provider, result, elapsed, endpoint, health)

    async def _record(
        self,
        delivery: Document,
        provider: str,
        result: DeliveryResult,
        elapsed: float,
        endpoint: Document | None = None,
        health: Document | None = None,
    ) -> None:
        now = utcnow()
        channel = delivery["channel"]
        attempts = delivery["attempts"]
        disabled_reason: str | None = None
        if endpoint is not None and result.ok:
            await self._endpoints.succeeded(endpoint["_id"], health or {})
        elif endpoint is not None:
            disabled_reason = await self._endpoints.failed(endpoint, result.answer)
        history = {"at": now, "ok": result.ok, "answer": result.answer, "provider": provider}
        history["ms"] = round(elapsed * 1000, 1)
        changes: dict[str, Any] = {"provider": provider, "answer": result.answer}
        retry_at = None
        if result.ok:
            changes.update(status=store.SENT, sent_at=now)
            outcome = "sent"
        else:
            if result.retryable and disabled_reason is None:
                retry_at = self._policy(channel).next_attempt(
                    now, attempts, delivery.get("max_attempts")
                )
                if retry_at is not None and delivery.get("reminder"):
                    retry_at = not_before(retry_at, self._quiet, await self._timezone())
            if retry_at is not None:
                changes.update(status=store.PENDING, next_attempt_at=retry_at)
                outcome = "retry"
            else:
                changes.update(status=store.FAILED, failed_at=now)
                outcome = "failed"
        event = None
        if outcome in ("sent", "failed"):
            event = NotificationOutcome(
                delivery_id=delivery["_id"],
                event_id=delivery["event_id"],
                event_type=delivery["event_type"],
                notification=delivery["notification"],
                channel=channel,
                provider=provider,
                recipient=delivery["recipient"],
                agency_id=delivery.get("agency_id"),
                attempts=attempts,
                at=now,
                answer=result.answer,
                endpoint_id=delivery.get("endpoint_id"),
                endpoint_disabled=disabled_reason is not None,
            )

        async def write(session: Session) -> bool:
            if not await store.record_attempt(
                self._db, delivery, self._owner, changes, history, session
            ):
                return False  # our lease expired and another sender has it now
            if event is not None:
                kind = NOTIFICATION_SENT if outcome == "sent" else NOTIFICATION_FAILED
                await self._runtime.publish(session, kind, event)
            return True

        if await self._runtime.transaction(write):
            DELIVERIES.labels(channel, provider, outcome).inc()
            log = _log.warning if outcome == "failed" else _log.info
            log(
                f"delivery {outcome}",
                delivery_id=delivery["_id"],
                channel=channel,
                provider=provider,
                recipient=delivery["recipient"],
                attempts=attempts,
                answer=result.answer,
            )

    def _policy(self, channel: str) -> RetryPolicy:
        return self._policies["webhook" if channel == "webhook" else "message"]

    async def _timezone(self) -> str:
        settings = await self._catalog.settings()
        return settings.timezone if settings is not None else self._settings.timezone


def _message(delivery: Document, endpoint: Document | None) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=delivery["_id"],
        channel=delivery["channel"],
        to=endpoint["url"] if endpoint is not None else delivery["to"],
        notification=delivery["notification"],
        subject=delivery.get("subject", ""),
        body=delivery.get("body", ""),
        params=delivery.get("params") or {},
        content=bytes(delivery.get("content") or b""),
        secret=endpoint["secret"] if endpoint is not None else "",
    )
