"""The lifespan protocol: start-up and shutdown order, failures, and the task queue's life."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, hookimpl
from hornbeam.testing import LifespanFailed, TestClient

from ._asgi import run_scope


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


def test_the_queue_starts_before_plugin_start_up_and_drains_before_shutdown_code() -> None:
    events: list[str] = []

    class Watcher:
        @hookimpl
        def hornbeam_startup(self, app: App) -> None:
            events.append(f"plugin startup, queue ready: {app.tasks is not None}")

        @hookimpl
        def hornbeam_shutdown(self, app: App) -> None:
            events.append("plugin shutdown")

    app = App(plugins=[Watcher()], on_shutdown=[lambda: events.append("user shutdown")])
    with TestClient(app):
        queue = app.tasks
    assert events == ["plugin startup, queue ready: True", "user shutdown", "plugin shutdown"]
    assert queue is app.tasks  # shut down, kept until the next lifespan


def test_each_lifespan_gets_a_fresh_queue() -> None:
    app = App()
    with TestClient(app):
        first = app.tasks
    with TestClient(app):
        assert app.tasks is not first


def test_a_failed_start_up_shuts_the_queue_down(caplog: pytest.LogCaptureFixture) -> None:
    def fail() -> None:
        raise RuntimeError("no database")

    app = App(on_startup=[fail])
    with pytest.raises(LifespanFailed, match="no database"):
        with TestClient(app):
            pass
    with pytest.raises(Exception, match="while the app's lifespan runs"):
        app.tasks


def test_the_user_lifespan_context_wraps_start_up_handlers() -> None:
    events: list[str] = []

    class Context:
        async def __aenter__(self) -> None:
            events.append("enter")

        async def __aexit__(self, *exc: Any) -> None:
            events.append("exit")

    app = App(lifespan=lambda app: Context(), on_startup=[lambda: events.append("startup")])
    with TestClient(app):
        events.append("serving")
    assert events == ["enter", "startup", "serving", "exit"]
