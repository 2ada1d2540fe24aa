"""Every service's edges: problem documents, request ids, metrics, health and readiness."""

from __future__ import annotations

import asyncio

from mpp_testing import running_app, staff_token

from mpp_kit.auth import Role

PROBLEM = "application/problem+json"


async def test_invalid_body_names_each_bad_field_and_writes_nothing(sample):
    service = sample()
    async with running_app(service.app) as client:
        response = await client.post("/things", json={"thing_id": "", "group": "UPPER", "seq": -1})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == 422
        assert {e["field"] for e in problem["errors"]} == {"thing_id", "group", "seq"}
        assert "thing_id" in problem["detail"]
        assert await service.runtime.db.things.count_documents({}) == 0
        assert await service.runtime.db.outbox.count_documents({}) == 0


async def test_malformed_json_is_a_problem_document(sample):
    async with running_app(sample().app) as client:
        response = await client.post(
            "/things", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_conflict_is_409_and_the_first_write_stands(sample):
    service = sample()
    async with running_app(service.app) as client:
        assert (
            await client.post("/things", json={"thing_id": "a", "group": "g"})
        ).status_code == 201
        again = await client.post("/things", json={"thing_id": "a", "group": "g"})
        assert again.status_code == 409
        assert again.json()["detail"] == "thing a exists"
        assert await service.runtime.db.outbox.count_documents({}) == 1


async def test_unknown_route_wrong_method_and_oversized_body_are_problem_documents(sample):
    async with running_app(sample(max_body_bytes=2048).app) as client:
        missing = await client.get("/nowhere")
        wrong_method = await client.delete("/things")
        oversized = await client.post(
            "/things", content=b"x" * 5000, headers={"content-type": "application/json"}
        )
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert "/nowhere" in missing.json()["detail"]
    assert (wrong_method.status_code, wrong_method.headers["content-type"]) == (405, PROBLEM)
    assert (oversized.status_code, oversized.headers["content-type"]) == (413, PROBLEM)


async def test_chunked_oversized_body_is_refused(sample):
    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    async with running_app(sample(max_body_bytes=2048).app) as client:
        response = await client.post(
            "/things", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_unexpected_error_is_500_problem_without_internals(sample):
    async with running_app(sample().app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["request_id"] == "trace-me"


async def test_request_id_and_traceparent_are_echoed(sample):
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with running_app(sample().app) as client:
        response = await client.get(
            "/healthz", headers={"X-Request-ID": "abc-1", "traceparent": incoming}
        )
        fresh = await client.get("/healthz")
    assert response.headers["x-request-id"] == "abc-1"
    trace = response.headers["traceparent"].split("-")
    assert trace[1] == "4bf92f3577b34da6a3ce929d0e0e4736"  # same trace, new span
    assert trace[2] != "00f067aa0ba902b7"
    assert len(fresh.headers["x-request-id"]) == 32


async def test_readiness_reports_store_and_broker(sample):
    async with running_app(sample().app) as client:
        from mpp_testing import eventually

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready)
        body = (await client.get("/readyz")).json()
    assert body["checks"] == {"store": True, "broker": True}


async def test_readiness_fails_when_the_store_is_unreachable(sample):
    from mpp_cli.embedded import free_port

    service = sample(mongo_uri=f"mongodb://127.0.0.1:{free_port()}/?directConnection=true")
    assert await service.runtime.readiness() == {"store": False, "broker": False}


async def test_metrics_count_requests_by_route_template(sample):
    async with running_app(sample().app) as client:
        await client.post("/things", json={"thing_id": "m1", "group": "g"})
        await client.get("/agencies/a1/secret")
        text = (await client.get("/metrics")).text
    assert 'http_requests_total{method="POST",route="/things",status="201"}' in text
    assert 'route="/agencies/{agency_id}/secret"' in text
    assert "/agencies/a1/secret" not in text
    assert "http_request_duration_seconds_bucket" in text
    assert "outbox_backlog" in text


async def test_idempotency_key_returns_the_first_answer_and_creates_once(sample):
    service = sample()
    headers = {"Idempotency-Key": "tap-1"}
    async with running_app(service.app) as client:
        answers = await asyncio.gather(
            *[
                client.post("/things", json={"thing_id": "once", "group": "g"}, headers=headers)
                for _ in range(5)
            ]
        )
        reused = await client.post(
            "/things", json={"thing_id": "other", "group": "g"}, headers=headers
        )
        assert await service.runtime.db.things.count_documents({}) == 1
        assert await service.runtime.db.outbox.count_documents({}) == 1
    assert {a.status_code for a in answers} == {201}
    assert {a.json()["id"] for a in answers} == {"once"}
    assert reused.status_code == 422


async def test_agency_guard_refuses_other_agencies_and_missing_tokens(sample):
    service = sample()
    settings = service.runtime.settings
    async with running_app(service.app) as client:
        own = await client.get(
            "/agencies/a1/secret", headers=staff_token(settings, Role.AGENCY_ADMIN, agency_id="a1")
        )
        other = await client.get(
            "/agencies/a2/secret", headers=staff_token(settings, Role.AGENCY_ADMIN, agency_id="a1")
        )
        officer = await client.get(
            "/agencies/a1/secret", headers=staff_token(settings, Role.OFFICER, agency_id="a1")
        )
        admin = await client.get(
            "/agencies/a2/secret", headers=staff_token(settings, Role.MPP_ADMIN)
        )
        anonymous = await client.get("/agencies/a1/secret")
        forged = await client.get(
            "/agencies/a1/secret", headers={"Authorization": "Bearer not.a.jwt"}
        )
    assert own.status_code == 200
    assert other.status_code == 403 and other.headers["content-type"] == PROBLEM
    assert officer.status_code == 403
    assert admin.status_code == 200
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert forged.status_code == 401
