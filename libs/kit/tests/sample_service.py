"""A tiny service built only from the kit, used by the kit's tests."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from mpp_kit import idempotency
from mpp_kit.auth import CurrentPrincipal, Role, require_agency
from mpp_kit.consumer import Delivery
from mpp_kit.events import EventType
from mpp_kit.http import create_app
from mpp_kit.mongo import Session, ensure_collection
from mpp_kit.problems import conflict
from mpp_kit.runtime import ServiceRuntime
from mpp_kit.settings import KitSettings


class ThingCreated(BaseModel):
    thing_id: str
    group: str
    seq: int = 0


class ThingCounted(BaseModel):
    group: str
    total: int


THING_CREATED = EventType("sample", "thing-created", ThingCreated, key=lambda p: p.group)
THING_COUNTED = EventType("sample", "thing-counted", ThingCounted, key=lambda p: p.group)


class NewThing(BaseModel):
    thing_id: str = Field(min_length=1, max_length=20)
    group: str = Field(pattern=r"^[a-z]+$")
    seq: int = Field(default=0, ge=0)


class SampleService:
    """The runtime and app, plus what the tests observe: handled event ids, a gate for handlers."""

    def __init__(self, settings: KitSettings, *, consume: bool = False) -> None:
        self.runtime = runtime = ServiceRuntime(settings, publishes=[THING_CREATED, THING_COUNTED])
        self.handled: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.app = create_app(settings, title="sample", routers=[_routes(self)], runtime=runtime)

        @runtime.on_startup
        async def create_collections() -> None:
            for name in ("things", "counts"):
                await ensure_collection(runtime.db, name)

        if consume:

            @runtime.on(THING_CREATED)
            async def count_thing(delivery: Delivery[ThingCreated]) -> None:
                if delivery.payload.thing_id.startswith("slow"):
                    await self.gate.wait()
                if delivery.payload.thing_id.startswith("poison"):
                    raise ValueError("cannot handle poison")
                await runtime.db.counts.update_one(
                    {"_id": delivery.payload.group},
                    {"$inc": {"total": 1}},
                    upsert=True,
                    session=delivery.session,
                )
                self.handled.append(delivery.envelope.id)


def _routes(service: SampleService) -> APIRouter:
    runtime = service.runtime
    router = APIRouter()

    @router.post("/things", status_code=201)
    async def create_thing(
        body: NewThing, idempotency_key: Annotated[str | None, Header()] = None
    ) -> dict[str, object]:
        async def work(session: Session) -> dict[str, object]:
            if await runtime.db.things.find_one({"_id": body.thing_id}, session=session):
                raise conflict(f"thing {body.thing_id} exists")
            await runtime.db.things.insert_one(
                {"_id": body.thing_id, "group": body.group}, session=session
            )
            await runtime.publish(session, THING_CREATED, ThingCreated(**body.model_dump()))
            return {"id": body.thing_id}

        return await idempotency.once(
            runtime.transaction, runtime.db, "things", idempotency_key, body.model_dump(), work
        )

    @router.get("/agencies/{agency_id}/secret")
    async def agency_secret(agency_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        require_agency(principal, agency_id, Role.AGENCY_ADMIN)
        return {"agency_id": agency_id}

    @router.get("/boom")
    async def boom(request: Request) -> None:
        raise RuntimeError("secret internal detail")

    return router


def app_from_env() -> object:
    """For running the sample as a real process: ``uvicorn --factory sample_service:app_from_env``.

    With ``SAMPLE_GATE_CLOSED=1`` handlers of ``slow*`` things wait forever (to be killed mid-flow).
    """
    service = SampleService(KitSettings(), consume=True)
    if os.environ.get("SAMPLE_GATE_CLOSED") == "1":
        service.gate.clear()
    return service.app
