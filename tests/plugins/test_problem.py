"""The problem plugin: RFC 9457 documents for every automatic error, and replacing the renderer."""

from __future__ import annotations

import types
from typing import Any

from hornbeam import App, Conflict, HTTPError, Request, Response, ValidationError, hookimpl
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
