"""Closed days offer no slots: national holidays and cuti bersama (when the MPP observes the
national calendar) and the MPP's own closed days (DOMAIN.md, working days)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

API = "/api/v1/booking"
# Monday 16 March 2026, 08:00 WIB: the week of Nyepi and Idul Fitri 1447 H.
MONDAY_BEFORE_LEBARAN = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_holidays_cuti_bersama_and_the_mpps_own_closed_days_have_no_slots(stack, agency, at):
    service = await stack.add_service(agency)
    at(MONDAY_BEFORE_LEBARAN)
    await stack.change_settings(observe_national_holidays=True, closed_days=["2026-03-26"])
    try:
        answer = await stack.availability(service, **{"from": "2026-03-16", "to": "2026-03-27"})
        days_with_slots = sorted({s["start"][:10] for s in answer["slots"]})
        closed = {c["date"]: c["reason"] for c in answer["closed_days"]}
        assert closed == {
            "2026-03-18": "Cuti Bersama Hari Suci Nyepi",
            "2026-03-19": "Hari Suci Nyepi",
            "2026-03-20": "Cuti Bersama Hari Raya Idul Fitri",
            "2026-03-21": "Hari Raya Idul Fitri",
            "2026-03-22": "Hari kedua dari Hari Raya Idul Fitri",
            "2026-03-23": "Cuti Bersama Hari Raya Idul Fitri",
            "2026-03-24": "Cuti Bersama Hari Raya Idul Fitri",
            "2026-03-26": "Hari libur MPP",
        }
        assert days_with_slots == ["2026-03-16", "2026-03-17", "2026-03-25", "2026-03-27"]

        before = await stack.state()
        nyepi = datetime(2026, 3, 19, 9, 0, tzinfo=stack.slot().tzinfo)
        refused = await stack.book(service, nyepi)
        assert refused.status_code == 422
        assert refused.json()["type"] == "/problems/closed-day"
        assert "Hari Suci Nyepi" in refused.json()["detail"]
        assert await stack.state() == before

        # An MPP that works through the national calendar offers those days (issue 3).
        await stack.change_settings(observe_national_holidays=False)
        open_again = await stack.availability(service, **{"from": "2026-03-19", "to": "2026-03-19"})
        assert len(open_again["slots"]) == 48 and open_again["closed_days"] == []
    finally:
        await stack.change_settings(observe_national_holidays=False, closed_days=[])
    assert date(2026, 3, 19).weekday() == 3  # a Thursday: only the calendar closes it
