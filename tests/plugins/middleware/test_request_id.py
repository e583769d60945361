"""RequestIDMiddleware and TimingMiddleware."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hornbeam import App, CallNext, Request, Response, Unauthorized
from hornbeam.plugins.middleware import CORSMiddleware, RequestIDMiddleware, TimingMiddleware
from hornbeam.testing import TestClient


def make_client(*middleware: Any) -> TestClient:
    app = App(middleware=list(middleware))

    @app.get("/")
    async def index(request: Request[Any, Any]) -> dict[str, Any]:
        return {"id": getattr(request.state, "request_id", None)}

    return TestClient(app)


def test_a_new_id_is_generated_and_shared_with_the_handler() -> None:
    with make_client(RequestIDMiddleware()) as client:
        first = client.get("/")
        second = client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.json()["id"] == first.headers["x-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("incoming", ["abc-123", "trace:1/2+3=@x", "a" * 128, "0f" * 16])
def test_a_valid_incoming_id_is_reused(incoming: str) -> None:
    with make_client(RequestIDMiddleware()) as client:
        response = client.get("/", headers={"x-request-id": incoming})
    assert response.headers["x-request-id"] == incoming
    assert response.json()["id"] == incoming


@pytest.mark.parametrize("incoming", ["", "a" * 129, "has space", "semi;colon", "quote\"", "ünïcode", "<script>"])
def test_an_invalid_incoming_id_is_replaced(incoming: str) -> None:
    with make_client(RequestIDMiddleware()) as client:
        response = client.get("/", headers=[("x-request-id", incoming.encode("utf-8"))])
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_settings_header_length_trust_and_generator() -> None:
    middleware = RequestIDMiddleware("X-Correlation-ID", max_length=4, trust_incoming=True, generate=lambda: "gen")
    with make_client(middleware) as client:
        assert client.get("/", headers={"x-correlation-id": "abcd"}).headers["x-correlation-id"] == "abcd"
        assert client.get("/", headers={"x-correlation-id": "abcde"}).headers["x-correlation-id"] == "gen"
    with make_client(RequestIDMiddleware(trust_incoming=False)) as client:
        assert client.get("/", headers={"x-request-id": "mine"}).headers["x-request-id"] != "mine"


def test_the_id_is_on_error_responses_too() -> None:
    with make_client(RequestIDMiddleware()) as client:
        response = client.get("/missing", headers={"x-request-id": "req-1"})
    assert response.status_code == 404 and response.headers["x-request-id"] == "req-1"


def test_id_timing_and_cors_also_decorate_an_error_raised_by_inner_middleware() -> None:
    async def refuse(request: Request[Any, Any], call_next: CallNext) -> Response:
        raise Unauthorized(detail="no token")

    cors = CORSMiddleware(allow_origins=["https://app.example"])
    with make_client(RequestIDMiddleware(), TimingMiddleware(), cors, refuse) as client:
        response = client.get("/", headers={"x-request-id": "req-2", "origin": "https://app.example"})
    assert response.status_code == 401 and response.json()["detail"] == "no token"
    assert response.headers["x-request-id"] == "req-2"
    assert response.headers["server-timing"].startswith("app;dur=")
    assert response.headers["access-control-allow-origin"] == "https://app.example"


def test_timing_adds_server_timing() -> None:
    with make_client(TimingMiddleware(), TimingMiddleware("total")) as client:
        response = client.get("/")
    values = response.headers.get_list("server-timing")
    assert len(values) == 2
    assert re.fullmatch(r"total;dur=\d+\.\d{3}", values[0])
    assert re.fullmatch(r"app;dur=\d+\.\d{3}", values[1])


@pytest.mark.parametrize(
    "build",
    [
        lambda: RequestIDMiddleware("bad header"),
        lambda: RequestIDMiddleware(max_length=0),
        lambda: TimingMiddleware("app;dur"),
    ],
)
def test_bad_settings_fail_early(build: Any) -> None:
    with pytest.raises(ValueError):
        build()
