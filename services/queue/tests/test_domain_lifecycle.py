"""The ticket's state machine: every step from every state, and why a step is refused."""

from __future__ import annotations

from typing import get_args

import pytest

from mpp_queue.domain.lifecycle import (
    ALLOWED_FROM,
    OUTCOMES,
    Action,
    Status,
    after,
    recall_or_no_show,
    refusal,
)

STATUSES: tuple[Status, ...] = get_args(Status)
ACTIONS: tuple[Action, ...] = get_args(Action)

EXPECTED = {
    ("waiting", "call"): "called",
    ("called", "recall"): "called",
    ("called", "no_show"): "no_show",
    ("called", "start"): "serving",
    ("serving", "finish"): "served",
    ("serving", "transfer"): "transferred",
    ("waiting", "cancel"): "cancelled_by_visitor",
    ("called", "cancel"): "cancelled_by_visitor",
    ("waiting", "remove"): "removed_by_staff",
    ("called", "remove"): "removed_by_staff",
    ("waiting", "reset"): "removed_by_reset",
    ("waiting", "confirm_priority"): "waiting",
    ("called", "confirm_priority"): "called",
    ("serving", "confirm_priority"): "serving",
    ("waiting", "remove_priority"): "waiting",
    ("called", "remove_priority"): "waiting",
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_step_from_every_state_is_allowed_exactly_as_the_machine_says(status, action):
    expected = EXPECTED.get((status, action))
    if expected is None:
        reason = refusal(status, action)
        assert reason is not None and reason.startswith("Cannot ")
        with pytest.raises(ValueError):
            after(status, action)
    else:
        assert refusal(status, action) is None
        assert after(status, action) == expected


def test_outcomes_are_final_and_say_so():
    for status in OUTCOMES:
        for action in ACTIONS:
            assert status not in ALLOWED_FROM[action]
            assert "final" in (refusal(status, action) or "")


def test_refusals_say_what_to_do_instead():
    assert refusal("waiting", "finish") == (
        "Cannot finish a ticket that is still waiting to be called. "
        "Call it and start service first."
    )
    assert refusal("called", "transfer") == (
        "Cannot transfer a ticket that is called but service has not started. Start service first."
    )
    assert refusal("served", "finish") == (
        "Cannot finish a ticket that is already served. Its outcome is final."
    )


def test_only_waiting_tickets_are_reset_at_closing():
    assert [s for s in STATUSES if refusal(s, "reset") is None] == ["waiting"]


@pytest.mark.parametrize(
    ("recalls_done", "limit", "expected"),
    [(0, 2, "recall"), (1, 2, "recall"), (2, 2, "no_show"), (0, 0, "no_show"), (5, 3, "no_show")],
)
def test_past_the_recall_limit_a_recall_makes_the_ticket_a_no_show(recalls_done, limit, expected):
    assert recall_or_no_show(recalls_done, limit) == expected
