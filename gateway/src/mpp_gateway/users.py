"""Staff users in the gateway's own database, and ``python -m mpp_gateway.users add ...``.

A user document: ``_id`` and ``username`` (both the username, lower case), ``password_hash``
(argon2id), ``full_name``, ``roles``, ``agency_id`` (None for an mpp_admin), ``disabled``,
``created_at``, ``updated_at``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from mpp_gateway.passwords import hash_password
from mpp_gateway.user_policy import (
    USERNAME_PATTERN,
    check_password,
    check_role_assignment,
    normalise_username,
)
from mpp_kit.auth import STAFF_ROLES, Principal, Role
from mpp_kit.clock import utcnow
from mpp_kit.mongo import STORE_UNAVAILABLE, Database, Document, connect, ensure_collection
from mpp_kit.problems import Problem, conflict, invalid_field, not_found

USERS = "users"


async def prepare_users(db: Database) -> None:
    await ensure_collection(db, USERS)
    await db[USERS].create_index([("agency_id", 1), ("_id", 1)])


def public_view(user: Document) -> dict[str, Any]:
    """A user as the API shows it: never the password hash."""
    return {
        "username": user["_id"],
        "full_name": user["full_name"],
        "roles": sorted(user["roles"]),
        "agency_id": user.get("agency_id"),
        "disabled": user.get("disabled", False),
        "created_at": user["created_at"],
        "updated_at": user["updated_at"],
    }


def principal_of(user: Document) -> Principal:
    return Principal(
        user_id=user["_id"],
        username=user["_id"],
        roles=frozenset(Role(r) for r in user["roles"]),
        agency_id=user.get("agency_id"),
    )


async def add_user(
    db: Database,
    username: str,
    password: str,
    roles: Iterable[Role | str],
    agency_id: str | None,
    full_name: str,
) -> dict[str, Any]:
    """Create a staff user (for the API, the CLI and the demo seed); 409 if the name is taken."""
    name = normalise_username(username)
    if not re.match(USERNAME_PATTERN, name):
        raise invalid_field(
            "username", "3-64 characters: letters, digits, '.', '_' or '-', starting alphanumeric"
        )
    try:
        held = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise invalid_field("roles", f"unknown role ({exc})") from exc
    check_role_assignment(held, agency_id)
    check_password(password)
    if not full_name.strip():
        raise invalid_field("full_name", "must not be empty")
    now = utcnow()
    user = {
        "_id": name,
        "username": name,
        "password_hash": await hash_password(password),
        "full_name": full_name.strip(),
        "roles": [str(r) for r in held],
        "agency_id": agency_id,
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await db[USERS].insert_one(user)
    except DuplicateKeyError as exc:
        raise conflict(f"The username {name} is taken.", kind="username-taken") from exc
    return public_view(user)


async def find_user(db: Database, username: str) -> Document | None:
    return await db[USERS].find_one({"_id": normalise_username(username)})


async def get_user(db: Database, username: str) -> Document:
    user = await find_user(db, username)
    if user is None:
        raise not_found("user", normalise_username(username))
    return user


async def list_users(
    db: Database, *, agency_id: str | None, role: str | None, after: str | None, limit: int
) -> list[Document]:
    """Users in username order, from just after ``after``."""
    query: dict[str, Any] = {}
    if agency_id is not None:
        query["agency_id"] = agency_id
    if role is not None:
        query["roles"] = role
    if after is not None:
        query["_id"] = {"$gt": after}
    return await db[USERS].find(query).sort("_id", 1).limit(limit).to_list()


async def update_user(db: Database, username: str, changes: dict[str, Any]) -> Document:
    updated = await db[USERS].find_one_and_update(
        {"_id": normalise_username(username)},
        {"$set": {**changes, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise not_found("user", normalise_username(username))
    return updated


async def set_password(db: Database, username: str, password: str, field: str) -> None:
    check_password(password, field)
    await update_user(db, username, {"password_hash": await hash_password(password)})


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("error: no terminal to ask for the password; use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("error: the passwords differ")
    return first


async def _add_from_env(args: argparse.Namespace, password: str) -> dict[str, Any]:
    from mpp_gateway.settings import GatewaySettings

    settings = GatewaySettings()
    client = connect(settings.mongo_uri)
    try:
        db = client[settings.database_name]
        await prepare_users(db)
        return await add_user(
            db, args.username, password, args.role, args.agency, args.full_name or args.username
        )
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Create a staff user in the database named by the ``MPP_*`` environment."""
    parser = argparse.ArgumentParser(prog="python -m mpp_gateway.users")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create a staff user (e.g. the first mpp_admin)")
    add.add_argument("--username", required=True)
    add.add_argument(
        "--role", action="append", required=True, choices=sorted(str(r) for r in STAFF_ROLES)
    )
    add.add_argument("--agency", default=None, help="the agency id (officers, agency admins)")
    add.add_argument("--full-name", default=None)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    args = parser.parse_args(argv)
    password = _read_password(args.password_stdin)
    try:
        user = asyncio.run(_add_from_env(args, password))
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    except STORE_UNAVAILABLE:
        print("error: the store (MPP_MONGO_URI) is not reachable", file=sys.stderr)
        return 1
    roles = ", ".join(user["roles"])
    agency = f" of {user['agency_id']}" if user["agency_id"] else ""
    print(f"created user {user['username']} ({roles}{agency})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
