"""The queue's MongoDB: tickets, the daily number counters, and the counters' state.

* ``daily_numbers``: one document per (service, local day). A number is taken with ONE atomic
  ``find_one_and_update($inc)`` outside any transaction: a hot counter inside transactions
  collapses under concurrency (ARCHITECTURE.md, embedded stand-ins). The same update enforces the
  channel's daily quota.
* ``tickets``: unique (service, day, sequence) — a number never repeats within a day — and unique
  booking id — one ticket per booking. Calling claims the first waiting ticket in call order with
  one atomic update inside the transaction that writes its event.
* ``counter_states``: whether a counter is open, who staffs it, and the ticket at it now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from mpp_kit.contracts.queue import Channel
from mpp_kit.mongo import Database, Document, Session, ensure_collection
from mpp_kit.outbox import OUTBOX
from mpp_queue import clock
from mpp_queue.domain.ticket import HistoryEntry, Ticket
from mpp_queue.domain.ticket_numbering import daily_counter_id

TICKETS = "tickets"
DAILY_NUMBERS = "daily_numbers"
COUNTER_STATES = "counter_states"
# The store's sort for "call next": class rank, then arrival, then id (domain.priority).
CALL_ORDER = [("rank", ASCENDING), ("arrived_at", ASCENDING), ("_id", ASCENDING)]
_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class Numbered:
    seq: int  # the daily sequence taken
    waiting: int  # how many of the service's tickets of that day wait, this one included


class QueueStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.tickets = db[TICKETS]
        self.numbers = db[DAILY_NUMBERS]
        self.counters = db[COUNTER_STATES]
        self._existing_number_docs: set[str] = set()

    async def prepare(self) -> None:
        for name in (TICKETS, DAILY_NUMBERS, COUNTER_STATES):
            await ensure_collection(self.db, name)
        await self.tickets.create_index(
            [("service_id", ASCENDING), ("day", ASCENDING), ("seq", ASCENDING)],
            unique=True,
            partialFilterExpression={"seq": {"$exists": True}},
            name="number_once_per_service_and_day",
        )
        await self.tickets.create_index(
            "booking_id", unique=True, sparse=True, name="one_ticket_per_booking"
        )
        # Status first: call-next ({status, service_id in …} sorted by call order), the
        # closing reset and the queue lengths (status "waiting"), the board (called, serving).
        await self.tickets.create_index(
            [("status", ASCENDING), ("service_id", ASCENDING), *CALL_ORDER], name="call_order"
        )
        await self.tickets.create_index(
            [("day", ASCENDING), ("service_id", ASCENDING)], name="stats_by_day"
        )
        await self.tickets.create_index("contact_expires_at", sparse=True)
        await self.counters.create_index("agency_id")
        # The board follows its own call events in the outbox (board_feed): without this index
        # the embedded store scans the whole outbox for them.
        await self.db[OUTBOX].create_index([("ce_type", ASCENDING), ("_id", ASCENDING)])
        # Every index costs each ticket written, on the embedded store most of all: keep few.

    # --- numbering, and how many wait ----------------------------------------------------------

    async def take_number(
        self, service_id: str, day: date, channel: str, quota: int | None
    ) -> Numbered | None:
        """The next daily sequence of a service, counted against the channel's quota; the same
        update counts the new ticket as waiting.

        ``None`` when the quota is used up. A retry after the store's ambiguous ``None`` may skip
        a number (a gap), never repeat one.
        """
        key = daily_counter_id(service_id, day)
        await self._ensure_number_doc(key, service_id, day)
        query: Document = {"_id": key}
        if quota is not None:
            query[channel] = {"$lt": quota}
        update = {"$inc": {"seq": 1, channel: 1, "waiting": 1}, "$set": {"touched": clock.now()}}
        for _ in range(_NUMBER_ATTEMPTS):
            doc = await self.numbers.find_one_and_update(
                query, update, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                return Numbered(seq=int(doc["seq"]), waiting=int(doc["waiting"]))
            # No document back: the quota is used up, or the store answered None although it
            # applied the update (ARCHITECTURE.md). Read it again to tell the two apart.
            current = await self.numbers.find_one({"_id": key})
            if current is None:
                self._existing_number_docs.discard(key)
                await self._ensure_number_doc(key, service_id, day)
            elif quota is not None and current.get(channel, 0) >= quota:
                return None
        raise RuntimeError(f"could not take a number for {key}")

    async def count_waiting(self, service_id: str, day: date, delta: int) -> None:
        """A ticket joined (+1) or left (-1) a queue: one atomic update outside any transaction,
        after the commit (the count only feeds estimates; :meth:`heal_waiting_counts` mends it
        should a process die between the two)."""
        key = daily_counter_id(service_id, day)
        await self._ensure_number_doc(key, service_id, day)
        await self.numbers.update_one(
            {"_id": key}, {"$inc": {"waiting": delta}, "$set": {"touched": clock.now()}}
        )

    async def waiting_counts(self) -> dict[tuple[str, str], int]:
        """How many tickets wait now, per (service, local day), counted from the tickets."""
        cursor = await self.tickets.aggregate(
            [
                {"$match": {"status": "waiting"}},
                {"$group": {"_id": {"s": "$service_id", "d": "$day"}, "n": {"$sum": 1}}},
            ]
        )
        return {(doc["_id"]["s"], doc["_id"]["d"]): int(doc["n"]) async for doc in cursor}

    async def heal_waiting_counts(
        self, truth: dict[tuple[str, str], int], quiet_since: datetime
    ) -> int:
        """Set drifted waiting counts to ``truth`` — only where nothing touched the count since
        ``quiet_since`` (no ticket between its number and its commit), and only if it is still
        what was read. Returns how many were mended."""
        mended = 0
        keys = [daily_counter_id(s, date.fromisoformat(d)) for s, d in truth]
        query: Document = {
            "touched": {"$lt": quiet_since},
            "$or": [{"waiting": {"$ne": 0}}, {"_id": {"$in": keys}}],
        }
        async for doc in self.numbers.find(query):
            want = truth.get((doc["service_id"], doc["day"]), 0)
            seen = doc.get("waiting", 0)
            if seen != want:
                result = await self.numbers.update_one(
                    {"_id": doc["_id"], "waiting": seen, "touched": doc["touched"]},
                    {"$set": {"waiting": want}},
                )
                mended += result.modified_count
        return mended

    async def _ensure_number_doc(self, key: str, service_id: str, day: date) -> None:
        """Create the day's counter before anyone increments it (an upsert racing with others
        is what the store gets wrong)."""
        if key in self._existing_number_docs:
            return
        initial = {
            "service_id": service_id,
            "day": day.isoformat(),
            "seq": 0,
            "waiting": 0,
            "touched": clock.now(),
            **{channel: 0 for channel in get_args(Channel)},
        }
        try:
            await self.numbers.update_one({"_id": key}, {"$setOnInsert": initial}, upsert=True)
        except DuplicateKeyError:
            pass  # a concurrent creator won; the document exists
        if len(self._existing_number_docs) > 10_000:
            self._existing_number_docs.clear()
        self._existing_number_docs.add(key)

    # --- tickets ---------------------------------------------------------------------------------

    async def insert_ticket(
        self, session: Session, ticket: Ticket, *, contact_expires_at: datetime | None = None
    ) -> None:
        doc = ticket.document()
        if ticket.contact is not None and contact_expires_at is not None:
            doc["contact_expires_at"] = contact_expires_at
        await self.tickets.insert_one(doc, session=session)

    async def ticket(self, ticket_id: str, *, session: Session | None = None) -> Ticket | None:
        doc = await self.tickets.find_one({"_id": ticket_id}, session=session)
        return Ticket.model_validate(doc) if doc is not None else None

    async def ticket_for_booking(self, booking_id: str, *, session: Session) -> Ticket | None:
        doc = await self.tickets.find_one({"booking_id": booking_id}, session=session)
        return Ticket.model_validate(doc) if doc is not None else None

    async def ahead_of(self, service_id: str, rank: int, arrived_at: datetime) -> int:
        """How many waiting tickets of the service are called before one of this rank and
        arrival (call order: rank, then arrival). Two index ranges, not an ``$or``: the
        embedded store counts what it matches, so each range should match little."""
        waiting: Document = {"service_id": service_id, "status": "waiting"}
        higher = (
            await self.tickets.count_documents({**waiting, "rank": {"$lt": rank}}) if rank else 0
        )
        same = await self.tickets.count_documents(
            {**waiting, "rank": rank, "arrived_at": {"$lt": arrived_at}}
        )
        return higher + same

    async def first_waiting(self, service_ids: list[str], limit: int) -> list[str]:
        """The ids of the first waiting tickets across ``service_ids``, in call order."""
        cursor = (
            self.tickets.find({"status": "waiting", "service_id": {"$in": service_ids}}, {"_id": 1})
            .sort(CALL_ORDER)
            .limit(limit)
        )
        return [doc["_id"] async for doc in cursor]

    async def claim(
        self,
        session: Session,
        ticket_id: str,
        *,
        counter_id: str,
        officer_id: str,
        now: datetime,
    ) -> Ticket | None:
        """Call this ticket if it still waits, else ``None``: one atomic update conditional on
        ``waiting``, in the caller's transaction, so two counters never get the same ticket."""
        entry = HistoryEntry(at=now, action="call", by=officer_id, counter_id=counter_id)
        doc = await self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": "waiting"},
            {
                "$set": {
                    "status": "called",
                    "counter_id": counter_id,
                    "officer_id": officer_id,
                    "called_at": now,
                },
                "$min": {"first_called_at": now},
                "$inc": {"version": 1},
                "$push": {"history": entry.model_dump(exclude_none=True)},
            },
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Ticket.model_validate(doc) if doc is not None else None

    async def change(
        self,
        session: Session,
        ticket: Ticket,
        entry: HistoryEntry,
        *,
        set_fields: Document | None = None,
        unset: list[str] | None = None,
        inc: Document | None = None,
    ) -> Ticket | None:
        """Apply one step to the ticket as it was read (same status and version), or ``None``
        if it changed meanwhile."""
        update: Document = {
            "$inc": {"version": 1, **(inc or {})},
            "$push": {"history": entry.model_dump(exclude_none=True)},
        }
        if set_fields:
            update["$set"] = set_fields
        if unset:
            update["$unset"] = {name: "" for name in unset}
        doc = await self.tickets.find_one_and_update(
            {"_id": ticket.id, "status": ticket.status, "version": ticket.version},
            update,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Ticket.model_validate(doc) if doc is not None else None

    async def waiting(
        self, service_ids: list[str], limit: int, *, session: Session | None = None
    ) -> list[Ticket]:
        """The next waiting tickets of some services, in call order."""
        cursor = (
            self.tickets.find(
                {"service_id": {"$in": service_ids}, "status": "waiting"}, session=session
            )
            .sort(CALL_ORDER)
            .limit(limit)
        )
        return [Ticket.model_validate(doc) async for doc in cursor]

    async def at_counters(self, counter_ids: list[str]) -> list[Ticket]:
        """The tickets now called to, or served at, these counters."""
        cursor = self.tickets.find(
            {"counter_id": {"$in": counter_ids}, "status": {"$in": ["called", "serving"]}}
        )
        return [Ticket.model_validate(doc) async for doc in cursor]

    async def recent_service_seconds(self, service_id: str, limit: int) -> list[float]:
        """Service times (call → served or transferred) of the service's latest tickets."""
        cursor = (
            self.tickets.find(
                {
                    "service_id": service_id,
                    "status": {"$in": ["served", "transferred"]},
                    "ended_at": {"$exists": True},
                },
                {"called_at": 1, "ended_at": 1},
            )
            .sort("ended_at", DESCENDING)
            .limit(limit)
        )
        return [
            (doc["ended_at"] - doc["called_at"]).total_seconds()
            async for doc in cursor
            if doc.get("called_at") is not None
        ]

    async def tickets_of_days(
        self,
        first: date,
        last: date,
        *,
        agency_id: str | None = None,
        service_id: str | None = None,
    ) -> list[Ticket]:
        query: Document = {"day": {"$gte": first.isoformat(), "$lte": last.isoformat()}}
        if agency_id is not None:
            query["agency_id"] = agency_id
        if service_id is not None:
            query["service_id"] = service_id
        return [
            Ticket.model_validate(doc) async for doc in self.tickets.find(query, {"history": 0})
        ]

    async def waiting_by_service(self) -> dict[str, int]:
        """How many tickets wait in each service's queue now."""
        totals: dict[str, int] = {}
        for (service_id, _), count in (await self.waiting_counts()).items():
            totals[service_id] = totals.get(service_id, 0) + count
        return totals

    async def waiting_tickets(self) -> list[Ticket]:
        cursor = self.tickets.find({"status": "waiting"}, {"history": 0}).sort("day", ASCENDING)
        return [Ticket.model_validate(doc) async for doc in cursor]

    async def forget_contacts(self, before: datetime) -> int:
        """Remove the contact of tickets whose retention ran out (UU 27/2022: no longer than
        the purpose requires)."""
        result = await self.tickets.update_many(
            {"contact_expires_at": {"$lt": before}},
            {"$unset": {"contact": "", "contact_expires_at": ""}},
        )
        return result.modified_count

    # --- counters --------------------------------------------------------------------------------

    async def counter_state(
        self, counter_id: str, *, session: Session | None = None
    ) -> Document | None:
        return await self.counters.find_one({"_id": counter_id}, session=session)

    async def counter_states(self, agency_id: str | None = None) -> list[Document]:
        query: Document = {} if agency_id is None else {"agency_id": agency_id}
        return await self.counters.find(query).to_list()

    async def save_counter_state(self, session: Session, state: Document) -> None:
        await self.counters.replace_one({"_id": state["_id"]}, state, upsert=True, session=session)

    async def set_counter_ticket(
        self, session: Session, counter_id: str, expected: str | None, ticket_id: str | None
    ) -> bool:
        """Put a ticket at a counter (or clear it) if the counter holds ``expected`` now."""
        result = await self.counters.update_one(
            {"_id": counter_id, "current_ticket_id": expected},
            {"$set": {"current_ticket_id": ticket_id}},
            session=session,
        )
        return result.matched_count == 1

    async def open_counters_serving(self, service_id: str) -> int:
        return await self.counters.count_documents({"open": True, "service_ids": service_id})

    async def update_counter_services(
        self, session: Session, counter_id: str, service_ids: list[str]
    ) -> None:
        """Follow the catalog: an open counter serves what its catalog entry says now."""
        await self.counters.update_one(
            {"_id": counter_id}, {"$set": {"service_ids": service_ids}}, session=session
        )
