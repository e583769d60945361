"""Request targets that are not absolute paths: uvicorn's h11 passes them on, and they must route nowhere."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hornbeam import App


def run_scope(app: App, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize("target", ["*", "items", "items/"])
def test_a_target_that_is_not_an_absolute_path_is_a_404_not_a_redirect(target: str) -> None:
    # uvicorn hands 'OPTIONS *' and 'GET items' over as they are; a slash twin of '*' is '*/'.
    app = App()
    app.add_route("/", lambda request: "root")
    app.add_route("/items/", lambda request: "items")
    scope = {"type": "http", "method": "GET", "path": target, "raw_path": target.encode(), "query_string": b"", "headers": []}
    sent = run_scope(app, scope, [{"type": "http.request", "body": b""}])
    assert sent[0]["status"] == 404
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"


def test_a_relative_target_is_not_routed_like_the_absolute_path() -> None:
    # 'GET x/admin' dropped its first segment and reached the '/admin' route.
    app = App()
    app.add_route("/admin", lambda request: "secret")
    scope = {"type": "http", "method": "GET", "path": "x/admin", "raw_path": b"x/admin", "query_string": b"", "headers": []}
    sent = run_scope(app, scope, [{"type": "http.request", "body": b""}])
    assert sent[0]["status"] == 404
    scope = {**scope, "path": "x/admin", "raw_path": b"x/%61dmin"}
    assert run_scope(app, scope, [{"type": "http.request", "body": b""}])[0]["status"] == 404
