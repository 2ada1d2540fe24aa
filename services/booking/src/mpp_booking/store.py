"""The booking service's MongoDB collections, and the atomic steps that keep capacity exact.

* ``capacity``: one document per (service, slot start) and per (service, local day) with an online
  quota: ``taken`` and ``holds`` (the ids of the bookings counted). A place is taken with one
  conditional ``find_one_and_update`` (``taken < limit`` and not held yet → ``$inc`` and
  ``$push``) and given back only by the booking that holds it (``$pull`` where held), so capacity
  can never be exceeded, and a release repeated after a crash cannot free a place twice. These
  are hot documents, so they are written outside transactions (ARCHITECTURE.md, SecantusDB).
* ``person_day_claims``: one document per (service, local day, person key) with a unique ``_id``:
  a second active booking of the same person that day fails on insert. A new booking's claims
  are written first, ``pending`` and naming the places it is about to take: they are its record
  of intent. Its transaction writes the booking with its outbox event and clears ``pending``; an
  attempt that fails gives back what it took at once, and one whose process died leaves pending
  claims behind, from which the repair job gives its places back. An attempt cut off midway
  (a step may still land later) leaves a note in ``given_up_attempts`` for the repair job to
  release its places once more.
* ``bookings``: a booking exists once confirmed. A reschedule records its ``move`` (the places
  it is about to take) before it takes them, for the same reason. A cancel or a move records the
  places it gives back (``owed``) in its transaction and releases them right after, so the
  repair job can finish the release if the process dies in between.
* ``sent_reminders``: the unique (booking, kind, slot) of every reminder sent, written in the
  transaction of its event: sent once, across restarts and replicas.
* ``staff_access_log``: who among staff read whose bookings (UU 27/2022: trace a breach).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from mpp_booking.domain.booking import VISIBLE, Booking, Move
from mpp_booking.domain.reminders import Reminder, next_due
from mpp_kit.mongo import Database, Document, Session, ensure_collection

BOOKINGS = "bookings"
CAPACITY = "capacity"
CLAIMS = "person_day_claims"
SENT_REMINDERS = "sent_reminders"
STAFF_ACCESS = "staff_access_log"
GIVEN_UP = "given_up_attempts"


class BookingStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.bookings = db[BOOKINGS]
        self.capacity = db[CAPACITY]
        self.claims = db[CLAIMS]
        self.sent_reminders = db[SENT_REMINDERS]
        self.staff_access = db[STAFF_ACCESS]
        self.given_up = db[GIVEN_UP]
        # Capacity documents known to exist: a refusal then costs one conditional update.
        self._existing: set[str] = set()

    async def prepare(self) -> None:
        for name in (BOOKINGS, CAPACITY, CLAIMS, SENT_REMINDERS, STAFF_ACCESS, GIVEN_UP):
            await ensure_collection(self.db, name)
        await self.bookings.create_index("code", unique=True)
        await self.bookings.create_index(
            [("agency_id", ASCENDING), ("day", ASCENDING), ("slot_start", ASCENDING)]
        )
        await self.bookings.create_index([("service_id", ASCENDING), ("day", ASCENDING)])
        await self.bookings.create_index([("status", ASCENDING), ("slot_start", ASCENDING)])
        await self.bookings.create_index([("status", ASCENDING), ("next_reminder_at", ASCENDING)])
        await self.bookings.create_index("move.at", sparse=True)
        await self.bookings.create_index("owed_at", sparse=True)
        await self.capacity.create_index([("service_id", ASCENDING), ("start", ASCENDING)])
        await self.claims.create_index("booking_id")
        await self.claims.create_index([("pending", ASCENDING), ("at", ASCENDING)], sparse=True)
        await self.sent_reminders.create_index("at", expireAfterSeconds=90 * 24 * 3600)
        await self.staff_access.create_index("at", expireAfterSeconds=2 * 365 * 24 * 3600)

    # --- capacity: slots and daily quotas ------------------------------------------------------

    async def take(self, counter_id: str, booking_id: str, limit: int, fields: Document) -> bool:
        """Count ``booking_id`` in ``counter_id`` if fewer than ``limit`` are; False when full."""
        query = {"_id": counter_id, "taken": {"$lt": limit}, "holds": {"$ne": booking_id}}
        update = {"$inc": {"taken": 1}, "$push": {"holds": booking_id}}
        if await self.capacity.find_one_and_update(query, update, {"_id": 1}):
            self._remember(counter_id)
            return True
        if counter_id in self._existing:
            return False  # full
        # Missing, or full. Create it first, then try again: an upsert racing on a missing
        # document may report nothing though it wrote (ARCHITECTURE.md, SecantusDB).
        await self.capacity.update_one(
            {"_id": counter_id},
            {"$setOnInsert": {"taken": 0, "holds": [], **fields}},
            upsert=True,
        )
        self._remember(counter_id)
        return await self.capacity.find_one_and_update(query, update, {"_id": 1}) is not None

    def _remember(self, counter_id: str) -> None:
        if len(self._existing) > 100_000:
            self._existing.clear()
        self._existing.add(counter_id)

    async def release(self, counter_ids: Iterable[str], booking_id: str) -> None:
        """Give back the places ``booking_id`` holds; a place it does not hold stays."""
        for counter_id in counter_ids:
            await self.capacity.update_one(
                {"_id": counter_id, "holds": booking_id},
                {"$inc": {"taken": -1}, "$pull": {"holds": booking_id}},
            )

    async def slots_taken(self, service_id: str, start: datetime, end: datetime) -> dict[Any, int]:
        """Places taken per slot start (UTC) of one service in [start, end)."""
        cursor = self.capacity.find(
            {"service_id": service_id, "start": {"$gte": start, "$lt": end}},
            {"start": 1, "taken": 1},
        )
        return {doc["start"]: doc["taken"] async for doc in cursor}

    async def taken(self, counter_ids: list[str]) -> dict[str, int]:
        cursor = self.capacity.find({"_id": {"$in": counter_ids}}, {"taken": 1})
        return {doc["_id"]: doc["taken"] async for doc in cursor}

    # --- one person, one booking per service per day -------------------------------------------

    async def claim(
        self,
        claim_ids: list[str],
        booking_id: str,
        day: date,
        at: datetime,
        *,
        intent: Document | None = None,
    ) -> str | None:
        """Claim each person-day for ``booking_id``; the first claim someone else holds, or None.
        ``intent``: the claims of a new booking are pending and say what it is about to take."""
        pending: Document = {"pending": True, **intent} if intent is not None else {}
        for claim_id in claim_ids:
            doc = {"_id": claim_id, "booking_id": booking_id, "day": day.isoformat(), "at": at}
            try:
                await self.claims.insert_one(doc | pending)
            except DuplicateKeyError:
                holder = await self.claims.find_one({"_id": claim_id}, {"booking_id": 1})
                if holder is None or holder["booking_id"] != booking_id:
                    return claim_id
        return None

    async def claim_holder(self, claim_id: str) -> Document | None:
        return await self.claims.find_one({"_id": claim_id})

    async def wait_until_settled(self, claim_id: str, timeout: float = 10.0) -> None:
        """Wait while a claim is pending (its booking is being confirmed or given up)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if not await self.claims.find_one({"_id": claim_id, "pending": True}, {"_id": 1}):
                return
            await asyncio.sleep(0.02)

    async def abandon(self, booking_id: str) -> None:
        """Give up a booking that was never confirmed: release the places its pending claims
        name, then remove them. Safe to repeat, and harmless once it is confirmed."""
        await self.claims.update_many(
            {"booking_id": booking_id, "pending": True}, {"$set": {"pending": "abandoned"}}
        )
        abandoned = {"booking_id": booking_id, "pending": "abandoned"}
        counters: set[str] = set()
        async for claim in self.claims.find(abandoned, {"counters": 1}):
            counters.update(claim.get("counters") or [])
        await self.release(sorted(counters), booking_id)
        await self.claims.delete_many(abandoned)

    async def give_back(self, booking_id: str, claim_ids: list[str], counters: list[str]) -> None:
        """Undo an attempt refused before its transaction: what it took, while still pending."""
        await self.release(counters, booking_id)
        await self.claims.delete_many(
            {"_id": {"$in": claim_ids}, "booking_id": booking_id, "pending": True}
        )

    async def give_up(
        self, booking_id: str, claim_ids: list[str], counters: list[str], at: datetime
    ) -> None:
        """Undo an attempt cut off before its transaction. A step still in flight may land after
        this, so a note is kept for the repair job to release the places once more."""
        await self.note_given_up(booking_id, counters, claim_ids, at)
        await self.give_back(booking_id, claim_ids, counters)

    async def note_given_up(
        self, booking_id: str, counters: list[str], claim_ids: list[str], at: datetime
    ) -> None:
        await self.given_up.update_one(
            {"_id": booking_id},
            {
                "$addToSet": {"counters": {"$each": counters}, "claims": {"$each": claim_ids}},
                "$setOnInsert": {"at": at},
            },
            upsert=True,
        )

    async def given_up_before(self, before: datetime) -> list[Document]:
        return await self.given_up.find({"at": {"$lt": before}}).to_list()

    async def forget_given_up(self, booking_id: str) -> None:
        await self.given_up.delete_one({"_id": booking_id})

    async def confirm(self, session: Session, doc: Document, claim_ids: list[str]) -> bool:
        """Write the booking and settle its pending claims, unless they were given up."""
        settled = await self.claims.update_many(
            {"_id": {"$in": claim_ids}, "booking_id": doc["_id"], "pending": True},
            {"$unset": {"pending": "", "counters": "", "request_key": ""}},
            session=session,
        )
        if settled.modified_count != len(claim_ids):
            return False
        await self.bookings.insert_one(doc, session=session)
        return True

    async def release_claims(
        self, claim_ids: list[str], booking_id: str, *, session: Session | None = None
    ) -> None:
        if claim_ids:
            await self.claims.delete_many(
                {"_id": {"$in": claim_ids}, "booking_id": booking_id}, session=session
            )

    # --- bookings ------------------------------------------------------------------------------

    async def code_in_use(self, code: str, booking_id: str) -> bool:
        return await self.bookings.count_documents({"code": code, "_id": {"$ne": booking_id}}) > 0

    async def by_code(self, code: str, *, session: Session | None = None) -> Booking | None:
        doc = await self.bookings.find_one(
            {"code": code, "status": {"$in": list(VISIBLE)}}, session=session
        )
        return Booking.model_validate(doc) if doc is not None else None

    async def by_id(self, booking_id: str, *, session: Session | None = None) -> Booking | None:
        doc = await self.bookings.find_one({"_id": booking_id}, session=session)
        return Booking.model_validate(doc) if doc is not None else None

    async def transition(
        self,
        session: Session,
        booking: Booking,
        status: str,
        fields: Document,
        *,
        owe: list[str] | None = None,
    ) -> bool:
        """Move an active booking of this very slot to ``status``; False if it changed meanwhile.
        ``owe``: places it gives back once the transaction has committed (with ``owed_at``)."""
        update: Document = {
            "$set": {"status": status, "reminders": [], "next_reminder_at": None, **fields}
        }
        if owe:
            update["$push"] = {"owed": {"$each": owe}}
        result = await self.bookings.update_one(
            {"_id": booking.id, "status": "confirmed", "slot_start": booking.slot_start},
            update,
            session=session,
        )
        return result.modified_count == 1

    async def settle_owed(self, booking_id: str) -> None:
        """Release the places a booking owes back (after a cancel or a move), then note it."""
        doc = await self.bookings.find_one({"_id": booking_id}, {"owed": 1})
        owed = (doc or {}).get("owed") or []
        if not owed:
            return
        await self.release(owed, booking_id)
        await self.bookings.update_one(
            {"_id": booking_id}, {"$pullAll": {"owed": owed}, "$unset": {"owed_at": ""}}
        )

    async def start_move(self, booking_id: str, move: Move) -> bool:
        """Record a reschedule before it takes anything; False if the booking is not active or
        another reschedule of it is under way."""
        result = await self.bookings.update_one(
            {"_id": booking_id, "status": "confirmed", "move": None},
            {"$set": {"move": move.model_dump() | {"day": move.day.isoformat()}}},
        )
        return result.modified_count == 1

    async def abandon_move(self, booking_id: str, move_id: str) -> None:
        """Give back what an unfinished reschedule took; safe to repeat."""
        doc = await self.bookings.find_one_and_update(
            {"_id": booking_id, "move.id": move_id},
            {"$set": {"move.abandoned": True}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return
        move = Move.model_validate(doc["move"])
        await self.release_claims(move.new_claims, booking_id)
        await self.release(move.new_counters, booking_id)
        await self.bookings.update_one(
            {"_id": booking_id, "move.id": move_id}, {"$set": {"move": None}}
        )

    async def finish_move(
        self, session: Session, booking: Booking, move: Move, fields: Document, owe: list[str]
    ) -> bool:
        """Put the booking in its new slot, if the move is still its own and not given up."""
        update: Document = {"$set": {"move": None, **fields}}
        if owe:
            update["$set"]["owed_at"] = move.at
            update["$push"] = {"owed": {"$each": owe}}
        result = await self.bookings.update_one(
            {"_id": booking.id, "status": "confirmed", "move.id": move.id, "move.abandoned": False},
            update,
            session=session,
        )
        return result.modified_count == 1

    async def advance_reminders(self, session: Session, booking: Booking, fields: Document) -> bool:
        """Move an active booking's reminder plan on, if nobody did since it was read."""
        plan = [Reminder(r.kind, r.due_at) for r in booking.reminders]
        result = await self.bookings.update_one(
            {
                "_id": booking.id,
                "status": "confirmed",
                "slot_start": booking.slot_start,
                "next_reminder_at": next_due(plan),
            },
            {"$set": fields},
            session=session,
        )
        return result.modified_count == 1

    async def record_reminder(self, session: Session, key: str, at: datetime) -> bool:
        """Note a reminder as sent (unique ``key``); False if it was sent before."""
        if await self.sent_reminders.find_one({"_id": key}, session=session):
            return False
        await self.sent_reminders.insert_one({"_id": key, "at": at}, session=session)
        return True

    async def day_list(
        self,
        day: date,
        *,
        agency_id: str | None,
        service_id: str | None,
        status: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Booking]:
        """One local day's bookings, by slot then id; ``after`` is the cursor's position."""
        query: Document = {"day": day.isoformat(), "status": status or {"$in": list(VISIBLE)}}
        if agency_id is not None:
            query["agency_id"] = agency_id
        if service_id is not None:
            query["service_id"] = service_id
        if after is not None:
            start, last_id = after
            query["$or"] = [
                {"slot_start": {"$gt": start}},
                {"slot_start": start, "_id": {"$gt": last_id}},
            ]
        cursor = (
            self.bookings.find(query).sort([("slot_start", ASCENDING), ("_id", ASCENDING)])
        ).limit(limit)
        return [Booking.model_validate(doc) async for doc in cursor]

    async def day_counts(
        self, day: date, *, agency_id: str | None, service_id: str | None
    ) -> dict[str, int]:
        match: Document = {"day": day.isoformat(), "status": {"$in": list(VISIBLE)}}
        if agency_id is not None:
            match["agency_id"] = agency_id
        if service_id is not None:
            match["service_id"] = service_id
        cursor = await self.bookings.aggregate(
            [{"$match": match}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}]
        )
        return {doc["_id"]: doc["n"] async for doc in cursor}

    async def log_staff_access(self, entry: Document) -> None:
        await self.staff_access.insert_one(entry)

    # --- what the jobs look for ----------------------------------------------------------------

    async def lapsed(self, closed_before: datetime, limit: int = 200) -> list[Booking]:
        """Active bookings whose check-in window closed (their slot began before the given time)."""
        cursor = self.bookings.find(
            {"status": "confirmed", "slot_start": {"$lt": closed_before}}
        ).limit(limit)
        return [Booking.model_validate(doc) async for doc in cursor]

    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Booking]:
        cursor = self.bookings.find(
            {"status": "confirmed", "next_reminder_at": {"$lte": now}}
        ).limit(limit)
        return [Booking.model_validate(doc) async for doc in cursor]

    async def unfinished_attempts(self, before: datetime) -> list[str]:
        """Bookings whose claims are still pending (or half given up) since before ``before``."""
        query = {"pending": {"$in": [True, "abandoned"]}, "at": {"$lt": before}}
        return sorted({doc["booking_id"] async for doc in self.claims.find(query)})

    async def unfinished_changes(self, before: datetime) -> list[Booking]:
        """Bookings with a move never finished, or places owed back, since before ``before``."""
        cursor = self.bookings.find(
            {"$or": [{"move.at": {"$lt": before}}, {"owed_at": {"$lt": before}}]}
        )
        return [Booking.model_validate(doc) async for doc in cursor]

    async def erase_personal_data(self, slot_before: datetime) -> int:
        """Erase names and contacts of bookings whose slot is older than the retention, and the
        person-day claims of those days."""
        day = slot_before.date().isoformat()
        await self.claims.delete_many({"day": {"$lt": day}})
        result = await self.bookings.update_many(
            {"slot_start": {"$lt": slot_before}, "personal_data_erased": {"$ne": True}},
            {
                "$set": {"personal_data_erased": True},
                "$unset": {
                    "name": "",
                    "phone": "",
                    "email": "",
                    "nik_hash": "",
                    "nik_masked": "",
                    "person_keys": "",
                },
            },
        )
        return result.modified_count
