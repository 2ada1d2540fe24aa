"""Who may hold which role, and who may manage whom — pure rules, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from mpp_kit.auth import Principal, Role, require_roles
from mpp_kit.problems import forbidden, invalid_field

AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_ADMIN})
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively: stored and looked up in lower case."""
    return username.strip().lower()


def check_password(password: str, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise invalid_field(field, f"must have at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise invalid_field(field, f"must have at most {PASSWORD_MAX_LENGTH} characters")


def check_role_assignment(roles: Iterable[Role], agency_id: str | None) -> None:
    """An mpp_admin belongs to no agency; officers and agency admins belong to exactly one."""
    held = frozenset(roles)
    if not held:
        raise invalid_field("roles", "name at least one role")
    if Role.AGENCY_SYSTEM in held:
        raise invalid_field("roles", "agency_system belongs to API keys, not to staff")
    if Role.MPP_ADMIN in held:
        if held & AGENCY_ROLES:
            raise invalid_field("roles", "mpp_admin cannot be combined with agency roles")
        if agency_id is not None:
            raise invalid_field("agency_id", "must be empty for an mpp_admin")
    elif not agency_id:
        raise invalid_field("agency_id", "is required for officer and agency_admin")


def require_can_see(actor: Principal, agency_id: str | None) -> None:
    """mpp_admin sees all staff; an agency_admin the staff of its own agency."""
    if actor.is_mpp_admin:
        return
    require_roles(actor, Role.AGENCY_ADMIN)
    if agency_id is None or agency_id != actor.agency_id:
        raise forbidden("You may only see the staff of your own agency.")


def require_can_manage(actor: Principal, roles: Iterable[Role], agency_id: str | None) -> None:
    """mpp_admin manages everyone; an agency_admin only the officers of its own agency.

    Checked against a user both as it is and as it would become, so an agency_admin can neither
    promote an officer nor move one to another agency.
    """
    if actor.is_mpp_admin:
        return
    require_roles(actor, Role.AGENCY_ADMIN)
    if agency_id is None or agency_id != actor.agency_id:
        raise forbidden("You may only manage the staff of your own agency.")
    if frozenset(roles) - {Role.OFFICER}:
        raise forbidden("An agency_admin manages officers only; ask an mpp_admin for more.")
