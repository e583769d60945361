"""User exception handlers: most specific class wins, sync or async, failures contained."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hornbeam import (
    App,
    ConfigurationError,
    HTTPError,
    JSONResponse,
    NotFound,
    Request,
    Response,
    TextResponse,
    ValidationError,
)
from hornbeam.testing import TestClient


class OutOfStock(Exception):
    pass


class Discontinued(OutOfStock):
    pass


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/raise/{kind}")
    async def raise_(request: Request[Any, Any], kind: str) -> str:
        errors: dict[str, Exception] = {
            "out": OutOfStock("none left"),
            "discontinued": Discontinued("gone for good"),
            "notfound": NotFound(detail="no such thing"),
            "key": KeyError("k"),
        }
        raise errors[kind]

    @app.post("/validated", body=dict[str, int])
    async def validated(request: Request[Any, dict[str, int]]) -> Any:
        return request.body_data

    return app


def test_most_specific_class_wins() -> None:
    app = make_app()

    @app.exception_handler(OutOfStock)
    def out_of_stock(request: Request[Any, Any], exc: OutOfStock) -> Response:
        return JSONResponse({"error": "out of stock", "detail": str(exc)}, status=409)

    @app.exception_handler(Discontinued)
    async def discontinued(request: Request[Any, Any], exc: Discontinued) -> Response:
        return TextResponse(f"discontinued: {exc}", status=410)

    client = TestClient(app)
    response = client.get("/raise/out")
    assert response.status_code == 409 and response.json() == {"error": "out of stock", "detail": "none left"}
    response = client.get("/raise/discontinued")
    assert response.status_code == 410 and response.text == "discontinued: gone for good"


def test_our_own_errors_can_be_handled() -> None:
    app = make_app()
    seen: list[str] = []

    @app.exception_handler(HTTPError)
    def any_http_error(request: Request[Any, Any], exc: HTTPError) -> Response:
        seen.append(type(exc).__name__)
        return JSONResponse({"oops": exc.status, "path": request.path}, status=exc.status, headers=exc.headers)

    @app.exception_handler(ValidationError)
    def invalid(request: Request[Any, Any], exc: ValidationError) -> dict[str, Any]:
        return {"fields": [error["loc"] for error in exc.errors]}

    client = TestClient(app)
    assert client.get("/raise/notfound").json() == {"oops": 404, "path": "/raise/notfound"}
    # Automatic answers go through the handlers too.
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json() == {"oops": 404, "path": "/nowhere"}
    wrong_method = client.delete("/raise/x")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET, HEAD, OPTIONS"
    # The ValidationError handler is more specific than the HTTPError one.
    assert client.post("/validated", json={"a": "x"}).json() == {"fields": [["body", "a"]]}
    assert seen == ["NotFound", "NotFound", "MethodNotAllowed"]


def test_an_async_404_handler_added_after_start_up_answers_unrouted_paths() -> None:
    app = make_app()
    client = TestClient(app)
    assert client.get("/nowhere").headers["content-type"] == "application/problem+json"

    @app.exception_handler(NotFound)
    async def not_here(request: Request[Any, Any], exc: NotFound) -> Response:
        return TextResponse(f"nothing at {request.path}", status=404)

    answer = client.get("/nowhere")
    assert answer.status_code == 404 and answer.text == "nothing at /nowhere"


def test_render_error_skips_handlers_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(exception_handlers={NotFound: lambda request, exc: TextResponse("handled")})
    app.freeze()
    rendered = app.render_error(None, NotFound(detail="gone"))
    assert rendered.status == 404 and rendered.body is not None and b'"detail":"gone"' in rendered.body
    caplog.set_level(logging.ERROR, "hornbeam")
    crashed = app.render_error(None, RuntimeError("boom"))
    assert crashed.status == 500 and crashed.body is not None and b"boom" not in crashed.body
    assert "boom" in caplog.text


def test_unhandled_exception_still_gets_a_problem_500() -> None:
    app = make_app()
    app.add_exception_handler(OutOfStock, lambda request, exc: TextResponse("x", status=409))
    response = TestClient(app).get("/raise/key")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"


def test_a_failing_handler_gives_a_plain_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: Request[Any, Any], exc: Exception) -> Response:
        raise RuntimeError("handler bug")

    app = make_app(exception_handlers={OutOfStock: broken})
    caplog.set_level(logging.ERROR, "hornbeam")
    response = TestClient(app).get("/raise/out")
    assert response.status_code == 500
    assert response.json() == {"type": "about:blank", "title": "Internal Server Error", "status": 500}
    assert response.headers["content-type"] == "application/problem+json"
    assert "handler bug" in caplog.text


def test_a_handler_returning_nonsense_gives_a_plain_500(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(exception_handlers={OutOfStock: lambda request, exc: object()})
    caplog.set_level(logging.ERROR, "hornbeam")
    assert TestClient(app).get("/raise/out").status_code == 500
    assert "not JSON serializable" in caplog.text


def test_handlers_apply_to_middleware_errors() -> None:
    app = make_app()

    async def guard(request: Request[Any, Any], call_next: Any) -> Response:
        raise OutOfStock("from middleware")

    app.add_middleware(guard)
    app.add_exception_handler(OutOfStock, lambda request, exc: TextResponse(str(exc), status=409))
    response = TestClient(app).get("/raise/out")
    assert response.status_code == 409 and response.text == "from middleware"


@pytest.mark.parametrize("key", [object(), KeyboardInterrupt, "ValueError"])
def test_registration_checks_the_key(key: Any) -> None:
    with pytest.raises(ConfigurationError):
        App().add_exception_handler(key, lambda request, exc: None)


def test_registration_checks_the_handler() -> None:
    with pytest.raises(ConfigurationError):
        App().add_exception_handler(ValueError, "not callable")  # type: ignore[arg-type]
