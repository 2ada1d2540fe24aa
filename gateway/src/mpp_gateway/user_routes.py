"""Managing staff: mpp_admin manages everyone, an agency_admin the officers of its own agency."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from mpp_gateway.active_staff import ActiveStaff
from mpp_gateway.user_models import (
    NewUser,
    PasswordReset,
    StaffRole,
    UserChanges,
    UserOut,
    UserPage,
)
from mpp_gateway.user_policy import (
    check_role_assignment,
    normalise_username,
    require_can_manage,
    require_can_see,
)
from mpp_gateway.users import (
    add_user,
    get_user,
    list_users,
    public_view,
    set_password,
    update_user,
)
from mpp_kit.auth import Principal, Role, require_roles
from mpp_kit.mongo import Database, Document
from mpp_kit.problems import conflict, forbidden, invalid_field


def _roles(user: Document) -> frozenset[Role]:
    return frozenset(Role(r) for r in user["roles"])


def _require_user_manager(actor: Principal) -> None:
    require_roles(actor, Role.MPP_ADMIN, Role.AGENCY_ADMIN)


def users_router(db: Database) -> APIRouter:
    router = APIRouter(prefix="/api/v1/users", tags=["users"])

    @router.get("", response_model=UserPage)
    async def list_staff(
        actor: ActiveStaff,
        agency_id: str | None = None,
        role: StaffRole | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Staff in username order; an agency_admin sees its own agency only."""
        _require_user_manager(actor)
        if not actor.is_mpp_admin:
            if agency_id is not None and agency_id != actor.agency_id:
                raise forbidden("You may only see the staff of your own agency.")
            agency_id = actor.agency_id
        users = await list_users(db, agency_id=agency_id, role=role, after=cursor, limit=limit + 1)
        more = len(users) > limit
        return {
            "items": [public_view(u) for u in users[:limit]],
            "next_cursor": users[limit - 1]["_id"] if more else None,
        }

    @router.post("", status_code=201, response_model=UserOut)
    async def create_staff(body: NewUser, actor: ActiveStaff, response: Response) -> dict[str, Any]:
        """Create a staff account; the username is taken for good (409 if it exists)."""
        _require_user_manager(actor)
        roles = frozenset(Role(r) for r in body.roles)
        require_can_manage(actor, roles, body.agency_id)
        user = await add_user(
            db, body.username, body.password, roles, body.agency_id, body.full_name
        )
        response.headers["Location"] = f"/api/v1/users/{user['username']}"
        return user

    @router.get("/{username}", response_model=UserOut)
    async def show_staff(username: str, actor: ActiveStaff) -> dict[str, Any]:
        _require_user_manager(actor)
        user = await get_user(db, username)
        require_can_see(actor, user.get("agency_id"))
        return public_view(user)

    @router.patch("/{username}", response_model=UserOut)
    async def change_staff(username: str, body: UserChanges, actor: ActiveStaff) -> dict[str, Any]:
        """Change name, roles, agency or the disabled flag; a disabled user cannot log in."""
        _require_user_manager(actor)
        user = await get_user(db, username)
        require_can_manage(actor, _roles(user), user.get("agency_id"))
        changes = _requested_changes(body)
        roles = frozenset(Role(r) for r in changes["roles"]) if "roles" in changes else _roles(user)
        agency_id = changes["agency_id"] if "agency_id" in changes else user.get("agency_id")
        require_can_manage(actor, roles, agency_id)
        check_role_assignment(roles, agency_id)
        if user["_id"] == actor.username and (
            changes.get("disabled") or roles != _roles(user) or agency_id != actor.agency_id
        ):
            raise conflict(
                "You cannot disable yourself or change your own roles; ask another administrator.",
                kind="own-account",
            )
        return public_view(await update_user(db, user["_id"], changes))

    @router.post("/{username}/password", status_code=204)
    async def reset_password(username: str, body: PasswordReset, actor: ActiveStaff) -> Response:
        """Set a new password for someone who forgot theirs."""
        _require_user_manager(actor)
        user = await get_user(db, normalise_username(username))
        require_can_manage(actor, _roles(user), user.get("agency_id"))
        await set_password(db, user["_id"], body.new_password, "new_password")
        return Response(status_code=204)

    return router


def _requested_changes(body: UserChanges) -> dict[str, Any]:
    """The fields the caller sent; only ``agency_id`` may be set to null."""
    changes: dict[str, Any] = {}
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is None and field != "agency_id":
            raise invalid_field(field, "must not be null")
        changes[field] = sorted(set(value)) if field == "roles" else value
    return changes
