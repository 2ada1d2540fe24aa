"""Failed logins slow down password guessing: too many per username, or per client address,
within a sliding window, and further tries are refused until the oldest counted one ages out.

Each failure is one inserted document (no hot counter to contend for), kept in the store so
every gateway replica sees the same count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mpp_kit.clock import as_utc, utcnow
from mpp_kit.mongo import Database, ensure_collection

LOGIN_FAILURES = "login_failures"


@dataclass
class LoginThrottle:
    db: Database
    window_seconds: int
    max_per_user: int
    max_per_ip: int

    async def prepare(self) -> None:
        failures = self.db[LOGIN_FAILURES]
        await ensure_collection(self.db, LOGIN_FAILURES)
        await failures.create_index([("username", 1), ("at", -1)])
        await failures.create_index([("ip", 1), ("at", -1)])
        # Only housekeeping: the queries below ignore anything older than the window anyway.
        await failures.create_index("at", expireAfterSeconds=86_400)

    async def retry_after(self, username: str, ip: str) -> int | None:
        """Seconds until this username and address may try again, or None if they may now."""
        waits = [
            await self._wait({"username": username}, self.max_per_user),
            await self._wait({"ip": ip}, self.max_per_ip),
        ]
        blocked = [w for w in waits if w is not None]
        return max(blocked) if blocked else None

    async def record_failure(self, username: str, ip: str) -> None:
        await self.db[LOGIN_FAILURES].insert_one({"username": username, "ip": ip, "at": utcnow()})

    async def forget_user(self, username: str) -> None:
        """After a successful login the username starts afresh (the address does not)."""
        await self.db[LOGIN_FAILURES].delete_many({"username": username})

    async def _wait(self, who: dict[str, Any], limit: int) -> int | None:
        now = utcnow()
        window = timedelta(seconds=self.window_seconds)
        # The limit-th most recent failure: once it leaves the window, one more try is allowed.
        cursor = (
            self.db[LOGIN_FAILURES]
            .find({**who, "at": {"$gt": now - window}}, {"at": 1})
            .sort("at", -1)
            .skip(limit - 1)
            .limit(1)
        )
        for failure in await cursor.to_list():
            return max(1, int((as_utc(failure["at"]) + window - now).total_seconds()) + 1)
        return None
