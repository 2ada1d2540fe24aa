"""Staff log in (username + password → JWT), see themselves, change their own password."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from mpp_gateway.active_staff import ActiveUser
from mpp_gateway.login_throttle import LoginThrottle
from mpp_gateway.passwords import hash_password, needs_rehash, password_matches
from mpp_gateway.rate_limit import client_ip
from mpp_gateway.settings import GatewaySettings
from mpp_gateway.user_models import PasswordChange, UserOut
from mpp_gateway.user_policy import PASSWORD_MAX_LENGTH, normalise_username
from mpp_gateway.users import find_user, principal_of, public_view, set_password, update_user
from mpp_kit.auth import token_keys
from mpp_kit.mongo import Database
from mpp_kit.problems import Problem, forbidden, invalid_field, too_many_requests, unauthorized


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


_LOGIN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": LoginRequest.model_json_schema()},
        # What the OAuth2 password flow of Swagger UI's "Authorize" sends.
        "application/x-www-form-urlencoded": {"schema": LoginRequest.model_json_schema()},
    },
}
_WRONG = "Wrong username or password."


async def read_login(request: Request) -> LoginRequest:
    """The credentials, from JSON or from an OAuth2 password form."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        if media_type == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            return LoginRequest.model_validate(form)
        if media_type in ("", "application/json"):
            return LoginRequest.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_context=False)]
        ) from exc
    raise Problem(
        415,
        "Unsupported media type",
        "Send the credentials as JSON or as application/x-www-form-urlencoded.",
    )


def auth_router(settings: GatewaySettings, db: Database, throttle: LoginThrottle) -> APIRouter:
    router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
    lifetime = timedelta(minutes=settings.token_lifetime_minutes)

    @router.post("/token", response_model=TokenResponse, openapi_extra={"requestBody": _LOGIN_BODY})
    async def log_in(request: Request, response: Response) -> TokenResponse:
        """Exchange a staff username and password for a bearer token."""
        login = await read_login(request)
        username, ip = normalise_username(login.username), client_ip(request)
        wait = await throttle.retry_after(username, ip)
        if wait is not None:
            raise too_many_requests(wait)
        user = await find_user(db, username)
        stored = user["password_hash"] if user is not None else None
        if user is None or not await password_matches(stored, login.password):
            await throttle.record_failure(username, ip)
            raise unauthorized(_WRONG)
        if user.get("disabled", False):
            raise forbidden("This account is disabled; ask your administrator.")
        await throttle.forget_user(username)
        if needs_rehash(user["password_hash"]):
            await update_user(db, username, {"password_hash": await hash_password(login.password)})
        token = token_keys(request).issue(principal_of(user), lifetime)
        response.headers["Cache-Control"] = "no-store"
        return TokenResponse(access_token=token, expires_in=int(lifetime.total_seconds()))

    @router.get("/me", response_model=UserOut)
    async def who_am_i(user: ActiveUser) -> dict[str, object]:
        """The logged-in staff member; refused once the account is disabled."""
        return public_view(user)

    @router.post("/password", status_code=204)
    async def change_own_password(
        request: Request, change: PasswordChange, user: ActiveUser
    ) -> Response:
        """Change one's own password; the current one must be given."""
        username, ip = user["_id"], client_ip(request)
        wait = await throttle.retry_after(username, ip)
        if wait is not None:
            raise too_many_requests(wait)
        if not await password_matches(user["password_hash"], change.current_password):
            await throttle.record_failure(username, ip)
            raise invalid_field("current_password", "is not your current password")
        if change.new_password == change.current_password:
            raise invalid_field("new_password", "must differ from the current password")
        await set_password(db, username, change.new_password, "new_password")
        return Response(status_code=204)

    return router
