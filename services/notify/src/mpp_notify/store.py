"""Notify's own database: deliveries, the dev inbox, template overrides, the copy of agency
webhook registrations with their health, and the waiting tickets behind "almost your turn".

A delivery is one message for one (event, channel, recipient); the unique index on that triple
is what makes a redelivered event unable to send anything twice.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database, Document, Session, ensure_collection
from mpp_kit.problems import invalid_field

DELIVERIES = "deliveries"
INBOX = "inbox"
TEMPLATES = "template_overrides"
ENDPOINTS = "webhook_endpoints"
ENDPOINT_HEALTH = "webhook_health"
WAITING = "waiting_tickets"

PENDING, SENDING, SENT, FAILED, SUPPRESSED = "pending", "sending", "sent", "failed", "suppressed"
FINAL = (SENT, FAILED, SUPPRESSED)
# What goes when a delivery's retention ends: everything that could identify or describe a person.
PERSONAL_FIELDS = ("to", "subject", "body", "params", "content")


async def prepare(db: Database) -> None:
    for name in (DELIVERIES, INBOX, TEMPLATES, ENDPOINTS, ENDPOINT_HEALTH, WAITING):
        await ensure_collection(db, name)
    deliveries = db[DELIVERIES]
    await deliveries.create_index(
        [("event_id", ASCENDING), ("channel", ASCENDING), ("recipient_hash", ASCENDING)],
        unique=True,
        name="one_per_event_channel_recipient",
    )
    await deliveries.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
    await deliveries.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
    await deliveries.create_index([("created_at", DESCENDING), ("_id", DESCENDING)])
    await deliveries.create_index([("agency_id", ASCENDING), ("created_at", DESCENDING)])
    await deliveries.create_index([("recipient_hash", ASCENDING), ("created_at", DESCENDING)])
    await db[INBOX].create_index("expires_at", expireAfterSeconds=0)
    await db[INBOX].create_index([("at", DESCENDING), ("_id", DESCENDING)])
    await db[WAITING].create_index([("service_id", ASCENDING), ("queued_at", ASCENDING)])
    await db[WAITING].create_index("expires_at", expireAfterSeconds=0)
    await db[ENDPOINTS].create_index([("agency_id", ASCENDING), ("event_types", ASCENDING)])


def delivery_id(event_id: str, channel: str, recipient_hash: str) -> str:
    """Deterministic, so the same (event, channel, recipient) always names the same delivery."""
    digest = hashlib.sha256(f"{event_id}|{channel}|{recipient_hash}".encode()).digest()
    return base64.b32encode(digest[:15]).decode().lower()


# --- deliveries: planning ------------------------------------------------------------------------


async def insert_new(db: Database, docs: list[Document], session: Session) -> list[Document]:
    """Record planned deliveries in the event's transaction. The consumer's record of handled
    events keeps an event from being planned twice; should that ever fail, the unique index
    refuses the second copy and the whole transaction with it."""
    if docs:
        await db[DELIVERIES].insert_many(docs, session=session)
    return docs


async def recent_count(
    db: Database, recipient_hash: str, since: datetime, session: Session | None = None
) -> int:
    """Messages (not suppressed ones) planned for one recipient since ``since``."""
    return await db[DELIVERIES].count_documents(
        {
            "recipient_hash": recipient_hash,
            "created_at": {"$gte": since},
            "status": {"$ne": SUPPRESSED},
        },
        session=session,
    )


# --- deliveries: dispatching ---------------------------------------------------------------------


async def due(
    db: Database,
    now: datetime,
    limit: int,
    skip_destinations: list[str],
    *,
    abandoned: bool = False,
) -> list[Document]:
    """Deliveries whose time has come, and (``abandoned``) attempts whose sender vanished."""
    skip = {"destination": {"$nin": skip_destinations}} if skip_destinations else {}
    found = (
        await db[DELIVERIES]
        .find({"status": PENDING, "next_attempt_at": {"$lte": now}, **skip})
        .sort("next_attempt_at", ASCENDING)
        .limit(limit)
        .to_list()
    )
    if abandoned and len(found) < limit:
        found += (
            await db[DELIVERIES]
            .find({"status": SENDING, "lease_until": {"$lt": now}, **skip})
            .limit(limit - len(found))
            .to_list()
        )
    return found


async def claim(
    db: Database, delivery: Document, owner: str, now: datetime, lease_until: datetime
) -> Document | None:
    """Take a delivery found due for one attempt; ``None`` if another sender was faster.

    A conditional ``update_one`` on the state it was found in (not ``find_one_and_update``,
    which the embedded store answers by scanning the collection)."""
    taken: Document = {"status": delivery["status"]}
    if delivery["status"] == SENDING:
        taken["lease_until"] = delivery["lease_until"]
    else:
        taken["next_attempt_at"] = {"$lte": now}
    result = await db[DELIVERIES].update_one(
        {"_id": delivery["_id"], "attempts": delivery["attempts"], **taken},
        {
            "$set": {"status": SENDING, "lease_owner": owner, "lease_until": lease_until},
            "$inc": {"attempts": 1},
        },
    )
    if result.modified_count != 1:
        return None
    return {
        **delivery,
        "status": SENDING,
        "lease_owner": owner,
        "lease_until": lease_until,
        "attempts": delivery["attempts"] + 1,
    }


async def record_attempt(
    db: Database,
    delivery: Document,
    owner: str,
    changes: dict[str, Any],
    history: dict[str, Any],
    session: Session,
) -> bool:
    """Write an attempt's outcome if this sender still holds the delivery."""
    result = await db[DELIVERIES].update_one(
        {"_id": delivery["_id"], "status": SENDING, "lease_owner": owner},
        {
            "$set": {**changes, "updated_at": utcnow()},
            "$unset": {"lease_owner": "", "lease_until": ""},
            "$push": {"history": {"$each": [history], "$slice": -20}},
        },
        session=session,
    )
    return result.modified_count == 1


async def purge_personal_data(db: Database, before: datetime) -> int:
    """Strip addresses and bodies of finished deliveries created before ``before``, and drop
    expired inbox messages and waiting tickets (the TTL indexes do it too, but only once a
    minute, and not on every store)."""
    result = await db[DELIVERIES].update_many(
        {"created_at": {"$lt": before}, "status": {"$in": list(FINAL)}, "purged_at": None},
        {"$unset": {f: "" for f in PERSONAL_FIELDS}, "$set": {"purged_at": utcnow()}},
    )
    now = utcnow()
    for collection in (INBOX, WAITING):
        await db[collection].delete_many({"expires_at": {"$lt": now}})
    return result.modified_count


# --- the delivery log (staff API) ---------------------------------------------------------------


def encode_cursor(doc: Document, field: str) -> str:
    raw = f"{doc[field].isoformat()}|{doc['_id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, _, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(stamp), last_id
    except ValueError as exc:
        raise invalid_field("cursor", "not a cursor from a previous page") from exc


def after_cursor(field: str, cursor: str | None) -> Document:
    """Newest first: the page after ``cursor`` holds what is older than its last item."""
    if cursor is None:
        return {}
    stamp, last_id = decode_cursor(cursor)
    return {"$or": [{field: {"$lt": stamp}}, {field: stamp, "_id": {"$lt": last_id}}]}


async def page(
    db: Database, collection: str, query: Document, field: str, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """One page, newest first, and the cursor of the next (``None`` at the end)."""
    docs = (
        await db[collection]
        .find({**query, **after_cursor(field, cursor)})
        .sort([(field, DESCENDING), ("_id", DESCENDING)])
        .limit(limit + 1)
        .to_list()
    )
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, encode_cursor(docs[-1], field) if more and docs else None
