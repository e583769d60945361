"""Dispatch: scope types, and the router's own answers on the per-request path."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hornbeam import App, NotFound, Request, Response, TextResponse
from hornbeam.testing import TestClient

from ._asgi import run_scope


def test_a_websocket_scope_goes_to_the_websocket_module() -> None:
    # No route and no denial extension: the handshake is refused with a close (tests/core/test_websockets.py has the rest).
    sent = run_scope(App(), {"type": "websocket", "path": "/ws", "headers": []}, [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


def test_a_client_that_leaves_during_the_handshake_is_sent_nothing() -> None:
    sent = run_scope(App(), {"type": "websocket", "path": "/ws", "headers": []}, [{"type": "websocket.disconnect", "code": 1006}])
    assert sent == []


def test_unknown_scope_type_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="cannot serve ASGI scope type 'telepathy'"):
        run_scope(App(), {"type": "telepathy"}, [])


def test_head_is_served_by_get_without_a_body() -> None:
    app = App()
    app.add_route("/", lambda request: "hello")
    response = TestClient(app).head("/")
    assert response.status_code == 200 and response.content == b"" and response.headers["content-length"] == "5"


def test_a_404_handler_may_be_async_and_the_slash_twin_keeps_the_query() -> None:
    app = App()
    app.add_route("/a", lambda request: "a")

    @app.exception_handler(NotFound)
    async def missing(request: Request[Any, Any], exc: NotFound) -> Response:
        await asyncio.sleep(0)
        return TextResponse(f"no {request.path}", status=404)

    client = TestClient(app, follow_redirects=False)
    assert client.get("/nowhere").text == "no /nowhere"
    redirect = client.get("/a/?x=1")
    assert redirect.status_code == 308 and redirect.headers["location"] == "/a?x=1"


def test_a_path_that_is_not_utf8_is_a_400_problem() -> None:
    app = App()
    app.add_route("/{name}", lambda request, name: name)
    response = TestClient(app).get("/%FF")
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


def test_options_and_405_name_the_allowed_methods() -> None:
    app = App()
    app.add_route("/r", lambda request: "r", ["GET", "POST"])
    client = TestClient(app)
    assert client.options("/r").headers["allow"] == "GET, HEAD, OPTIONS, POST"
    refused = client.delete("/r")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_a_client_that_leaves_mid_body_ends_the_exchange_quietly() -> None:
    app = App()

    @app.post("/upload")
    async def upload(request: Request[None, None]) -> str:
        return str(len(await request.body()))

    scope = {"type": "http", "method": "POST", "path": "/upload", "raw_path": b"/upload", "query_string": b"",
             "headers": [(b"content-length", b"10")]}  # fmt: skip
    sent = run_scope(app, scope, [{"type": "http.request", "body": b"12", "more_body": True}, {"type": "http.disconnect"}])
    assert sent == []
