"""The demo seed leaves a queue in use, and a second ``mpp up`` does not fail or add to it."""

from __future__ import annotations

import httpx
import pytest

from mpp_catalog import demo as catalog_demo
from mpp_queue import demo as queue_demo

pytestmark = pytest.mark.asyncio(loop_scope="session")


class PathRouter(httpx.AsyncBaseTransport):
    """Forwards ``/api/v1/<service>/...`` unchanged to that service, as the gateway does."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = {name: httpx.URL(url) for name, url in urls.items()}
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        base = self.urls[request.url.path.split("/")[3]]
        request.url = request.url.copy_with(host=base.host, port=base.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_demo_seed_shows_a_queue_in_use_and_can_run_again(fresh_stack):
    stack = fresh_stack
    router = PathRouter(
        {"catalog": str(stack.catalog.client.base_url), "queue": str(stack.queue.base_url)}
    )
    async with httpx.AsyncClient(
        transport=router, base_url="http://gateway", headers=stack.admin, timeout=60
    ) as api:
        catalog = await catalog_demo.seed(api)
        first = await queue_demo.seed(api, {"catalog": catalog})
        second = await queue_demo.seed(api, {"catalog": catalog})
        board = (await api.get("/api/v1/queue/board")).json()
    agencies = min(len(catalog.agencies), queue_demo.DEMO_AGENCIES)
    assert first["served"] == agencies * queue_demo.SERVED_PER_COUNTER
    assert len(first["tickets"]) == agencies * len(queue_demo.VISITORS)
    assert second["tickets"] == first["tickets"]  # the same tickets, not new ones
    assert second["served"] == 0
    serving = [c for c in board["counters"] if c["now_serving"]]
    assert len(serving) == agencies
    waiting = sum(q["waiting"] for q in board["queues"])
    assert waiting == agencies * (len(queue_demo.VISITORS) - queue_demo.SERVED_PER_COUNTER - 1)
