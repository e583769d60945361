"""The HTTPError hierarchy and the problem-details responses built from it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hornbeam
from hornbeam import (
    App,
    BadRequest,
    Conflict,
    ContentTooLarge,
    Forbidden,
    Gone,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    Request,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
    ValidationError,
)
from hornbeam.testing import TestClient

SUBCLASSES: list[tuple[type[HTTPError], int, str]] = [
    (BadRequest, 400, "Bad Request"),
    (Unauthorized, 401, "Unauthorized"),
    (Forbidden, 403, "Forbidden"),
    (NotFound, 404, "Not Found"),
    (NotAcceptable, 406, "Not Acceptable"),
    (Conflict, 409, "Conflict"),
    (Gone, 410, "Gone"),
    (ContentTooLarge, 413, "Content Too Large"),
    (UnsupportedMediaType, 415, "Unsupported Media Type"),
    (UnprocessableContent, 422, "Unprocessable Content"),
    (TooManyRequests, 429, "Too Many Requests"),
    (InternalServerError, 500, "Internal Server Error"),
    (ServiceUnavailable, 503, "Service Unavailable"),
]


@pytest.mark.parametrize(("cls", "status", "title"), SUBCLASSES)
def test_subclass_status_and_title(cls: type[HTTPError], status: int, title: str) -> None:
    error = cls()
    assert isinstance(error, HTTPError)
    assert error.status == status
    assert error.title == title
    assert error.detail is None
    assert error.headers == {}
    assert error.type == "about:blank"
    assert str(error) == title


def test_method_not_allowed_status_and_title() -> None:
    error = MethodNotAllowed(["GET"])
    assert (error.status, error.title) == (405, "Method Not Allowed")


def test_validation_error_is_unprocessable_content() -> None:
    error = ValidationError([])
    assert isinstance(error, UnprocessableContent)
    assert error.status == 422


def test_every_public_http_error_is_covered() -> None:
    exported = {
        obj for name in hornbeam.__all__ if isinstance(obj := getattr(hornbeam, name), type) and issubclass(obj, HTTPError)
    }
    covered = {cls for cls, _, _ in SUBCLASSES} | {HTTPError, MethodNotAllowed, ValidationError}
    assert exported == covered


def test_generic_http_error_takes_any_registered_status() -> None:
    error = HTTPError(418)
    assert error.status == 418
    assert error.title == "I'm a Teapot"


def test_default_http_error_is_500() -> None:
    assert HTTPError().status == 500


def test_subclass_status_can_be_overridden() -> None:
    assert BadRequest(status=422).status == 422


@pytest.mark.parametrize("status", [0, 200, 302, 399, 600, 1000, -400])
def test_invalid_status_rejected(status: int) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        HTTPError(status)


def test_unregistered_status_in_range_still_works() -> None:
    # 499 is a legitimate (nginx) 4xx code that http.HTTPStatus does not list:
    # a fitting status must never crash the constructor.
    error = HTTPError(499)
    assert error.status == 499
    assert isinstance(error.title, str) and error.title
    assert HTTPError(499, title="Client Closed Request").title == "Client Closed Request"


def test_detail_is_the_message() -> None:
    error = NotFound(detail="no such item")
    assert error.detail == "no such item"
    assert str(error) == "no such item"
    assert repr(error) == "NotFound(status=404, detail='no such item')"


def test_errors_keep_exception_behaviour() -> None:
    error = NotFound(detail="gone")
    assert error.args == ("gone",)
    assert NotFound().args == ("Not Found",)
    error.note = "free-form attributes still work"  # type: ignore[attr-defined]
    assert error.note == "free-form attributes still work"  # type: ignore[attr-defined]
    with pytest.raises(NotFound, match="gone"):
        raise error


def test_headers_are_copied() -> None:
    given = {"retry-after": "10"}
    error = TooManyRequests(headers=given)
    given["x"] = "y"
    assert error.headers == {"retry-after": "10"}


class TestToProblem:
    def test_minimal_shape(self) -> None:
        assert NotFound().to_problem() == {"type": "about:blank", "title": "Not Found", "status": 404}

    def test_full_shape(self) -> None:
        error = HTTPError(
            409,
            "version mismatch",
            title="Edit conflict",
            type="https://example.com/probs/conflict",
            extra={"current": 3, "tags": ["a"]},
        )
        assert error.to_problem("/items/1") == {
            "type": "https://example.com/probs/conflict",
            "title": "Edit conflict",
            "status": 409,
            "detail": "version mismatch",
            "instance": "/items/1",
            "current": 3,
            "tags": ["a"],
        }

    def test_extra_is_copied(self) -> None:
        extra: dict[str, Any] = {"a": 1}
        error = BadRequest(extra=extra)
        extra["b"] = 2
        assert error.to_problem() == {"type": "about:blank", "title": "Bad Request", "status": 400, "a": 1}


class TestMethodNotAllowed:
    def test_allow_header(self) -> None:
        error = MethodNotAllowed(["GET", "HEAD", "POST"], detail="nope")
        assert error.allow == ("GET", "HEAD", "POST")
        assert error.headers == {"allow": "GET, HEAD, POST"}
        assert error.detail == "nope"

    def test_allow_from_any_iterable(self) -> None:
        assert MethodNotAllowed(m for m in ["PUT"]).headers["allow"] == "PUT"


class TestValidationError:
    ERRORS = [
        {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
        {"loc": ["query", "page", 0], "msg": "not an integer", "type": "int"},
    ]

    def test_errors_list_in_problem(self) -> None:
        error = ValidationError(self.ERRORS)
        assert error.errors == self.ERRORS
        problem = error.to_problem("/x")
        assert problem["errors"] == self.ERRORS
        assert problem["status"] == 422
        assert problem["detail"] == "2 validation errors"

    @pytest.mark.parametrize(("count", "detail"), [(0, "0 validation errors"), (1, "1 validation error"), (3, "3 validation errors")])
    def test_pluralised_detail(self, count: int, detail: str) -> None:
        errors = [{"loc": ["body"], "msg": "bad", "type": "t"}] * count
        assert ValidationError(errors).detail == detail

    def test_explicit_detail_wins(self) -> None:
        assert ValidationError(self.ERRORS[:1], detail="the name is missing").detail == "the name is missing"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = App()

    @app.get("/raise/{code:int}")
    async def raise_code(request: Request[Any, Any], code: int) -> None:
        raise HTTPError(code, f"status {code} on purpose", headers={"x-why": "test"}, extra={"hint": "h"})

    @app.get("/validation")
    async def validation(request: Request[Any, Any]) -> None:
        raise ValidationError(TestValidationError.ERRORS)

    @app.get("/only-get")
    async def only_get(request: Request[Any, Any]) -> str:
        return "ok"

    with TestClient(app) as client:
        yield client


class TestAutomaticResponses:

    @pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 418, 429, 500, 503])
    def test_raised_error_becomes_problem_json(self, client: TestClient, code: int) -> None:
        response = client.get(f"/raise/{code}")
        assert response.status_code == code
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["x-why"] == "test"
        body = response.json()
        assert body["status"] == code
        assert body["detail"] == f"status {code} on purpose"
        assert body["instance"] == f"/raise/{code}"
        assert body["type"] == "about:blank"
        assert body["hint"] == "h"
        assert int(response.headers["content-length"]) == len(response.content)

    def test_validation_error_response(self, client: TestClient) -> None:
        response = client.get("/validation")
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == TestValidationError.ERRORS
        assert response.json()["detail"] == "2 validation errors"

    def test_not_found_is_problem_json(self, client: TestClient) -> None:
        response = client.get("/missing")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no route matches /missing",
            "instance": "/missing",
        }

    def test_method_not_allowed_is_problem_json_with_allow(self, client: TestClient) -> None:
        response = client.delete("/only-get")
        assert response.status_code == 405
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["allow"] == "GET, HEAD, OPTIONS"
        assert response.json()["title"] == "Method Not Allowed"
