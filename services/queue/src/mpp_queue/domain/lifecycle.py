"""A ticket's states and the steps between them, with the reason when a step is not allowed.

    waiting → called → (recalled …) → serving → served | transferred
    called → no_show (marked, or recalled past the MPP's limit)
    waiting | called → cancelled_by_visitor | removed_by_staff;  waiting → removed_by_reset

Outcomes follow Qmatic's set (DOMAIN.md, Queue). An outcome is final: a ticket that moves on to
another service does so as a new ticket (see :mod:`mpp_queue.domain.priority` for its place).
"""

from __future__ import annotations

from typing import Literal

Status = Literal[
    "waiting",
    "called",
    "serving",
    "served",
    "transferred",
    "no_show",
    "cancelled_by_visitor",
    "removed_by_staff",
    "removed_by_reset",
]
Action = Literal[
    "call",
    "recall",
    "no_show",
    "start",
    "finish",
    "transfer",
    "cancel",
    "remove",
    "reset",
    "confirm_priority",
    "remove_priority",
]

OPEN_STATUSES: frozenset[Status] = frozenset({"waiting", "called", "serving"})
# Qmatic's outcomes (DOMAIN.md, Queue): every ticket ends in exactly one of them.
OUTCOMES: frozenset[Status] = frozenset(
    {
        "served",
        "transferred",
        "no_show",
        "cancelled_by_visitor",
        "removed_by_staff",
        "removed_by_reset",
    }
)

# From which states each step may be taken …
ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    "call": frozenset({"waiting"}),
    "recall": frozenset({"called"}),
    "no_show": frozenset({"called"}),
    "start": frozenset({"called"}),
    "finish": frozenset({"serving"}),
    "transfer": frozenset({"serving"}),
    "cancel": frozenset({"waiting", "called"}),
    "remove": frozenset({"waiting", "called"}),
    # Only tickets still waiting at closing are reset (DOMAIN.md, Queue).
    "reset": frozenset({"waiting"}),
    "confirm_priority": frozenset({"waiting", "called", "serving"}),
    # A removed claim sends a called ticket back to the line it is entitled to.
    "remove_priority": frozenset({"waiting", "called"}),
}
# … and where it leads (``None``: the state stays; a recall is a call again).
LEADS_TO: dict[Action, Status | None] = {
    "call": "called",
    "recall": "called",
    "no_show": "no_show",
    "start": "serving",
    "finish": "served",
    "transfer": "transferred",
    "cancel": "cancelled_by_visitor",
    "remove": "removed_by_staff",
    "reset": "removed_by_reset",
    "confirm_priority": None,
    "remove_priority": "waiting",
}

_STATE_PHRASE: dict[Status, str] = {
    "waiting": "still waiting to be called",
    "called": "called but service has not started",
    "serving": "being served",
    "served": "already served",
    "transferred": "already transferred to another service",
    "no_show": "already marked as a no-show",
    "cancelled_by_visitor": "already cancelled by the visitor",
    "removed_by_staff": "already removed by staff",
    "removed_by_reset": "already closed by the closing reset",
}
_ACTION_PHRASE: dict[Action, str] = {
    "call": "call",
    "recall": "recall",
    "no_show": "mark as a no-show",
    "start": "start serving",
    "finish": "finish",
    "transfer": "transfer",
    "cancel": "cancel",
    "remove": "remove",
    "reset": "reset",
    "confirm_priority": "confirm the priority of",
    "remove_priority": "remove the priority of",
}
# What to do instead, where there is an obvious next step.
_HINTS: dict[tuple[Action, Status], str] = {
    ("finish", "waiting"): "Call it and start service first.",
    ("finish", "called"): "Start service first.",
    ("transfer", "waiting"): "Call it and start service first.",
    ("transfer", "called"): "Start service first.",
    ("start", "waiting"): "Call it first.",
    ("recall", "waiting"): "Call it first.",
    ("no_show", "waiting"): "Only a called ticket can be a no-show.",
    ("no_show", "serving"): "The visitor came; finish or transfer it.",
    ("cancel", "serving"): "The visitor is at the counter; finish or transfer it.",
    ("remove", "serving"): "The visitor is at the counter; finish or transfer it.",
    ("remove_priority", "serving"): "Service has already started.",
}


def refusal(status: Status, action: Action) -> str | None:
    """Why ``action`` is not allowed on a ticket in ``status``, or ``None`` if it is."""
    if status in ALLOWED_FROM[action]:
        return None
    detail = f"Cannot {_ACTION_PHRASE[action]} a ticket that is {_STATE_PHRASE[status]}."
    if status in OUTCOMES:
        return f"{detail} Its outcome is final."
    hint = _HINTS.get((action, status))
    return f"{detail} {hint}" if hint else detail


def after(status: Status, action: Action) -> Status:
    """The state after an allowed ``action``."""
    if (why := refusal(status, action)) is not None:
        raise ValueError(why)
    return LEADS_TO[action] or status


def recall_or_no_show(recalls_done: int, recall_limit: int) -> Literal["recall", "no_show"]:
    """A called visitor who does not come may be recalled; past the MPP's recall limit the ticket
    becomes a no-show (DOMAIN.md, Queue)."""
    return "recall" if recalls_done < recall_limit else "no_show"
