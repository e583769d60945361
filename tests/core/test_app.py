"""The App: its ASGI entry, start-up, the frozen runtime, and the error answers it gives."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from hornbeam import App, ConfigurationError, JSONResponse, PluginError, Request, Router, TaskQueueFull, hookimpl
from hornbeam.testing import TestClient


def test_the_runtime_is_sealed_and_the_app_cannot_change_once_started() -> None:
    app = App()
    app.add_route("/", lambda request: "ok")
    with pytest.raises(ConfigurationError, match="has not started"):
        app.runtime
    app.freeze()
    with pytest.raises(AttributeError, match="the runtime is frozen"):
        app.runtime.max_body_size = 1  # type: ignore[misc]
    with pytest.raises(ConfigurationError, match="has started"):
        app.add_middleware(_noop)
    with pytest.raises(ConfigurationError):
        app.add_route("/late", lambda request: "late")


async def _noop(request: Any, call_next: Any) -> Any:
    return await call_next(request)


def test_routes_are_the_frozen_view_with_group_prefixes_tags_and_docs() -> None:
    app = App()
    group = Router("/items", name="items", tags=["items"])

    @group.get("/{item_id:int}", tags=["read"], status=200, metadata={"cache": 60})
    async def get_item(request: Request[None, None], item_id: int) -> dict[str, int]:
        """Fetch one item.

        Answers 404 when it does not exist.
        """
        return {"id": item_id}

    app.include(group)
    # Plugins may add routes of their own (the openapi plugin's document): this one is found by name.
    (route,) = [route for route in app.routes if route.name == "items.get_item"]
    assert (route.path, route.name, route.tags) == ("/items/{item_id:int}", "items.get_item", ("items", "read"))
    assert route.summary == "Fetch one item." and route.description == "Answers 404 when it does not exist."
    assert route.path_params == (("item_id", "int"),) and route.metadata == {"cache": 60}
    assert route.handler_name == "tests.core.test_app:test_routes_are_the_frozen_view_with_group_prefixes_tags_and_docs.<locals>.get_item"


def test_hornbeam_frozen_sees_the_started_app_once() -> None:
    seen: list[tuple[list[str], str, bytes]] = []

    class Watcher:
        hornbeam_plugin_name = "watcher"

        @hookimpl
        def hornbeam_frozen(self, app: App) -> None:
            seen.append(([route.path for route in app.routes], app.url_for("item", n=3), app.json_codec.dumps([1])))

    app = App(plugins=[Watcher()])

    @app.get("/items/{n:int}", name="item")
    async def item(request: Request[None, None], n: int) -> int:
        return n

    app.freeze()
    app.freeze()
    assert len(seen) == 1
    paths, url, encoded = seen[0]
    assert "/items/{n:int}" in paths and url == "/items/3" and encoded == b"[1]"


def test_a_plugin_failing_in_hornbeam_frozen_stops_start_up_naming_it() -> None:
    class Broken:
        hornbeam_plugin_name = "broken"

        @hookimpl
        def hornbeam_frozen(self, app: App) -> None:
            raise RuntimeError("cannot describe the routes")

    app = App(plugins=[Broken()])
    with pytest.raises(PluginError, match="'broken' failed in hook hornbeam_frozen: RuntimeError: cannot describe"):
        app.freeze()
    assert not app.frozen


class TestOverload:
    @pytest.fixture
    def app(self) -> App:
        app = App(settings={"tasks_workers": 1, "tasks_max_queued": 0, "tasks_enqueue_timeout": 0})
        release = asyncio.Event()

        async def block() -> None:
            await release.wait()

        @app.post("/work")
        async def work(request: Request[None, None]) -> dict[str, str]:
            handle = await app.tasks.enqueue(block)
            return {"id": handle.id}

        @app.post("/release")
        async def unblock(request: Request[None, None]) -> None:
            release.set()

        return app

    def test_a_full_queue_is_a_503_problem_with_retry_after_and_one_warning(
        self, app: App, caplog: pytest.LogCaptureFixture
    ) -> None:
        with TestClient(app) as client, caplog.at_level(logging.WARNING, logger="hornbeam"):
            assert client.post("/work").status_code == 200
            answers = [client.post("/work") for _ in range(20)]
            client.post("/release")
        assert {a.status_code for a in answers} == {503}
        assert answers[0].headers["retry-after"] == "1"
        assert answers[0].headers["content-type"] == "application/problem+json"
        assert "task queue is full" in answers[0].json()["detail"]
        records = [r for r in caplog.records if r.name == "hornbeam"]
        assert len(records) == 1 and records[0].levelno == logging.WARNING
        assert records[0].exc_info is None and "answered 503 to POST /work" in records[0].getMessage()

    def test_the_app_may_answer_a_full_queue_itself(self, app: App) -> None:
        app.add_exception_handler(TaskQueueFull, lambda request, exc: JSONResponse({"later": True}, status=429))
        with TestClient(app) as client:
            client.post("/work")
            assert client.post("/work").status_code == 429
            client.post("/release")
