"""Staff log in, are throttled after failures, and are locked out once disabled."""

from __future__ import annotations

import jwt

from mpp_gateway.login_throttle import LOGIN_FAILURES
from mpp_kit.auth import Role, TokenKeys

PROBLEM = "application/problem+json"


async def test_login_returns_a_bearer_jwt_with_the_users_roles_agency_and_expiry(gateway, staff):
    async with gateway(token_lifetime_minutes=30) as client:
        await staff.create(client, "dukcapil.loket1", "officer", agency_id="dukcapil")
        response = await client.post(
            "/api/v1/auth/token", json={"username": "Dukcapil.Loket1", "password": staff.password}
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 30 * 60
        settings = client.app.state.settings
        principal = TokenKeys(settings).verify(body["access_token"])
        assert principal.user_id == "dukcapil.loket1"
        assert principal.roles == {Role.OFFICER}
        assert principal.agency_id == "dukcapil"
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 30 * 60
        assert claims["iss"] == settings.jwt_issuer

        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["username"] == "dukcapil.loket1"
        assert "password_hash" not in me.json()


async def test_oauth2_form_login_works_for_the_docs_authorize_button(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "admin", "mpp_admin")
        response = await client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": "admin", "password": staff.password},
        )
    assert response.status_code == 200
    assert response.json()["access_token"]


async def test_unknown_user_and_wrong_password_get_the_same_answer(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "admin", "mpp_admin")
        wrong = await client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": "not the password"}
        )
        unknown = await client.post(
            "/api/v1/auth/token", json={"username": "nobody", "password": "not the password"}
        )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == unknown.headers["content-type"] == PROBLEM
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_login_is_throttled_after_five_failures_even_with_the_right_password(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "admin", "mpp_admin")
        for _ in range(5):
            failed = await client.post(
                "/api/v1/auth/token", json={"username": "admin", "password": "guess-guess"}
            )
            assert failed.status_code == 401
        throttled = await client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": staff.password}
        )
        assert throttled.status_code == 429
        assert throttled.headers["content-type"] == PROBLEM
        assert 0 < int(throttled.headers["retry-after"]) <= 900
        # Kept in the store, so every gateway replica refuses alike.
        failures = client.app.state.runtime.db[LOGIN_FAILURES]
        assert await failures.count_documents({"username": "admin"}) == 5


async def test_login_is_throttled_per_client_address_across_usernames(gateway, staff):
    async with gateway(login_max_failures_per_ip=3) as client:
        await staff.create(client, "admin", "mpp_admin")
        for name in ("a-one", "a-two", "a-three"):
            failed = await client.post(
                "/api/v1/auth/token", json={"username": name, "password": "guess-guess"}
            )
            assert failed.status_code == 401
        throttled = await client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": staff.password}
        )
    assert throttled.status_code == 429
    assert "retry-after" in throttled.headers


async def test_a_second_gateway_replica_sees_the_same_failures(gateway, staff):
    async with gateway() as replica_a, gateway() as replica_b:
        await staff.create(replica_a, "admin", "mpp_admin")
        for _ in range(5):
            await replica_a.post(
                "/api/v1/auth/token", json={"username": "admin", "password": "guess-guess"}
            )
        on_b = await replica_b.post(
            "/api/v1/auth/token", json={"username": "admin", "password": staff.password}
        )
    assert on_b.status_code == 429


async def test_successful_login_clears_the_users_failures(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "admin", "mpp_admin")
        for _ in range(4):
            await client.post("/api/v1/auth/token", json={"username": "admin", "password": "x"})
        await staff.log_in(client, "admin")
        for _ in range(4):
            await client.post("/api/v1/auth/token", json={"username": "admin", "password": "x"})
        assert (await staff.log_in(client, "admin"))["Authorization"]


async def test_disabled_user_cannot_log_in_and_their_token_stops_working(gateway, staff):
    async with gateway() as client:
        admin = await staff.admin(client)
        await staff.create(client, "samsat.loket2", "officer", agency_id="samsat")
        officer = await staff.log_in(client, "samsat.loket2")
        disabled = await client.patch(
            "/api/v1/users/samsat.loket2", json={"disabled": True}, headers=admin
        )
        assert disabled.status_code == 200
        assert disabled.json()["disabled"] is True

        login = await client.post(
            "/api/v1/auth/token", json={"username": "samsat.loket2", "password": staff.password}
        )
        assert login.status_code == 403
        assert login.headers["content-type"] == PROBLEM
        me = await client.get("/api/v1/auth/me", headers=officer)
        assert me.status_code == 401


async def test_login_without_credentials_names_the_missing_fields(gateway):
    async with gateway() as client:
        response = await client.post("/api/v1/auth/token", json={"username": "admin"})
        malformed = await client.post(
            "/api/v1/auth/token", content=b"{oops", headers={"content-type": "application/json"}
        )
        wrong_type = await client.post(
            "/api/v1/auth/token", content=b"x", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["password"]
    assert malformed.status_code == 422
    assert wrong_type.status_code == 415


async def test_me_without_a_token_is_401(gateway):
    async with gateway() as client:
        response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_staff_change_their_own_password_with_the_current_one(gateway, staff):
    async with gateway() as client:
        await staff.create(client, "dukcapil.loket1", "officer", agency_id="dukcapil")
        me = await staff.log_in(client, "dukcapil.loket1")
        wrong = await client.post(
            "/api/v1/auth/password",
            json={"current_password": "not it at all", "new_password": "a-new-long-secret"},
            headers=me,
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        short = await client.post(
            "/api/v1/auth/password",
            json={"current_password": staff.password, "new_password": "short"},
            headers=me,
        )
        assert short.status_code == 422
        assert short.json()["errors"][0]["field"] == "new_password"
        changed = await client.post(
            "/api/v1/auth/password",
            json={"current_password": staff.password, "new_password": "a-new-long-secret"},
            headers=me,
        )
        assert changed.status_code == 204
        assert await staff.log_in(client, "dukcapil.loket1", "a-new-long-secret")
        old = await client.post(
            "/api/v1/auth/token", json={"username": "dukcapil.loket1", "password": staff.password}
        )
        assert old.status_code == 401
