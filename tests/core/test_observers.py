"""Observation hooks: compiled into direct calls, every answer seen, failures contained."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from typing import Any

import pytest

from hornbeam import App, NotFound, PluginError, Request, Response, Router, hookimpl
from hornbeam._observers import compile_observer
from hornbeam.testing import AsyncTestClient, TestClient


class Recorder:
    """Records each observation as a tuple."""

    hornbeam_plugin_name = "recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    @hookimpl
    def hornbeam_request_started(self, request: Request[Any, Any]) -> None:
        self.seen.append(("started", request.method, request.path, request.route.path if request.route else None))

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        self.seen.append(("ready", response.status))

    @hookimpl
    def hornbeam_request_failed(self, request: Request[Any, Any], exc: BaseException) -> None:
        self.seen.append(("failed", type(exc).__name__))


def make_app(*plugins: object, **options: Any) -> App:
    app = App(plugins=list(plugins), **options)

    @app.get("/items/{item_id:int}")
    async def item(request: Request[Any, Any], item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/slash/")
    async def slash(request: Request[Any, Any]) -> str:
        return "slash"

    @app.get("/crash")
    async def crash(request: Request[Any, Any]) -> str:
        raise RuntimeError("handler bug")

    @app.get("/gone")
    async def gone(request: Request[Any, Any]) -> str:
        raise NotFound(detail="gone")

    return app


def test_every_answer_is_observed() -> None:
    recorder = Recorder()
    client = TestClient(make_app(recorder), follow_redirects=False)
    assert client.get("/items/3").status_code == 200
    assert client.get("/missing").status_code == 404
    assert client.post("/items/3").status_code == 405
    assert client.options("/items/3").status_code == 204
    assert client.get("/slash").status_code == 308
    assert client.get("/crash").status_code == 500
    assert client.get("/gone").status_code == 404
    assert recorder.seen == [
        ("started", "GET", "/items/3", "/items/{item_id:int}"), ("ready", 200),
        ("started", "GET", "/missing", None), ("ready", 404),
        ("started", "POST", "/items/3", None), ("ready", 405),
        ("started", "OPTIONS", "/items/3", None), ("ready", 204),
        ("started", "GET", "/slash", None), ("ready", 308),
        ("started", "GET", "/crash", "/crash"), ("failed", "RuntimeError"), ("ready", 500),
        ("started", "GET", "/gone", "/gone"), ("failed", "NotFound"), ("ready", 404),
    ]  # fmt: skip


def test_answers_through_middleware_are_observed_too() -> None:
    async def passthrough(request: Request[Any, Any], call_next: Any) -> Response:
        return await call_next(request)  # type: ignore[no-any-return]

    recorder = Recorder()
    app = make_app(recorder, middleware=[passthrough])
    client = TestClient(app)
    assert client.get("/crash").status_code == 500
    assert client.get("/missing").status_code == 404
    assert recorder.seen == [
        ("started", "GET", "/crash", "/crash"), ("failed", "RuntimeError"), ("ready", 500),
        ("started", "GET", "/missing", None), ("ready", 404),
    ]  # fmt: skip


def test_async_observers_are_awaited_and_may_take_some_of_the_arguments() -> None:
    seen: list[str] = []

    class Async:
        @hookimpl
        async def hornbeam_response_ready(self, response: Response) -> None:
            await asyncio.sleep(0)
            seen.append(f"async {response.status}")

    class Sync:
        @hookimpl
        def hornbeam_response_ready(self, request: Request[Any, Any]) -> None:
            seen.append(f"sync {request.path}")

    app = make_app(Async(), Sync())

    async def run() -> None:
        async with AsyncTestClient(app) as client:
            assert (await client.get("/items/1")).status_code == 200

    asyncio.run(run())
    # pluggy's order: the plugin registered last is called first.
    assert seen == ["sync /items/1", "async 200"]


@pytest.mark.parametrize("hook", ["hornbeam_request_started", "hornbeam_response_ready", "hornbeam_request_failed"])
def test_an_observer_that_raises_is_logged_by_name_and_changes_nothing(hook: str, caplog: pytest.LogCaptureFixture) -> None:
    def broken(**kwargs: Any) -> None:
        raise ValueError("observer bug")

    class Broken:
        hornbeam_plugin_name = "broken"

    setattr(Broken, hook, hookimpl(staticmethod(lambda request: broken())))
    client = TestClient(make_app(Broken()))
    with caplog.at_level(logging.ERROR, logger="hornbeam.plugins"):
        assert client.get("/items/2").json() == {"id": 2}
        assert client.get("/crash").status_code == 500
    messages = [r.getMessage() for r in caplog.records if r.name == "hornbeam.plugins"]
    assert messages and all(f"observer {hook} of plugin 'broken' failed" in m for m in messages)


@pytest.mark.parametrize("hook", ["hornbeam_request_started", "hornbeam_response_ready"])
def test_an_async_observer_that_raises_is_contained(hook: str, caplog: pytest.LogCaptureFixture) -> None:
    # One async implementation taking every argument is called as it is; dispatch awaits it inside its try.
    async def started(self: object, request: Request[Any, Any]) -> None:
        await asyncio.sleep(0)
        raise ValueError("async observer bug")

    async def ready(self: object, request: Request[Any, Any], response: Response) -> None:
        await started(self, request)

    Broken = type("Broken", (), {hook: hookimpl(started if hook == "hornbeam_request_started" else ready)})
    app = make_app(Broken())
    app.freeze()
    assert getattr(app.runtime, "on_started" if hook == "hornbeam_request_started" else "on_response").__name__ in ("started", "ready")
    client = TestClient(app)
    with caplog.at_level(logging.ERROR, logger="hornbeam.plugins"):
        assert client.get("/items/5").json() == {"id": 5}
        assert client.get("/missing").status_code == 404
        assert client.get("/crash").status_code == 500
    messages = [r.getMessage() for r in caplog.records if r.name == "hornbeam.plugins"]
    assert len(messages) == 3 and all(f"observer {hook} of plugin 'Broken' failed" in m for m in messages)


def test_observers_cannot_be_wrappers() -> None:
    class Wrapping:
        @hookimpl(wrapper=True)
        def hornbeam_request_started(self, request: Request[Any, Any]) -> Any:
            return (yield)

    with pytest.raises(PluginError, match="hornbeam_request_started is a per-request observation hook and cannot be a wrapper"):
        make_app(Wrapping()).freeze()


def test_no_observer_means_no_function() -> None:
    app = make_app()
    app.freeze()
    assert app.runtime.on_started is app.runtime.on_response is app.runtime.on_failed is None


def test_group_routes_expose_their_template() -> None:
    recorder = Recorder()
    app = App(plugins=[recorder])
    group = Router("/v1")
    group.add_route("/users/{name}", lambda request, name: name)
    app.include(group)
    TestClient(app).get("/v1/users/ann")
    assert recorder.seen[0] == ("started", "GET", "/v1/users/ann", "/v1/users/{name}")


def test_the_compiled_function_passes_only_the_asked_arguments() -> None:
    calls: list[tuple[Any, ...]] = []
    observe = compile_observer(
        "hook",
        [("a", lambda y: calls.append(("a", y)), ("y",)), ("b", lambda x, y: calls.append(("b", x, y)), ("x", "y"))],
        ("x", "y"),
    )
    assert observe is not None
    assert observe(1, 2) is None
    assert calls == [("a", 2), ("b", 1, 2)]
    with pytest.raises(TypeError, match="hook has no argument 'z'"):
        compile_observer("hook", [("a", lambda z: None, ("z",))], ("x",))


def test_a_client_that_hangs_up_mid_body_is_a_failure_and_no_answer() -> None:
    recorder = Recorder()
    app = App(plugins=[recorder])

    @app.post("/upload")
    async def upload(request: Request[None, None]) -> int:
        return len(await request.body())

    app.freeze()
    scope = {"type": "http", "method": "POST", "path": "/upload", "raw_path": b"/upload", "query_string": b"",
             "headers": [(b"content-length", b"10")]}  # fmt: skip
    messages = iter([{"type": "http.request", "body": b"abc", "more_body": True}, {"type": "http.disconnect"}])
    sent: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent == []
    assert recorder.seen == [("started", "POST", "/upload", "/upload"), ("failed", "ClientDisconnect")]


def test_a_response_an_observer_keeps_is_never_changed_afterwards() -> None:
    kept: list[Response] = []

    class Keeper:
        @hookimpl
        def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
            kept.append(response)

    client = TestClient(make_app(Keeper()))
    for item in range(4):
        assert client.get(f"/items/{item}").json() == {"id": item}
    assert len({id(response) for response in kept}) == 4
    assert [response.body for response in kept] == [b'{"id":%d}' % item for item in range(4)]
    assert all(isinstance(response, Response) and response.status == 200 for response in kept)


def test_observed_plain_answers_share_one_response_while_nobody_keeps_it() -> None:
    # The reuse that keeps a no-op observer cheap (bench/observers.py): ids only, nothing kept.
    gc.collect()  # earlier tests' apps, in reference cycles, may still hold the one they kept
    ids: list[int] = []

    class Ids:
        @hookimpl
        def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
            ids.append(id(response))

    client = TestClient(make_app(Ids()))
    for item in range(3):
        assert client.get(f"/items/{item}").json() == {"id": item}
    assert len(set(ids)) == 1


def test_concurrent_async_observers_each_hold_their_own_response() -> None:
    seen: list[tuple[str, bytes, bytes]] = []
    both_waiting = asyncio.Event()
    waiting = 0

    class Slow:
        @hookimpl
        async def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
            nonlocal waiting
            before = response.body
            waiting += 1
            if waiting == 2:
                both_waiting.set()
            await both_waiting.wait()
            assert before is not None and response.body is not None
            seen.append((request.path, before, response.body))

    app = make_app(Slow())

    async def run() -> None:
        async with AsyncTestClient(app) as client:
            first, second = await asyncio.gather(client.get("/items/1"), client.get("/items/2"))
        assert (first.json(), second.json()) == ({"id": 1}, {"id": 2})

    asyncio.run(run())
    assert sorted(seen) == [("/items/1", b'{"id":1}', b'{"id":1}'), ("/items/2", b'{"id":2}', b'{"id":2}')]


def test_an_observer_may_add_a_header_but_not_an_after_send_task(caplog: pytest.LogCaptureFixture) -> None:
    class Tagger:
        hornbeam_plugin_name = "tagger"

        @hookimpl
        def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
            response.headers["x-observed"] = "yes"
            if request.path == "/items/2":
                response.add_task(print, "never")

    client = TestClient(make_app(Tagger()))
    with caplog.at_level(logging.ERROR, logger="hornbeam.plugins"):
        for path in ("/items/1", "/items/2", "/missing"):
            answer = client.get(path)
            assert answer.headers["x-observed"] == "yes"
            assert answer.headers["content-length"] == str(len(answer.content))
        head = client.head("/items/1")
    assert head.headers["x-observed"] == "yes" and head.content == b""
    assert client.get("/items/2").json() == {"id": 2}
    assert "observer hornbeam_response_ready of plugin 'tagger' failed" in caplog.text
    assert "'tasks' is read-only" in caplog.text


def test_threads_serving_one_app_each_see_their_own_response(caplog: pytest.LogCaptureFixture) -> None:
    # A sync observer that lets go of the GIL mid-call: the other thread's request must not reuse its response.
    mixed: list[tuple[bytes | None, bytes | None]] = []

    class Sleepy:
        @hookimpl
        def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
            before = response.body
            time.sleep(0.0005)
            if response.body is not before or before != b'{"id":%d}' % request.path_params["item_id"]:
                mixed.append((before, response.body))

    app = make_app(Sleepy())
    app.freeze()

    def serve(item: int) -> None:
        async def run() -> None:
            for _ in range(50):
                sent: list[Any] = []
                scope = {"type": "http", "method": "GET", "path": f"/items/{item}", "raw_path": f"/items/{item}".encode(),
                         "query_string": b"", "headers": []}  # fmt: skip

                async def receive() -> Any:
                    return {"type": "http.request", "body": b"", "more_body": False}

                async def send(message: Any) -> None:
                    sent.append(message)

                await app(scope, receive, send)
                assert sent[1]["body"] == b'{"id":%d}' % item

        asyncio.run(run())

    threads = [threading.Thread(target=serve, args=(item,)) for item in (1, 2, 3)]
    with caplog.at_level(logging.ERROR, logger="hornbeam.plugins"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert mixed == []
    assert not caplog.records
