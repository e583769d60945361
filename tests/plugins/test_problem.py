"""The problem plugin: RFC 9457 documents for every automatic error, and replacing the renderer."""

from __future__ import annotations

import types
from typing import Any

import pytest

from hornbeam import App, Conflict, HTTPError, Request, Response, ValidationError, hookimpl
from hornbeam.plugins.problem import ProblemRenderer
from hornbeam.testing import TestClient


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/conflict")
    async def conflict(request: Request[Any, Any]) -> str:
        raise Conflict(detail="version 3 is stale", headers={"etag": '"v4"'}, extra={"current": 4})

    @app.get("/teapot")
    async def teapot(request: Request[Any, Any]) -> str:
        raise HTTPError(418, "short and stout", type="https://example.org/problems/teapot")

    @app.post("/typed", body=dict[str, int])
    async def typed(request: Request[Any, dict[str, int]]) -> Any:
        return request.body_data

    @app.get("/crash")
    async def crash(request: Request[Any, Any]) -> str:
        raise RuntimeError("secret connection string")

    return app


CLIENT = TestClient(make_app())


def test_http_error_becomes_a_problem_document() -> None:
    response = CLIENT.get("/conflict")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["etag"] == '"v4"'
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "version 3 is stale",
        "instance": "/conflict",
        "current": 4,
    }


def test_problem_type_and_unusual_status() -> None:
    body = CLIENT.get("/teapot").json()
    assert body["type"] == "https://example.org/problems/teapot" and body["status"] == 418


def test_validation_errors_are_listed() -> None:
    body = CLIENT.post("/typed", json={"a": "x", "b": 1, "c": None}).json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Content"
    assert [error["loc"] for error in body["errors"]] == [["body", "a"], ["body", "c"]]
    assert {error["type"] for error in body["errors"]} == {"int_type"}


def test_a_crash_never_leaks_its_message() -> None:
    response = CLIENT.get("/crash")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "instance": "/crash",
    }


def test_a_plugin_replaces_the_renderer_for_every_error() -> None:
    def plain(request: Request[Any, Any] | None, exc: Exception) -> Response:
        assert isinstance(exc, HTTPError)
        extra = f" ({len(exc.errors)} errors)" if isinstance(exc, ValidationError) else ""
        return Response(f"{exc.status} {exc.title}{extra}", exc.status, exc.headers, media_type="text/plain")

    renderer = types.SimpleNamespace(hornbeam_plugin_name="plain-errors", hornbeam_error_renderer=hookimpl(lambda app: plain))
    app = make_app(plugins=[renderer])
    client = TestClient(app)
    assert client.get("/nowhere").text == "404 Not Found"
    assert app.plugins.providers["hornbeam_error_renderer"] == "plain-errors"
    assert client.delete("/conflict").text == "405 Method Not Allowed"
    assert client.get("/conflict").text == "409 Conflict"
    assert client.post("/typed", json={"a": "x"}).text == "422 Unprocessable Content (1 errors)"
    assert client.get("/crash").text == "500 Internal Server Error"
    assert client.get("/crash").headers["content-type"] == "text/plain; charset=utf-8"


def test_a_long_path_is_not_echoed_twice_in_full() -> None:
    # A 64 KB path gave a 131 KB body: the path in both detail and instance.
    path = "/" + "a" * 65_535
    response = CLIENT.get(path)
    assert response.status_code == 404
    assert len(response.content) < 1_000
    body = response.json()
    assert body["detail"] == "no route matches " + path[: 512 - len("no route matches ")] + (
        f"\u2026 ({len(path) + len('no route matches ') - 512} more characters)"
    )
    # A cut path would name another resource: instance is left out instead.
    assert "instance" not in body


def test_details_past_the_limit_are_cut_with_a_marker_and_short_ones_kept() -> None:
    app = App()

    @app.get("/long/{size:int}")
    async def long(request: Request[Any, Any], size: int) -> str:
        raise HTTPError(400, "x" * size)

    client = TestClient(app)
    kept = client.get("/long/512").json()
    assert kept["detail"] == "x" * 512 and kept["instance"] == "/long/512"
    cut = client.get("/long/10000").json()
    assert cut["detail"] == "x" * 512 + "\u2026 (9488 more characters)"


def test_the_echo_limit_is_a_setting() -> None:
    client = TestClient(make_app(settings={"problem_max_echo": 20}))
    body = client.get("/" + "b" * 40).json()
    assert body["detail"] == "no route matches /bb\u2026 (38 more characters)"
    assert "instance" not in body
    assert client.get("/conflict").json()["instance"] == "/conflict"
    with pytest.raises(ValueError, match="problem_max_echo"):
        ProblemRenderer(App(), 0)
