"""The sample's live feed under a real uvicorn: clients of /items/feed hear of every item created, changed or deleted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from .conftest import Server

pytestmark = pytest.mark.e2e


def test_every_feed_client_receives_each_change(sample_server: Server) -> None:
    url = sample_server.url.replace("http://", "ws://") + "/items/feed"

    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        async with httpx.AsyncClient(base_url=sample_server.url, timeout=10) as http:
            async with connect(url) as first, connect(url) as second:
                created = (await http.post("/items", json={"name": "kite", "price": 9.5})).json()
                path = f"/items/{created['id']}"
                await http.patch(path, json={"price": 8})
                await http.put(path, json={"name": "red kite", "price": 8})
                await http.delete(path)
                heard = [[json.loads(await ws.recv()) for _ in range(4)] for ws in (first, second)]
            page = (await http.get("/items/feed")).headers["upgrade"]
        return heard[0], heard[1], page

    first, second, upgrade = asyncio.run(asyncio.wait_for(main(), 20))
    assert first == second
    assert [(m["event"], m["item"]["name"], m["item"]["price"]) for m in first] == [
        ("created", "kite", 9.5),
        ("changed", "kite", 8),
        ("changed", "red kite", 8),
        ("deleted", "red kite", 8),
    ]
    assert upgrade == "websocket"  # plain HTTP to the feed is told to upgrade (426)
