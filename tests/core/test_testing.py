"""The in-process test clients: requests, lifespan, and start-up failures."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from hornbeam import App, Request
from hornbeam.testing import AsyncTestClient, LifespanFailed, TestClient


def echo_app(events: list[str] | None = None) -> App:
    log = events if events is not None else []
    app = App(on_startup=[lambda: log.append("startup (constructor)")])

    @app.on_startup
    async def started() -> None:
        log.append("startup")

    @app.on_shutdown
    def stopped() -> None:
        log.append("shutdown")

    @app.get("/echo")
    async def echo(request: Request[Any, Any]) -> dict[str, Any]:
        return {
            "query": request.query.multi_items(),
            "header": request.headers.get("x-test"),
            "cookies": request.cookies,
            "client": list(request.client or ()),
            "url": request.url,
        }

    @app.post("/body")
    async def body(request: Request[Any, Any]) -> dict[str, Any]:
        return {"body": (await request.body()).decode(), "json": request.content_type[0] == "application/json"}

    @app.get("/events")
    async def get_events(request: Request[Any, Any]) -> list[str]:
        return log

    return app


class TestSyncClient:
    def test_without_with_builds_the_app_on_first_request(self) -> None:
        events: list[str] = []
        app = echo_app(events)
        client = TestClient(app)
        try:
            assert not app.frozen
            response = client.get("/echo")
            assert response.status_code == 200
            assert app.frozen
            assert events == []  # no lifespan without `with`
        finally:
            client.close()

    def test_request_parts_pass_through(self) -> None:
        with TestClient(echo_app(), cookies={"c": "3"}) as client:
            response = client.get("/echo", params=[("a", "1"), ("a", "2"), ("b", "x y")], headers={"X-Test": "yes"})
        assert isinstance(response, httpx.Response)
        assert response.json() == {
            "query": [["a", "1"], ["a", "2"], ["b", "x y"]],
            "header": "yes",
            "cookies": {"c": "3"},
            "client": ["testclient", 50000],
            "url": "http://testserver/echo?a=1&a=2&b=x+y",
        }

    def test_base_url(self) -> None:
        with TestClient(echo_app(), base_url="https://api.example.com") as client:
            assert client.get("/echo").json()["url"] == "https://api.example.com/echo"

    def test_lifespan_runs_on_enter_and_exit(self) -> None:
        events: list[str] = []
        app = echo_app(events)
        with TestClient(app) as client:
            assert events == ["startup (constructor)", "startup"]
            assert client.get("/events").json() == ["startup (constructor)", "startup"]
        assert events == ["startup (constructor)", "startup", "shutdown"]

    def test_client_is_reusable_after_with(self) -> None:
        events: list[str] = []
        app = echo_app(events)
        with TestClient(app) as client:
            pass
        with TestClient(app) as client:
            assert client.get("/echo").status_code == 200
        assert events.count("startup") == 2 and events.count("shutdown") == 2

    def test_lifespan_context_manager(self) -> None:
        events: list[str] = []

        @asynccontextmanager
        async def lifespan(app: App) -> AsyncIterator[None]:
            events.append("enter")
            app.state.resource = "open"
            yield
            app.state.resource = "closed"
            events.append("exit")

        app = App(lifespan=lifespan, on_startup=[lambda: events.append("startup")], on_shutdown=[lambda: events.append("shutdown")])

        @app.get("/resource")
        async def resource(request: Request[Any, Any]) -> str:
            return str(request.app.state.resource)

        with TestClient(app) as client:
            assert events == ["enter", "startup"]
            assert client.get("/resource").text == "open"
        assert app.state.resource == "closed"
        # Shutdown reverses start-up: handlers first, then the lifespan context.
        assert events == ["enter", "startup", "shutdown", "exit"]

    def test_failing_startup_raises_lifespan_failed(self, caplog: pytest.LogCaptureFixture) -> None:
        app = App()

        @app.on_startup
        def boom() -> None:
            raise RuntimeError("database unreachable")

        with caplog.at_level(logging.CRITICAL, logger="hornbeam"):
            with pytest.raises(LifespanFailed, match="database unreachable") as info:
                with TestClient(app):
                    pytest.fail("the block must not run when start-up fails")
        assert str(info.value) == "RuntimeError: database unreachable"

    def test_failing_lifespan_context_raises_lifespan_failed(self, caplog: pytest.LogCaptureFixture) -> None:
        @asynccontextmanager
        async def lifespan(app: App) -> AsyncIterator[None]:
            raise ValueError("bad config")
            yield  # pragma: no cover

        with caplog.at_level(logging.CRITICAL, logger="hornbeam"):
            with pytest.raises(LifespanFailed, match="ValueError: bad config"):
                with TestClient(App(lifespan=lifespan)):
                    pass

    def test_failing_shutdown_raises_on_exit(self, caplog: pytest.LogCaptureFixture) -> None:
        app = App()
        ran: list[str] = []

        @app.on_shutdown
        def broken() -> None:
            raise RuntimeError("flush failed")

        @app.on_shutdown
        def after() -> None:
            ran.append("after")

        with caplog.at_level(logging.CRITICAL, logger="hornbeam"):
            with pytest.raises(LifespanFailed, match="flush failed"):
                with TestClient(app):
                    pass
        assert ran == ["after"]  # later shutdown steps still ran

    def test_lifespan_failed_is_a_runtime_error(self) -> None:
        assert issubclass(LifespanFailed, RuntimeError)

    def test_post_body(self) -> None:
        """A request body reaches the handler; run in a thread so a hang fails instead of blocking."""
        result: list[httpx.Response] = []
        client = TestClient(echo_app())

        def post() -> None:
            result.append(client.post("/body", json={"a": 1}))

        worker = threading.Thread(target=post, daemon=True)
        worker.start()
        worker.join(2)
        assert not worker.is_alive(), "TestClient hung while the handler read the request body"
        client.close()
        assert result[0].json() == {"body": '{"a":1}', "json": True}

    def test_post_chunked_generator_body(self) -> None:
        result: list[httpx.Response] = []
        client = TestClient(echo_app())

        def parts() -> Any:
            yield b"one,"
            yield b"two"

        def post() -> None:
            result.append(client.post("/body", content=parts()))

        worker = threading.Thread(target=post, daemon=True)
        worker.start()
        worker.join(2)
        assert not worker.is_alive(), "TestClient hung while the handler read the request body"
        client.close()
        assert result[0].json() == {"body": "one,two", "json": False}


class TestAsyncClient:
    def test_requests_and_lifespan(self) -> None:
        events: list[str] = []
        app = echo_app(events)

        async def scenario() -> list[Any]:
            async with AsyncTestClient(app) as client:
                assert events == ["startup (constructor)", "startup"]
                first = await client.get("/echo", params={"q": "1"}, headers={"x-test": "t"})
                second = await client.get("/missing")
                return [first.status_code, first.json(), second.status_code]

        status, data, missing = asyncio.run(asyncio.wait_for(scenario(), 5))
        assert status == 200
        assert data["query"] == [["q", "1"]]
        assert data["header"] == "t"
        assert missing == 404
        assert events == ["startup (constructor)", "startup", "shutdown"]

    def test_concurrent_requests(self) -> None:
        app = App()

        @app.get("/slow/{n:int}")
        async def slow(request: Request[Any, Any], n: int) -> dict[str, int]:
            await asyncio.sleep(0.01)
            return {"n": n}

        async def scenario() -> list[int]:
            async with AsyncTestClient(app) as client:
                responses = await asyncio.gather(*(client.get(f"/slow/{i}") for i in range(10)))
                return [r.json()["n"] for r in responses]

        assert asyncio.run(asyncio.wait_for(scenario(), 5)) == list(range(10))

    def test_failing_startup(self, caplog: pytest.LogCaptureFixture) -> None:
        app = App()

        @app.on_startup
        async def boom() -> None:
            raise RuntimeError("no cache")

        async def scenario() -> None:
            async with AsyncTestClient(app):
                pytest.fail("the block must not run when start-up fails")

        with caplog.at_level(logging.CRITICAL, logger="hornbeam"):
            with pytest.raises(LifespanFailed, match="RuntimeError: no cache"):
                asyncio.run(scenario())

    def test_post_body(self) -> None:
        app = echo_app()

        async def body() -> AsyncIterator[bytes]:
            yield b"streamed "
            yield b"body"

        async def scenario() -> list[Any]:
            async with AsyncTestClient(app) as client:
                plain = await client.post("/body", content=b"plain")
                chunked = await client.post("/body", content=body())
                return [plain.json(), chunked.json()]

        plain, chunked = asyncio.run(asyncio.wait_for(scenario(), 2))
        assert plain == {"body": "plain", "json": False}
        assert chunked == {"body": "streamed body", "json": False}
