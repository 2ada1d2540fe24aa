"""Tokens and capabilities, without I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mpp_kit.auth import (
    Principal,
    Role,
    TokenKeys,
    api_key_matches,
    api_key_prefix,
    hash_api_key,
    new_api_key,
    require_agency,
)
from mpp_kit.problems import Problem
from mpp_kit.settings import KitSettings

KEYS = TokenKeys(KitSettings(jwt_secret="first-secret-of-at-least-32-bytes!"))
OFFICER = Principal("u1", "dukcapil.officer1", frozenset({Role.OFFICER}), "dukcapil")


def test_issued_token_verifies_to_the_same_principal():
    assert KEYS.verify(KEYS.issue(OFFICER, timedelta(minutes=5))) == OFFICER


def test_expired_token_is_refused():
    token = KEYS.issue(OFFICER, timedelta(seconds=-1))
    with pytest.raises(Problem) as refused:
        KEYS.verify(token)
    assert refused.value.status == 401


def test_token_signed_with_another_secret_is_refused():
    other = TokenKeys(KitSettings(jwt_secret="other-secret-of-at-least-32-bytes!"))
    with pytest.raises(Problem):
        KEYS.verify(other.issue(OFFICER, timedelta(minutes=5)))


def test_officer_cannot_act_for_another_agency_but_mpp_admin_can():
    with pytest.raises(Problem) as refused:
        require_agency(OFFICER, "samsat", Role.OFFICER)
    assert refused.value.status == 403
    require_agency(OFFICER, "dukcapil", Role.OFFICER)
    admin = Principal("u0", "admin", frozenset({Role.MPP_ADMIN}), None)
    require_agency(admin, "samsat", Role.AGENCY_ADMIN)


def test_capability_token_names_one_subject():
    token = KEYS.sign_capability("ticket", "t-1")
    assert KEYS.check_capability("ticket", "t-1", token)
    assert not KEYS.check_capability("ticket", "t-2", token)
    assert not KEYS.check_capability("booking", "t-1", token)
    assert not KEYS.check_capability("ticket", "t-1", None)
    other = TokenKeys(KitSettings(jwt_secret="other-secret-of-at-least-32-bytes!"))
    assert not other.check_capability("ticket", "t-1", token)


def test_api_key_is_stored_hashed_and_found_by_prefix():
    key, prefix = new_api_key()
    assert api_key_prefix(key) == prefix
    stored = hash_api_key(key)
    assert key not in stored
    assert api_key_matches(key, stored)
    assert not api_key_matches(key + "x", stored)
    assert api_key_prefix("nonsense") is None


def test_missing_secret_is_a_startup_error():
    with pytest.raises(RuntimeError):
        TokenKeys(KitSettings())
