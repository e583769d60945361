"""The problem plugin bounds what an error echoes: a long path or detail never makes a large answer."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, Conflict, HTTPError, Request
from hornbeam.plugins.json import OrjsonCodec
from hornbeam.plugins.problem import ProblemRenderer
from hornbeam.testing import TestClient


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/conflict")
    async def conflict(request: Request[Any, Any]) -> str:
        raise Conflict(detail="version 3 is stale")

    return app


def test_a_long_path_is_not_echoed_twice_in_full() -> None:
    # A 64 KB path gave a 131 KB body: the path in both detail and instance.
    path = "/" + "a" * 65_535
    response = TestClient(make_app()).get(path)
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
        ProblemRenderer(OrjsonCodec(), 0)
