"""mpp_admin manages all staff; an agency_admin only its own agency's officers; officers none."""

from __future__ import annotations

from mpp_gateway.users import USERS

PROBLEM = "application/problem+json"


def new_user(username: str, *roles: str, agency_id: str | None = None, **extra):
    return {
        "username": username,
        "password": "a-long-enough-secret",
        "full_name": username.title(),
        "roles": list(roles),
        "agency_id": agency_id,
        **extra,
    }


async def test_mpp_admin_creates_staff_of_any_agency(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        created = await client.post(
            "/api/v1/users",
            json=new_user("dukcapil.admin", "agency_admin", agency_id="dukcapil"),
            headers=admin,
        )
        assert created.status_code == 201
        assert created.headers["location"] == "/api/v1/users/dukcapil.admin"
        body = created.json()
        assert body["roles"] == ["agency_admin"]
        assert body["agency_id"] == "dukcapil"
        assert "password" not in body and "password_hash" not in body
        stored = await client.app.state.runtime.db[USERS].find_one({"_id": "dukcapil.admin"})
        assert stored["password_hash"].startswith("$argon2id$")
        assert await staff.log_in(client, "dukcapil.admin", "a-long-enough-secret")


async def test_agency_admin_creates_officers_of_its_own_agency_only(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "dukcapil.admin", "agency_admin", agency_id="dukcapil")
        agency_admin = await staff.log_in(client, "dukcapil.admin")

        own_officer = await client.post(
            "/api/v1/users",
            json=new_user("dukcapil.loket1", "officer", agency_id="dukcapil"),
            headers=agency_admin,
        )
        assert own_officer.status_code == 201

        refused = {
            "an mpp_admin": new_user("sneaky.root", "mpp_admin"),
            "another agency's officer": new_user("samsat.loket1", "officer", agency_id="samsat"),
            "a fellow agency_admin": new_user(
                "dukcapil.admin2", "agency_admin", agency_id="dukcapil"
            ),
        }
        for what, body in refused.items():
            response = await client.post("/api/v1/users", json=body, headers=agency_admin)
            assert response.status_code == 403, what
            assert response.headers["content-type"] == PROBLEM
        assert await client.app.state.runtime.db[USERS].count_documents({}) == 2


async def test_agency_admin_cannot_touch_another_agencys_staff(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "dukcapil.admin", "agency_admin", agency_id="dukcapil")
        await staff.create(client, "samsat.loket1", "officer", agency_id="samsat")
        agency_admin = await staff.log_in(client, "dukcapil.admin")

        seen = await client.get("/api/v1/users/samsat.loket1", headers=agency_admin)
        changed = await client.patch(
            "/api/v1/users/samsat.loket1", json={"disabled": True}, headers=agency_admin
        )
        reset = await client.post(
            "/api/v1/users/samsat.loket1/password",
            json={"new_password": "taken-over-now"},
            headers=agency_admin,
        )
        listed = await client.get(
            "/api/v1/users", params={"agency_id": "samsat"}, headers=agency_admin
        )
        assert [r.status_code for r in (seen, changed, reset, listed)] == [403] * 4
        stored = await client.app.state.runtime.db[USERS].find_one({"_id": "samsat.loket1"})
        assert stored["disabled"] is False


async def test_agency_admin_cannot_promote_or_move_its_officer(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "dukcapil.admin", "agency_admin", agency_id="dukcapil")
        await staff.create(client, "dukcapil.loket1", "officer", agency_id="dukcapil")
        agency_admin = await staff.log_in(client, "dukcapil.admin")
        promote = await client.patch(
            "/api/v1/users/dukcapil.loket1", json={"roles": ["agency_admin"]}, headers=agency_admin
        )
        move = await client.patch(
            "/api/v1/users/dukcapil.loket1", json={"agency_id": "samsat"}, headers=agency_admin
        )
        rename = await client.patch(
            "/api/v1/users/dukcapil.loket1",
            json={"full_name": "Siti Rahma"},
            headers=agency_admin,
        )
    assert (promote.status_code, move.status_code, rename.status_code) == (403, 403, 200)
    assert rename.json()["full_name"] == "Siti Rahma"


async def test_officer_cannot_list_or_create_users(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "dukcapil.loket1", "officer", agency_id="dukcapil")
        officer = await staff.log_in(client, "dukcapil.loket1")
        listed = await client.get("/api/v1/users", headers=officer)
        created = await client.post(
            "/api/v1/users",
            json=new_user("dukcapil.loket9", "officer", agency_id="dukcapil"),
            headers=officer,
        )
    assert listed.status_code == 403
    assert listed.headers["content-type"] == PROBLEM
    assert created.status_code == 403


async def test_agency_admin_lists_only_its_own_agency_and_pages_follow(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        await staff.create(client, "dukcapil.admin", "agency_admin", agency_id="dukcapil")
        for name in ("dukcapil.a", "dukcapil.b", "dukcapil.c"):
            await staff.create(client, name, "officer", agency_id="dukcapil")
        await staff.create(client, "samsat.a", "officer", agency_id="samsat")
        agency_admin = await staff.log_in(client, "dukcapil.admin")

        first = await client.get("/api/v1/users", params={"limit": 2}, headers=agency_admin)
        assert first.status_code == 200
        page = first.json()
        assert [u["username"] for u in page["items"]] == ["dukcapil.a", "dukcapil.admin"]
        second = await client.get(
            "/api/v1/users",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=agency_admin,
        )
        assert [u["username"] for u in second.json()["items"]] == ["dukcapil.b", "dukcapil.c"]
        assert second.json()["next_cursor"] is None

        everyone = await client.get("/api/v1/users", headers=admin)
        assert len(everyone.json()["items"]) == 6
        officers = await client.get("/api/v1/users", params={"role": "officer"}, headers=admin)
        assert len(officers.json()["items"]) == 4


async def test_duplicate_username_is_409_whatever_its_case(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        body = new_user("dukcapil.loket1", "officer", agency_id="dukcapil")
        assert (await client.post("/api/v1/users", json=body, headers=admin)).status_code == 201
        again = await client.post(
            "/api/v1/users", json={**body, "username": "Dukcapil.Loket1"}, headers=admin
        )
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM


async def test_bad_user_input_is_422_naming_the_field_and_writes_nothing(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        cases = {
            "password": new_user("x.short", "officer", agency_id="dukcapil", password="short"),
            "roles.0": new_user("x.king", "king", agency_id="dukcapil"),
            "agency_id": new_user("x.nowhere", "officer"),
            "username": new_user("x y!", "officer", agency_id="dukcapil"),
            "full_name": {**new_user("x.noname", "officer", agency_id="dukcapil"), "full_name": ""},
        }
        for field, body in cases.items():
            response = await client.post("/api/v1/users", json=body, headers=admin)
            assert response.status_code == 422, field
            assert response.headers["content-type"] == PROBLEM
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
        admin_with_agency = await client.post(
            "/api/v1/users",
            json=new_user("x.root", "mpp_admin", agency_id="dukcapil"),
            headers=admin,
        )
        assert admin_with_agency.status_code == 422
        assert admin_with_agency.json()["errors"][0]["field"] == "agency_id"
        assert await client.app.state.runtime.db[USERS].count_documents({}) == 1


async def test_admin_resets_a_password_and_the_user_logs_in_with_it(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        await staff.create(client, "samsat.loket1", "officer", agency_id="samsat")
        reset = await client.post(
            "/api/v1/users/samsat.loket1/password",
            json={"new_password": "fresh-and-long"},
            headers=admin,
        )
        assert reset.status_code == 204
        assert await staff.log_in(client, "samsat.loket1", "fresh-and-long")


async def test_admin_cannot_disable_or_demote_themselves(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        response = await client.patch("/api/v1/users/admin", json={"disabled": True}, headers=admin)
    assert response.status_code == 409


async def test_mpp_admin_turns_an_officer_into_an_mpp_admin_without_agency(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        await staff.create(client, "dukcapil.loket1", "officer", agency_id="dukcapil")
        keep_agency = await client.patch(
            "/api/v1/users/dukcapil.loket1", json={"roles": ["mpp_admin"]}, headers=admin
        )
        assert keep_agency.status_code == 422
        assert keep_agency.json()["errors"][0]["field"] == "agency_id"
        promoted = await client.patch(
            "/api/v1/users/dukcapil.loket1",
            json={"roles": ["mpp_admin"], "agency_id": None},
            headers=admin,
        )
        assert promoted.status_code == 200
        assert (promoted.json()["roles"], promoted.json()["agency_id"]) == (["mpp_admin"], None)


async def test_unknown_user_is_404(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        response = await client.get("/api/v1/users/nobody", headers=admin)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
