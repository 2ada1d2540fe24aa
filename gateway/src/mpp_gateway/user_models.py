"""What the staff-user endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from mpp_gateway.user_policy import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

StaffRole = Literal["officer", "agency_admin", "mpp_admin"]
AgencyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
FullName = Annotated[str, Field(min_length=1, max_length=120)]
NewPassword = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]


class UserOut(BaseModel):
    username: str
    full_name: str
    roles: list[StaffRole]
    agency_id: str | None
    disabled: bool
    created_at: datetime
    updated_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class NewUser(BaseModel):
    username: str = Field(min_length=3, max_length=64, examples=["dukcapil.loket1"])
    password: NewPassword
    full_name: FullName
    roles: list[StaffRole] = Field(min_length=1)
    agency_id: AgencyId | None = None


class UserChanges(BaseModel):
    """Only the fields sent change; ``agency_id: null`` removes the agency (for an mpp_admin)."""

    full_name: FullName | None = None
    roles: list[StaffRole] | None = Field(default=None, min_length=1)
    agency_id: AgencyId | None = None
    disabled: bool | None = None


class PasswordReset(BaseModel):
    new_password: NewPassword


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: NewPassword
