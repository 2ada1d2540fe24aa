"""The caller of the gateway's own staff routes, as the users collection knows them now.

A token outlives changes to its user; here a disabled or deleted user is refused and the roles
come from the store, so a demoted administrator loses their powers at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mpp_gateway.users import find_user, principal_of
from mpp_kit.auth import CurrentPrincipal, Principal, Role
from mpp_kit.mongo import Document
from mpp_kit.problems import unauthorized


async def active_user(request: Request, principal: CurrentPrincipal) -> Document:
    if principal.has_any(Role.AGENCY_SYSTEM):
        raise unauthorized("Staff only: log in with a staff account.")
    user = await find_user(request.app.state.runtime.db, principal.user_id)
    if user is None or user.get("disabled", False):
        raise unauthorized("This account is disabled or no longer exists.")
    return user


def active_principal(user: Annotated[Document, Depends(active_user)]) -> Principal:
    return principal_of(user)


ActiveUser = Annotated[Document, Depends(active_user)]
ActiveStaff = Annotated[Principal, Depends(active_principal)]
