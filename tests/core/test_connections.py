"""The connection base: what a request and a websocket share reads the same on both."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, Connection, Request, WebSocket, WebSocketDisconnect
from hornbeam.connections import parse_cookies
from hornbeam.testing import TestClient


def describe(connection: Connection) -> dict[str, Any]:
    return {
        "kind": type(connection).__name__,
        "path": connection.path,
        "url": connection.url,
        "host": connection.host,
        "query": connection.query.getlist("tag"),
        "cookies": connection.cookies,
        "header": connection.headers.get("x-thing"),
        "params": connection.path_params,
        "route": connection.route.path if connection.route else None,
        "link": connection.url_for("home", room="red"),
    }


def test_a_request_and_a_websocket_read_their_connection_alike() -> None:
    app = App()
    seen: list[dict[str, Any]] = []

    @app.get("/rooms/{room}", name="home")
    async def home(request: Request[None, None], room: str) -> dict[str, Any]:
        request.state.marker = "set"
        return {**describe(request), "state": request.state.marker}

    @app.websocket("/rooms/{room}")
    async def socket(ws: WebSocket, room: str) -> None:
        await ws.accept()
        ws.state.marker = "set"
        seen.append({**describe(ws), "state": ws.state.marker})
        await ws.close()

    client = TestClient(app)
    headers = {"x-thing": "1", "cookie": "a=1; b=2"}
    answer = client.get("/rooms/blue?tag=x&tag=y", headers=headers).json()
    with client.websocket_connect("/rooms/blue?tag=x&tag=y", headers=headers) as ws:
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
        assert ws.close_code == 1000
    (socket_view,) = seen
    assert answer.pop("kind") == "Request" and socket_view.pop("kind") == "WebSocket"
    assert answer.pop("url").startswith("http://") and socket_view.pop("url").startswith("ws://")
    assert answer == socket_view == {
        "path": "/rooms/blue", "host": "testserver", "query": ["x", "y"], "cookies": {"a": "1", "b": "2"},
        "header": "1", "params": {"room": "blue"}, "route": "/rooms/{room}", "link": "/rooms/red", "state": "set",
    }  # fmt: skip


def test_cookies_are_parsed_leniently_first_value_winning() -> None:
    assert parse_cookies('a=1; junk; b="quoted"; a=2; =x; c=') == {"a": "1", "b": "quoted", "c": ""}
