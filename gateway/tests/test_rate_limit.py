"""The public rate limit counts per client and forgives at the next window."""

from __future__ import annotations

from mpp_gateway.rate_limit import PublicRateLimit


def test_limit_applies_per_client_and_resets_with_the_next_window():
    now = [120.0]
    limit = PublicRateLimit(2, clock=lambda: now[0])
    assert [limit.retry_after("10.0.0.1") for _ in range(2)] == [None, None]
    now[0] = 135.0
    assert limit.retry_after("10.0.0.1") == 45
    assert limit.retry_after("10.0.0.2") is None
    now[0] = 180.0
    assert limit.retry_after("10.0.0.1") is None
