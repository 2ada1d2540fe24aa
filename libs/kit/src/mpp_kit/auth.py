"""Who is calling, and what they may do — enforced by every service, not only the gateway.

* Staff carry a JWT issued by the gateway: user id, roles (``officer``, ``agency_admin``,
  ``mpp_admin``) and agency. Agency systems present an API key at the gateway, which forwards a
  short-lived JWT with the role ``agency_system`` for that agency.
* Citizens hold capabilities: HMAC-signed tokens naming one ticket, booking, complaint or survey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from mpp_kit.clock import utcnow
from mpp_kit.problems import forbidden, unauthorized
from mpp_kit.settings import KitSettings


class Role(StrEnum):
    OFFICER = "officer"
    AGENCY_ADMIN = "agency_admin"
    MPP_ADMIN = "mpp_admin"
    AGENCY_SYSTEM = "agency_system"


STAFF_ROLES = frozenset({Role.OFFICER, Role.AGENCY_ADMIN, Role.MPP_ADMIN})


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    user_id: str
    username: str
    roles: frozenset[Role]
    agency_id: str | None

    @property
    def is_mpp_admin(self) -> bool:
        return Role.MPP_ADMIN in self.roles

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class TokenKeys:
    """Signing and verification keys: HS256 with ``MPP_JWT_SECRET``, or RS256 key files."""

    def __init__(self, settings: KitSettings) -> None:
        self.issuer = settings.jwt_issuer
        if settings.jwt_public_key_file:
            self.algorithm = "RS256"
            self.verify_key: str | bytes = Path(settings.jwt_public_key_file).read_text()
            private = settings.jwt_private_key_file
            self.sign_key: str | bytes | None = Path(private).read_text() if private else None
        elif settings.jwt_secret is not None:
            self.algorithm = "HS256"
            self.verify_key = self.sign_key = settings.jwt_secret.get_secret_value().encode()
        else:
            raise RuntimeError("Set MPP_JWT_SECRET or MPP_JWT_PUBLIC_KEY_FILE")
        capability = settings.capability_secret
        self.capability_key = (
            capability.get_secret_value().encode()
            if capability is not None
            # Derived, so one secret suffices in development; set both in production.
            else hmac.new(self._secret_material(settings), b"capability", hashlib.sha256).digest()
        )

    @staticmethod
    def _secret_material(settings: KitSettings) -> bytes:
        if settings.jwt_secret is not None:
            return settings.jwt_secret.get_secret_value().encode()
        return Path(str(settings.jwt_public_key_file)).read_bytes()

    def issue(self, principal: Principal, lifetime: timedelta) -> str:
        """A signed JWT for ``principal`` (the gateway is the only issuer)."""
        if self.sign_key is None:
            raise RuntimeError("this process has no signing key")
        now = utcnow()
        claims = {
            "sub": principal.user_id,
            "preferred_username": principal.username,
            "roles": sorted(principal.roles),
            "agency_id": principal.agency_id,
            "iss": self.issuer,
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self.sign_key, algorithm=self.algorithm)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.verify_key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss"]},
            )
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except (jwt.PyJWTError, ValueError) as exc:
            raise unauthorized(f"Invalid token: {exc}") from exc
        return Principal(
            user_id=str(claims["sub"]),
            username=str(claims.get("preferred_username", claims["sub"])),
            roles=roles,
            agency_id=claims.get("agency_id"),
        )

    def sign_capability(self, kind: str, subject_id: str) -> str:
        """A citizen's token for one ticket/booking/complaint/survey: no account needed."""
        mac = hmac.new(self.capability_key, f"{kind}:{subject_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def check_capability(self, kind: str, subject_id: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(
            self.sign_capability(kind, subject_id), token
        )


def token_keys(request: Request) -> TokenKeys:
    keys: TokenKeys = request.app.state.token_keys
    return keys


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def optional_principal(request: Request) -> Principal | None:
    """The caller if a valid bearer token came; a bad token is still refused (401)."""
    token = _bearer(request)
    return token_keys(request).verify(token) if token else None


def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise unauthorized()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(principal: Principal, *roles: Role) -> None:
    if not principal.has_any(*roles):
        names = ", ".join(sorted(roles))
        raise forbidden(f"This needs one of the roles: {names}.")


def require_agency(principal: Principal, agency_id: str, *roles: Role) -> None:
    """The mpp_admin, or a holder of ``roles`` in this very agency (tenant isolation)."""
    if principal.is_mpp_admin:
        return
    require_roles(principal, *roles)
    if principal.agency_id != agency_id:
        raise forbidden("You may only act on your own agency's data.")


def new_api_key() -> tuple[str, str]:
    """A new agency API key: (the key, shown once; its prefix, stored for lookup)."""
    prefix = secrets.token_hex(4)
    return f"mppk_{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "mppk" else None


def hash_api_key(key: str) -> str:
    """API keys are random and long, so a plain SHA-256 is the right hash (not a slow KDF)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def principal_claims(principal: Principal) -> dict[str, Any]:
    """A JSON view of the caller, for ``/auth/me`` and audit logs."""
    return {
        "user_id": principal.user_id,
        "username": principal.username,
        "roles": sorted(principal.roles),
        "agency_id": principal.agency_id,
    }
