"""Every change is announced with the entity's full state and its next version, keyed by its id."""

from __future__ import annotations

import json

from mpp_testing import EventReader

from mpp_catalog.testing import API, STANDARD
from mpp_kit.contracts.catalog import (
    AGENCY_UPSERTED,
    COUNTER_UPSERTED,
    SERVICE_RETIRED,
    SERVICE_UPSERTED,
    SETTINGS_UPDATED,
    AgencyState,
    CounterState,
    MppSettings,
    ServiceStandard,
    ServiceState,
)


def _payloads(records, event_type, model):
    return [
        (record.key.decode(), model.model_validate_json(record.value))
        for record in records
        if EventReader.header(record, "ce_type") == event_type.ce_type
    ]


async def test_each_change_publishes_full_state_with_a_growing_version(catalog, infra):
    topics = [
        catalog.settings.topic(t.topic)
        for t in (AGENCY_UPSERTED, SERVICE_UPSERTED, SERVICE_RETIRED, COUNTER_UPSERTED)
    ]
    await catalog.connected_to_the_bus()
    async with EventReader(infra.bootstrap, *topics) as reader:
        await catalog.add_agency("dukcapil")
        await catalog.client.patch(
            f"{API}/agencies/dukcapil",
            json={"contact": {"phone": "+62 21 555 0100"}},
            headers=catalog.admin,
        )
        service = await catalog.add_service("dukcapil", "ktp-el", "A")
        await catalog.client.patch(
            f"{API}/services/{service['id']}",
            json={"booking": {"enabled": True, "capacity_per_slot": 4}},
            headers=catalog.admin,
        )
        counter = await catalog.add_counter("dukcapil", 1, [service["id"]])
        await catalog.client.post(f"{API}/services/{service['id']}/retire", headers=catalog.admin)
        records = await reader.read(6)
        await reader.settle(0.5)
    assert len(reader.records) == 6

    agencies = _payloads(records, AGENCY_UPSERTED, AgencyState)
    assert [(key, a.version) for key, a in agencies] == [("dukcapil", 1), ("dukcapil", 2)]
    assert agencies[1][1].contact.phone == "+62 21 555 0100"
    assert agencies[1][1].maklumat is not None  # the full state, not only what changed

    upserted = _payloads(records, SERVICE_UPSERTED, ServiceState)
    assert [(key, s.version) for key, s in upserted] == [(service["id"], 1), (service["id"], 2)]
    assert upserted[0][1].standard == ServiceStandard.model_validate(STANDARD)
    assert upserted[1][1].booking.capacity_per_slot == 4
    assert upserted[1][1].standard == upserted[0][1].standard

    [(key, retired)] = _payloads(records, SERVICE_RETIRED, ServiceState)
    assert (key, retired.status, retired.version) == (service["id"], "retired", 3)
    assert retired.booking.enabled is True

    [(key, loket)] = _payloads(records, COUNTER_UPSERTED, CounterState)
    assert (key, loket.number, loket.service_ids) == (counter["id"], 1, [service["id"]])

    ce = records[0]
    assert EventReader.header(ce, "ce_specversion") == "1.0"
    assert EventReader.header(ce, "ce_source") == "/mpp/catalog"
    assert EventReader.header(ce, "content-type") == "application/json"


async def test_settings_are_announced_at_first_start_and_on_each_change(catalog, infra):
    topic = catalog.settings.topic(SETTINGS_UPDATED.topic)
    await catalog.connected_to_the_bus()
    async with EventReader(infra.bootstrap, topic) as reader:
        await catalog.client.patch(
            f"{API}/settings",
            json={"name": "MPP Kota Uji", "closed_days": ["2026-12-31", "2026-12-30"]},
            headers=catalog.admin,
        )
        records = await reader.read(2)
    first, second = (MppSettings.model_validate_json(r.value) for r in records)
    assert (first.version, first.name) == (1, "Mal Pelayanan Publik")
    assert first.observe_national_holidays is True
    assert (second.version, second.name) == (2, "MPP Kota Uji")
    assert [d.isoformat() for d in second.closed_days] == ["2026-12-30", "2026-12-31"]
    assert {r.key for r in records} == {b"settings"}
    assert json.loads(records[1].value)["opening_hours"]["mon"] == [
        {"open": "08:00", "close": "16:00"}
    ]
