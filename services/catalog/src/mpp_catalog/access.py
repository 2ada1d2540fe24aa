"""Who may do what in the catalog (issue 3). Pure rules over the caller; the routes apply them.

* The public reads the public views: agencies, services (six standard components), counters.
* Staff of an agency (officer, agency_admin) and the agency's own systems (API key) read its full
  data; only its agency_admin edits its agency, services, counters, keys and webhooks.
* The mpp_admin does everything, and alone creates agencies and changes the MPP's settings.
"""

from __future__ import annotations

from mpp_kit.auth import Principal, Role, require_agency, require_roles
from mpp_kit.problems import forbidden

READERS = (Role.OFFICER, Role.AGENCY_ADMIN, Role.AGENCY_SYSTEM)
EDITORS = (Role.AGENCY_ADMIN,)


def require_mpp_admin(principal: Principal) -> None:
    require_roles(principal, Role.MPP_ADMIN)


def require_reader(principal: Principal, agency_id: str) -> None:
    """Full (internal) data of one agency: its staff and systems, or the mpp_admin."""
    require_agency(principal, agency_id, *READERS)


def require_editor(principal: Principal, agency_id: str) -> None:
    """Changes to one agency's data: its agency_admin, or the mpp_admin."""
    require_agency(principal, agency_id, *EDITORS)


def may_read(principal: Principal | None, agency_id: str) -> bool:
    """Whether the caller may see one agency's full data (no exception)."""
    if principal is None:
        return False
    return principal.is_mpp_admin or (
        principal.agency_id == agency_id and principal.has_any(*READERS)
    )


def require_may_set_active(principal: Principal) -> None:
    """Opening or closing an agency's doors in the MPP is the MPP's decision."""
    if not principal.is_mpp_admin:
        raise forbidden("Only the MPP administrator may activate or deactivate an agency.")


def readable_agency(principal: Principal, requested: str | None) -> str | None:
    """The agency whose full data a staff listing shows: any (or all) for the mpp_admin, else the
    caller's own; asking for another agency is refused."""
    if principal.is_mpp_admin:
        return requested
    if principal.agency_id is None:
        raise forbidden("Your account is not linked to an agency.")
    require_reader(principal, requested or principal.agency_id)
    return principal.agency_id
