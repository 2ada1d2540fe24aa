"""Agency API keys (shown once, stored hashed, verified for the gateway, revocable) and webhook
endpoints (secret shown once, handed in full only to the notify service)."""

from __future__ import annotations

from mpp_catalog.testing import API
from mpp_kit.auth import Role, hash_api_key
from mpp_kit.contracts.catalog import SERVICE_RETIRED, SERVICE_UPSERTED


async def _verify(catalog, key: str):
    return await catalog.client.post("/internal/api-keys/verify", json={"key": key})


async def test_api_key_is_shown_once_stored_hashed_verified_and_revoked(catalog):
    await catalog.add_agency("bapenda")
    admin = catalog.as_(Role.AGENCY_ADMIN, "bapenda")
    created = await catalog.client.post(
        f"{API}/agencies/bapenda/api-keys", json={"name": "Sistem e-Samsat"}, headers=admin
    )
    assert created.status_code == 201
    key = created.json()["key"]
    key_id = created.json()["id"]
    assert key.startswith(f"mppk_{created.json()['prefix']}_")

    stored = await catalog.db.api_keys.find_one({"_id": key_id})
    assert stored["hash"] == hash_api_key(key)
    assert key not in str(stored)
    listed = await catalog.client.get(f"{API}/agencies/bapenda/api-keys", headers=admin)
    [item] = listed.json()["items"]
    assert key not in listed.text and "hash" not in item
    assert (item["name"], item["last_used_at"], item["revoked"]) == ("Sistem e-Samsat", None, False)
    assert item["created_by"] == f"{Role.AGENCY_ADMIN}-bapenda"

    verified = await _verify(catalog, key)
    assert (verified.status_code, verified.json()) == (
        200,
        {"agency_id": "bapenda", "key_id": key_id},
    )
    listed = await catalog.client.get(f"{API}/agencies/bapenda/api-keys", headers=admin)
    assert listed.json()["items"][0]["last_used_at"] is not None

    revoked = await catalog.client.post(
        f"{API}/agencies/bapenda/api-keys/{key_id}/revoke", headers=admin
    )
    assert (revoked.status_code, revoked.json()["revoked"]) == (200, True)
    refused = await _verify(catalog, key)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


async def test_unknown_malformed_and_tampered_keys_are_401(catalog):
    await catalog.add_agency("bapenda")
    created = await catalog.client.post(
        f"{API}/agencies/bapenda/api-keys", json={"name": "x"}, headers=catalog.admin
    )
    key = created.json()["key"]
    for wrong in ("", "bukan-kunci", "mppk_deadbeef_abc", key[:-2] + "zz", key + "x" * 500):
        assert (await _verify(catalog, wrong)).status_code == 401, wrong


async def test_keys_of_a_deactivated_agency_are_refused(catalog):
    await catalog.add_agency("pdam")
    created = await catalog.client.post(
        f"{API}/agencies/pdam/api-keys", json={"name": "billing"}, headers=catalog.admin
    )
    await catalog.client.patch(
        f"{API}/agencies/pdam", json={"active": False}, headers=catalog.admin
    )
    assert (await _verify(catalog, created.json()["key"])).status_code == 401


async def test_revoking_another_agencys_key_through_ones_own_agency_is_404(catalog):
    await catalog.add_agency("bapenda")
    await catalog.add_agency("pdam")
    theirs = await catalog.client.post(
        f"{API}/agencies/pdam/api-keys", json={"name": "x"}, headers=catalog.admin
    )
    response = await catalog.client.post(
        f"{API}/agencies/bapenda/api-keys/{theirs.json()['id']}/revoke",
        headers=catalog.as_(Role.AGENCY_ADMIN, "bapenda"),
    )
    assert response.status_code == 404
    assert (await _verify(catalog, theirs.json()["key"])).status_code == 200


async def test_webhook_secret_is_shown_once_and_given_in_full_only_internally(catalog):
    await catalog.add_agency("dukcapil")
    admin = catalog.as_(Role.AGENCY_ADMIN, "dukcapil")
    created = await catalog.client.post(
        f"{API}/agencies/dukcapil/webhooks",
        json={"url": "https://siak.example.go.id/hook", "event_types": [SERVICE_UPSERTED.ce_type]},
        headers=admin,
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30
    hook_id = created.json()["id"]

    listed = await catalog.client.get(f"{API}/agencies/dukcapil/webhooks", headers=admin)
    one = await catalog.client.get(f"{API}/agencies/dukcapil/webhooks/{hook_id}", headers=admin)
    for text in (listed.text, one.text):
        assert secret not in text
    assert one.json()["secret_hint"] == "…" + secret[-4:]

    internal = await catalog.client.get(
        "/internal/webhooks", params={"event_type": SERVICE_UPSERTED.ce_type}
    )
    [endpoint] = internal.json()["items"]
    assert endpoint == {
        "id": hook_id,
        "agency_id": "dukcapil",
        "url": "https://siak.example.go.id/hook",
        "event_types": [SERVICE_UPSERTED.ce_type],
        "secret": secret,
    }
    other = await catalog.client.get(
        "/internal/webhooks", params={"event_type": SERVICE_RETIRED.ce_type}
    )
    assert other.json()["items"] == []


async def test_webhook_change_rotate_deactivate_and_delete(catalog):
    await catalog.add_agency("dukcapil")
    created = await catalog.client.post(
        f"{API}/agencies/dukcapil/webhooks",
        json={
            "url": "https://a.example/h",
            "event_types": [SERVICE_UPSERTED.ce_type],
            "secret": "rahasia-panjang-sekali-123",
        },
        headers=catalog.admin,
    )
    hook = f"{API}/agencies/dukcapil/webhooks/{created.json()['id']}"
    assert created.json()["secret"] == "rahasia-panjang-sekali-123"
    changed = await catalog.client.patch(
        hook, json={"event_types": [SERVICE_RETIRED.ce_type]}, headers=catalog.admin
    )
    assert changed.json()["event_types"] == [SERVICE_RETIRED.ce_type]
    rotated = await catalog.client.post(f"{hook}/rotate-secret", headers=catalog.admin)
    assert rotated.json()["secret"] != "rahasia-panjang-sekali-123"
    internal = await catalog.client.get("/internal/webhooks")
    assert internal.json()["items"][0]["secret"] == rotated.json()["secret"]

    await catalog.client.patch(hook, json={"active": False}, headers=catalog.admin)
    assert (await catalog.client.get("/internal/webhooks")).json()["items"] == []
    assert (await catalog.client.delete(hook, headers=catalog.admin)).status_code == 204
    assert (await catalog.client.get(hook, headers=catalog.admin)).status_code == 404


async def test_webhook_with_unknown_event_type_or_bad_url_is_422(catalog):
    await catalog.add_agency("dukcapil")
    good = {"url": "https://a.example/h", "event_types": [SERVICE_UPSERTED.ce_type]}
    for body, field in (
        (good | {"event_types": ["id.mpp.nothing.v1"]}, "event_types"),
        (good | {"url": "not a url"}, "url"),
        (good | {"event_types": []}, "event_types"),
        (good | {"secret": "pendek"}, "secret"),
    ):
        response = await catalog.client.post(
            f"{API}/agencies/dukcapil/webhooks", json=body, headers=catalog.admin
        )
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert await catalog.db.webhooks.count_documents({}) == 0


async def test_snapshot_has_everything_a_read_model_needs_with_versions(catalog):
    await catalog.add_agency("dukcapil")
    service = await catalog.add_service("dukcapil", "ktp-el", "A")
    await catalog.client.patch(
        f"{API}/services/{service['id']}", json={"name": "KTP-el"}, headers=catalog.admin
    )
    await catalog.add_counter("dukcapil", 1, [service["id"]])
    snapshot = (await catalog.client.get("/internal/snapshot")).json()
    assert snapshot["settings"]["version"] == 1
    assert [(a["id"], a["version"]) for a in snapshot["agencies"]] == [("dukcapil", 1)]
    [only] = snapshot["services"]
    assert (only["id"], only["version"], only["name"]) == (service["id"], 2, "KTP-el")
    assert "jumlah_pelaksana" in only["standard"] and "search_text" not in only
    assert snapshot["counters"][0]["service_ids"] == [service["id"]]
