"""Contract tests for an error renderer (``hornbeam_error_renderer``).

Subclass ``ErrorRendererContract`` and implement ``make_renderer``; the app it
gets is started (its JSON codec provided) and may be passed to your factory.
"""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam.app import App
from hornbeam.components import ErrorRenderer
from hornbeam.errors import (
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    ValidationError,
)
from hornbeam.requests import Request
from hornbeam.responses import Response

__all__ = ["ErrorRendererContract"]


class ErrorRendererContract:
    """The ``ErrorRenderer`` contract: a Response with the error's status and headers, and no secrets."""

    def make_renderer(self, app: App) -> ErrorRenderer:
        raise NotImplementedError("return the renderer under test")

    @pytest.fixture
    def app(self) -> App:
        app = App()
        app.freeze()
        return app

    @pytest.fixture
    def renderer(self, app: App) -> ErrorRenderer:
        return self.make_renderer(app)

    @pytest.fixture
    def request_(self, app: App) -> Request[Any, Any]:
        scope = {"type": "http", "method": "GET", "path": "/things/1", "raw_path": b"/things/1",
                 "query_string": b"", "headers": [], "scheme": "http"}  # fmt: skip
        return Request(scope, _never, app.runtime, {}, None)

    @pytest.mark.parametrize(
        "error",
        [
            NotFound(detail="no such thing"),
            MethodNotAllowed(["GET", "HEAD"]),
            ServiceUnavailable(detail="busy", headers={"retry-after": "3"}),
            ValidationError([{"loc": ["body", "x"], "msg": "Field required", "type": "missing"}]),
        ],
    )
    def test_the_answer_has_the_error_status_and_headers(
        self, renderer: ErrorRenderer, request_: Request[Any, Any], error: Any
    ) -> None:
        response = renderer(request_, error)
        assert isinstance(response, Response)
        assert response.status == error.status
        for name, value in error.headers.items():
            assert response.headers.get(name) == value
        assert response.headers.get("content-type")

    def test_it_renders_without_a_request(self, renderer: ErrorRenderer) -> None:
        response = renderer(None, NotFound())
        assert isinstance(response, Response) and response.status == 404

    def test_a_crash_shows_nothing_of_its_cause(self, renderer: ErrorRenderer, request_: Request[Any, Any]) -> None:
        error = InternalServerError()
        error.__cause__ = RuntimeError("password=hunter2")
        response = renderer(request_, error)
        assert response.status == 500
        body = response.body if response.body is not None else b""
        assert b"hunter2" not in body and b"Traceback" not in body


async def _never() -> dict[str, Any]:
    raise AssertionError("a renderer must not read the request body")
