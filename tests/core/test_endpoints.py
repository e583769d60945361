"""Endpoints: how a route becomes the call a request runs (arguments, threads, extractors, limits)."""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import pytest

from hornbeam import App, ConfigurationError, Request, Response
from hornbeam.testing import TestClient


def test_path_parameters_arrive_as_keywords_when_the_handler_asks() -> None:
    app = App()

    @app.get("/a/{x:int}/{y}")
    async def both(request: Request[None, None], x: int, y: str) -> dict[str, Any]:
        return {"x": x, "y": y}

    @app.get("/b/{x:int}")
    async def none(request: Request[None, None]) -> dict[str, Any]:
        return request.path_params

    @app.get("/c/{x}")
    async def some(request: Request[None, None], **params: str) -> dict[str, Any]:
        return params

    client = TestClient(app)
    assert client.get("/a/1/z").json() == {"x": 1, "y": "z"}
    assert client.get("/b/2").json() == {"x": 2}
    assert client.get("/c/q").json() == {"x": "q"}
    assert app.runtime.tree.match(["a", "1", "z"])[0].methods["GET"].kwargs_handler is both  # type: ignore[index]


def test_a_handler_asking_for_what_the_route_lacks_fails_at_start_up() -> None:
    app = App()
    app.add_route("/a/{x}", lambda request, y: y)
    with pytest.raises(ConfigurationError, match=r"handler parameters \['y'\] must be path parameters"):
        app.freeze()


def test_sync_handlers_run_in_a_worker_thread() -> None:
    app = App()
    loop_thread: list[int] = []

    @app.get("/where")
    def where(request: Request[None, None]) -> dict[str, bool]:
        return {"worker": threading.get_ident() not in loop_thread}

    @app.get("/loop")
    async def loop(request: Request[None, None]) -> str:
        loop_thread.append(threading.get_ident())
        return "ok"

    client = TestClient(app)
    client.get("/loop")
    assert client.get("/where").json() == {"worker": True}


def test_async_callable_objects_and_partials_are_async_handlers() -> None:
    class Handler:
        async def __call__(self, request: Request[None, None], word: str) -> str:
            return word

    async def echo(greeting: str, request: Request[None, None], word: str) -> str:
        return f"{greeting} {word}"

    app = App()
    app.add_route("/obj/{word}", Handler())
    app.add_route("/partial/{word}", functools.partial(echo, "hello"))
    client = TestClient(app)
    assert client.get("/obj/hi").text == "hi"
    assert client.get("/partial/you").text == "hello you"


def test_extractor_callables_may_be_sync_or_async() -> None:
    async def upper(raw: bytes) -> str:
        await asyncio.sleep(0)
        return raw.decode().upper()

    app = App()

    @app.post("/body", body=upper)
    async def body(request: Request[None, str]) -> str:
        return request.body_data

    @app.get("/query", query=lambda params: int(params.get("n", "0")) * 2)
    async def query(request: Request[int, None]) -> int:
        return request.query_data

    client = TestClient(app)
    assert client.post("/body", content=b"abc").text == "ABC"
    assert client.get("/query?n=21").json() == 42


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"a": 1}', {"content-type": "text/plain"}, 415),
        (b'{"a": 1}', {}, 415),
        (b"", {"content-type": "application/json"}, 400),
        (b"{", {"content-type": "application/json"}, 400),
        (b'"x"', {"content-type": "application/json"}, 422),
    ],
)
def test_a_typed_body_refuses_what_is_not_its_json(content: bytes, headers: dict[str, str], status: int) -> None:
    app = App()

    @app.post("/", body=dict[str, int])
    async def handler(request: Request[None, dict[str, int]]) -> dict[str, int]:
        return request.body_data

    response = TestClient(app).post("/", content=content, headers=headers)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"


def test_an_optional_body_may_be_absent() -> None:
    app = App()

    @app.post("/", body=dict[str, int], body_required=False)
    async def handler(request: Request[None, dict[str, int] | None]) -> dict[str, Any]:
        return {"got": request.body_data}

    assert TestClient(app).post("/").json() == {"got": None}


def test_the_route_timeout_wins_over_the_app_timeout() -> None:
    app = App(timeout=0.05)

    @app.get("/patient", timeout=5)
    async def patient(request: Request[None, None]) -> str:
        await asyncio.sleep(0.2)
        return "done"

    @app.get("/hasty")
    async def hasty(request: Request[None, None]) -> str:
        await asyncio.sleep(5)
        return "never"

    client = TestClient(app)
    assert client.get("/patient").text == "done"
    assert client.get("/hasty").status_code == 503


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be a positive number"):
        App().add_route("/", lambda request: "x", timeout=timeout)
    with pytest.raises(ConfigurationError, match="timeout must be a positive number"):
        App(timeout=timeout)


def test_a_middleware_that_returns_no_response_is_named() -> None:
    async def forgetful(request: Request[Any, Any], call_next: Any) -> Any:
        await call_next(request)

    app = App()
    app.add_route("/", lambda request: "x", middleware=[forgetful])
    response = TestClient(app).get("/")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"


def test_middleware_sees_a_rendered_response() -> None:
    bodies: list[bytes | None] = []

    async def peek(request: Request[Any, Any], call_next: Any) -> Response:
        response: Response = await call_next(request)
        bodies.append(response.body)
        return response

    app = App(middleware=[peek])
    app.add_route("/", lambda request: {"a": 1})
    TestClient(app).get("/")
    assert bodies == [b'{"a":1}']
