"""The demo seed gives ``mpp up`` bookings for today: one checked in (its ticket is in the queue),
one ready to check in at the kiosk, some later today; a second run adds nothing."""

from __future__ import annotations

import httpx
import pytest
from mpp_testing import eventually

from mpp_booking import demo as booking_demo
from mpp_catalog import demo as catalog_demo

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Gateway(httpx.AsyncBaseTransport):
    """Forwards ``/api/v1/<service>/…`` unchanged, as the gateway does."""

    def __init__(self, routes: dict[str, httpx.AsyncClient]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        client = self.routes[request.url.path.split("/")[3]]
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        forwarded = client.build_request(
            request.method, request.url.raw_path.decode(), headers=headers, content=request.content
        )
        response = await client.send(forwarded)
        await response.aread()
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )


async def test_the_demo_has_bookings_for_today_and_a_check_in_that_made_a_ticket(stack, queue):
    routes = {"catalog": stack.catalog.client, "booking": stack.booking}
    async with httpx.AsyncClient(
        transport=Gateway(routes), base_url="http://gateway", headers=stack.admin, timeout=30
    ) as api:
        catalog = await catalog_demo.seed(api)
        seeded = await booking_demo.seed(api, {"catalog": catalog})
        again = await booking_demo.seed(api, {"catalog": catalog})

    bookings = seeded["bookings"]
    assert len(bookings) >= 3
    assert again["bookings"] == []
    checked_in = [b for b in bookings if b["status"] == "checked_in"]
    assert len(checked_in) == 1
    assert seeded["check_in_now"] in {b["code"] for b in bookings if b["status"] == "confirmed"}
    doc = await stack.db.bookings.find_one({"code": checked_in[0]["code"]})
    assert doc["name"].endswith("(demo)") and doc["email"].endswith(".example")
    tickets = queue.state.store.tickets
    await eventually(lambda: tickets.find_one({"booking_id": doc["_id"]}), timeout=30)
    ready = await stack.booking.post(f"/api/v1/booking/bookings/{seeded['check_in_now']}/check-in")
    assert ready.status_code == 200, ready.text
