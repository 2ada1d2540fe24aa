"""Agency webhooks are signed: HMAC-SHA256 over ``timestamp + "." + body``.

The header ``X-MPP-Signature: t=<unix seconds>,v1=<hex>`` carries both, so a receiver
recomputes the HMAC with its secret and rejects a stale timestamp (a replayed request).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-MPP-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver does (the tests use an independent copy of this)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields.get("v1", ""))
