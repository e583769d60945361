"""The ASGI entry point: scope types, lifespan messages, shutdown failures."""

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


def test_websocket_is_closed_politely() -> None:
    sent = run_scope(App(), {"type": "websocket", "path": "/ws"}, [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_unknown_scope_type_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="cannot serve ASGI scope type 'telepathy'"):
        run_scope(App(), {"type": "telepathy"}, [])


def test_lifespan_startup_and_shutdown_complete() -> None:
    events: list[str] = []
    app = App(on_startup=[lambda: events.append("up")], on_shutdown=[lambda: events.append("down")])
    sent = run_scope(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["up", "down"]


def test_lifespan_startup_failure_carries_the_message() -> None:
    def fail() -> None:
        raise RuntimeError("no database")

    sent = run_scope(App(on_startup=[fail]), {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert sent == [{"type": "lifespan.startup.failed", "message": "RuntimeError: no database"}]


def test_configuration_error_fails_startup() -> None:
    app = App()
    app.add_route("/a/{x}", lambda request: "a")
    app.add_route("/a/{y}", lambda request: "b")
    sent = run_scope(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "conflicting routes" in sent[0]["message"]


def test_every_shutdown_step_runs_and_the_first_error_is_reported() -> None:
    events: list[str] = []

    def broken() -> None:
        events.append("broken")
        raise ValueError("close failed")

    async def later() -> None:
        events.append("later")

    app = App(on_shutdown=[broken, later])
    sent = run_scope(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert sent[1] == {"type": "lifespan.shutdown.failed", "message": "ValueError: close failed"}
    assert events == ["broken", "later"]
