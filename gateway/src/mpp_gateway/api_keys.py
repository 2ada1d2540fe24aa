"""Agency API keys: the catalog (which owns them) says whose a key is; we remember yes briefly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from pydantic import BaseModel, ValidationError

from mpp_gateway.upstreams import Upstreams
from mpp_kit.auth import Principal, Role, TokenKeys, api_key_prefix, hash_api_key
from mpp_kit.logging import get_logger
from mpp_kit.problems import Problem, unauthorized

_log = get_logger(__name__)
_MAX_CACHED = 10_000
VERIFY_PATH = "/internal/api-keys/verify"


class AgencyKey(BaseModel):
    """The catalog's answer for a valid key."""

    agency_id: str
    key_id: str


@dataclass
class ApiKeyVerifier:
    upstreams: Upstreams
    cache_seconds: float
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        # Keyed by the key's hash: the raw keys do not linger in memory.
        self._cache: dict[str, tuple[AgencyKey, float]] = {}

    async def verify(self, key: str) -> AgencyKey:
        """The agency the key belongs to; 401 if none, 503 if the catalog cannot say now."""
        digest = hash_api_key(key)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > self.clock():
            return cached[0]
        if api_key_prefix(key) is None:
            raise unauthorized("Invalid API key.")
        answer = await self._ask_catalog(key)
        if len(self._cache) >= _MAX_CACHED:
            now = self.clock()
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        self._cache[digest] = (answer, self.clock() + self.cache_seconds)
        return answer

    async def _ask_catalog(self, key: str) -> AgencyKey:
        url = self.upstreams.url_of("catalog") + VERIFY_PATH
        try:
            response = await self.upstreams.http.post(
                url, json={"key": key}, timeout=self.upstreams.timeout()
            )
        except httpx.HTTPError as exc:
            _log.warning("api key check failed", error=repr(exc))
            raise Problem(
                503, "Service unavailable", "API keys cannot be checked right now; try again."
            ) from exc
        if response.status_code in (401, 403, 404):
            raise unauthorized("Invalid API key.")
        try:
            response.raise_for_status()
            return AgencyKey.model_validate_json(response.content)
        except (httpx.HTTPStatusError, ValidationError) as exc:
            _log.warning("api key check answered badly", status=response.status_code)
            raise Problem(502, "Bad gateway", "The API key check gave no usable answer.") from exc


def agency_token(keys: TokenKeys, agency: AgencyKey, lifetime_seconds: int) -> str:
    """The short-lived JWT the services see instead of the key."""
    principal = Principal(
        user_id=f"api-key:{agency.key_id}",
        username=f"agency-system:{agency.agency_id}",
        roles=frozenset({Role.AGENCY_SYSTEM}),
        agency_id=agency.agency_id,
    )
    return keys.issue(principal, timedelta(seconds=lifetime_seconds))
