"""The dev inbox: where messages go when no provider is configured (the embedded default).

Messages are kept in notify's own database and shown at ``/api/v1/notify/inbox/page``, so a new
user of ``mpp up`` sees what citizens would receive. Writing is idempotent per delivery.
"""

from __future__ import annotations

from datetime import timedelta

from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database
from mpp_notify.channels.base import DeliveryResult, OutgoingMessage
from mpp_notify.store import INBOX


class DevInboxChannel:
    provider = "dev-inbox"

    def __init__(self, db: Database, retention: timedelta) -> None:
        self._inbox = db[INBOX]
        self._retention = retention

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        now = utcnow()
        await self._inbox.update_one(
            {"_id": message.delivery_id},
            {
                "$setOnInsert": {
                    "channel": message.channel,
                    "to": message.to,
                    "notification": message.notification,
                    "subject": message.subject,
                    "body": message.body,
                    "at": now,
                    "expires_at": now + self._retention,
                }
            },
            upsert=True,
        )
        return DeliveryResult.accepted("kept in the dev inbox")
