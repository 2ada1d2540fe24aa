"""Call order (DOMAIN.md, Queue): priority classes, then booked visitors, then walk-ins; first
come, first called within a class; a transferred ticket keeps its original arrival."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mpp_queue.domain.priority import (
    BY_CODE,
    CALL_CLASS_RANK,
    PRIORITY_CLASSES,
    call_class,
    call_order_key,
    initial_priority_status,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class Waiting:
    id: str
    klass: str
    arrived_at: datetime
    transferred: bool = False

    @property
    def key(self) -> tuple[int, datetime, str]:
        return call_order_key(self.klass, self.arrived_at, self.id)  # type: ignore[arg-type]


def test_the_priority_classes_are_the_groups_of_uu_25_2009_pasal_29():
    assert [c.code for c in PRIORITY_CLASSES] == [
        "regular",
        "disability",
        "elderly",
        "pregnant",
        "with_small_children",
    ]
    assert BY_CODE["elderly"].label == "Lanjut usia"


def test_a_priority_claim_puts_a_ticket_in_the_priority_class_until_it_is_removed():
    assert call_class(initial_priority_status("pregnant"), booked=False) == "priority"
    assert call_class("confirmed", booked=True) == "priority"
    assert call_class("removed", booked=False) == "walk_in"
    assert call_class("removed", booked=True) == "booked"
    assert call_class(initial_priority_status("regular"), booked=True) == "booked"
    assert call_class("none", booked=False) == "walk_in"


def test_a_service_without_priority_treatment_calls_claims_in_their_ordinary_line():
    assert call_class("claimed", booked=False, priority_offered=False) == "walk_in"
    assert call_class("claimed", booked=True, priority_offered=False) == "booked"


def test_ranks_put_priority_before_booked_before_walk_in():
    assert CALL_CLASS_RANK["priority"] < CALL_CLASS_RANK["booked"] < CALL_CLASS_RANK["walk_in"]


tickets = st.lists(
    st.tuples(
        st.sampled_from(["priority", "booked", "walk_in"]),
        st.integers(min_value=0, max_value=10_000),  # arrival, seconds after opening
        st.booleans(),  # came by transfer: entered later, but keeps its arrival
    ),
    min_size=1,
    max_size=40,
)


@given(tickets)
def test_calling_repeatedly_follows_class_then_arrival(drawn):
    waiting = [
        Waiting(f"t{i:03d}", klass, T0 + timedelta(seconds=s), transferred)
        for i, (klass, s, transferred) in enumerate(drawn)
    ]
    called = []
    while waiting:
        chosen = min(waiting, key=lambda t: t.key)
        waiting.remove(chosen)
        # Nobody still waiting should have been called before the chosen one.
        for other in waiting:
            assert CALL_CLASS_RANK[other.klass] >= CALL_CLASS_RANK[chosen.klass]  # type: ignore[index]
            if other.klass == chosen.klass:
                assert other.arrived_at >= chosen.arrived_at
        called.append(chosen)
    ranks = [CALL_CLASS_RANK[t.klass] for t in called]  # type: ignore[index]
    assert ranks == sorted(ranks)


@given(tickets, st.integers(min_value=0, max_value=10_000))
def test_a_transferred_ticket_goes_before_walk_ins_who_arrived_after_its_first_arrival(
    drawn, arrival
):
    transferred = Waiting("moved", "walk_in", T0 + timedelta(seconds=arrival), transferred=True)
    others = [
        Waiting(f"t{i:03d}", "walk_in", T0 + timedelta(seconds=s))
        for i, (_, s, _) in enumerate(drawn)
    ]
    order = sorted([transferred, *others], key=lambda t: t.key)
    place = order.index(transferred)
    assert all(t.arrived_at <= transferred.arrived_at for t in order[:place])
    assert all(t.arrived_at >= transferred.arrived_at for t in order[place + 1 :])
