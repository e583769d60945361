"""The one rule turning a handler's result into the answer: typed responses, status, checks."""

from __future__ import annotations

import datetime
import enum
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, JSONResponse, Request, Response
from hornbeam._results import to_response
from hornbeam.plugins.json import OrjsonCodec
from hornbeam.testing import TestClient


class Color(enum.Enum):
    RED = "red"


@dataclass
class Note:
    id: int
    text: str
    tags: list[str] = field(default_factory=list)


class NoteDict(TypedDict):
    id: int
    text: str


WHEN = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def make_app(debug: bool = False) -> App:
    app = App(debug=debug)

    @app.get("/note")
    async def note(request: Request[None, None]) -> Note:
        return Note(1, "hi", ["a"])

    @app.get("/notes")
    async def notes(request: Request[None, None]) -> list[Note]:
        return [Note(1, "a"), Note(2, "b")]

    @app.get("/by-id")
    async def by_id(request: Request[None, None]) -> dict[str, Note]:
        return {"1": Note(1, "a")}

    @app.get("/typed-dict")
    async def typed_dict(request: Request[None, None]) -> NoteDict:
        return {"id": 1, "text": "t"}

    @app.get("/scalars")
    async def scalars(request: Request[None, None]) -> dict[str, Any]:
        return {"color": Color.RED, "when": WHEN, "day": WHEN.date(), "time": WHEN.time(), "id": ID, "price": Decimal("9.90")}

    @app.get("/tuple")
    async def as_tuple(request: Request[None, None]) -> tuple[int, str]:
        return (1, "a")

    @app.get("/enum")
    async def as_enum(request: Request[None, None]) -> Color:
        return Color.RED

    @app.get("/none")
    async def none(request: Request[None, None]) -> None:
        return None

    @app.post("/accepted", status=202)
    async def accepted(request: Request[None, None]) -> None:
        return None

    @app.post("/created", status=201)
    async def created(request: Request[None, None]) -> Note:
        return Note(3, "new")

    @app.get("/bytes")
    async def as_bytes(request: Request[None, None]) -> bytes:
        return b"\x00\x01"

    @app.get("/response")
    async def response(request: Request[None, None]) -> Response:
        return JSONResponse({"own": True}, status=203)

    @app.get("/lying")
    async def lying(request: Request[None, None]) -> Note:
        return {"id": "not a number", "text": 1}  # type: ignore[return-value]

    @app.get("/declared", response=list[int])
    async def declared(request: Request[None, None]) -> Any:
        return ["x"]

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app())


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/note", {"id": 1, "text": "hi", "tags": ["a"]}),
        ("/notes", [{"id": 1, "text": "a", "tags": []}, {"id": 2, "text": "b", "tags": []}]),
        ("/by-id", {"1": {"id": 1, "text": "a", "tags": []}}),
        ("/typed-dict", {"id": 1, "text": "t"}),
        ("/tuple", [1, "a"]),
        ("/enum", "red"),
        (
            "/scalars",
            {"color": "red", "when": "2026-11-30T12:00:00+00:00", "day": "2026-11-30", "time": "12:00:00",
             "id": "12345678-1234-5678-1234-567812345678", "price": "9.90"},
        ),
    ],
)
def test_typed_results_are_json(client: TestClient, path: str, body: Any) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == body


def test_none_is_204_without_a_body(client: TestClient) -> None:
    response = client.get("/none")
    assert response.status_code == 204 and response.content == b"" and "content-length" not in response.headers


def test_the_route_status_applies_to_results_that_are_not_responses(client: TestClient) -> None:
    assert client.post("/accepted").status_code == 202
    created = client.post("/created")
    assert created.status_code == 201 and created.json()["id"] == 3
    assert client.get("/response").status_code == 203


def test_bytes_are_octet_stream(client: TestClient) -> None:
    response = client.get("/bytes")
    assert response.headers["content-type"] == "application/octet-stream" and response.content == b"\x00\x01"


def test_the_response_type_defaults_to_the_return_annotation() -> None:
    routes = {route.path: route for route in make_app().routes}
    assert routes["/note"].response is Note
    assert routes["/notes"].response == list[Note]
    assert routes["/none"].response is type(None)
    assert routes["/response"].response is None  # a Response says nothing about its body
    assert routes["/declared"].response == list[int]


def test_production_trusts_the_type_checker(client: TestClient) -> None:
    assert client.get("/lying").json() == {"id": "not a number", "text": 1}


def test_debug_mode_checks_answers_against_the_response_type(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(make_app(debug=True))
    assert client.get("/note").status_code == 200
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        lying = client.get("/lying")
        declared = client.get("/declared")
    assert lying.status_code == declared.status_code == 500
    assert "does not match its declared response type" in lying.json()["detail"]
    assert "tests.core.test_results:make_app.<locals>.lying returned dict" in caplog.text


@settings(max_examples=60, deadline=None)
@given(
    value=st.one_of(
        st.text(),
        st.lists(st.integers() | st.text(), max_size=5),
        st.dictionaries(st.text(max_size=5), st.integers() | st.none() | st.booleans(), max_size=5),
    ),
    status=st.sampled_from([200, 201, 202]),
)
def test_the_fast_path_sends_exactly_what_to_response_gives(value: Any, status: int) -> None:
    """Dispatch sends str, dict and list answers without a Response; the bytes must be the rule's own."""

    async def handler(request: Request[None, None]) -> Any:
        return value

    async def passthrough(request: Request[Any, Any], call_next: Any) -> Response:
        return await call_next(request)  # type: ignore[no-any-return]

    fast, general = App(), App()
    fast.add_route("/", handler, status=status)
    general.add_route("/", handler, status=status, middleware=[passthrough])  # through to_response
    expected = to_response(value, OrjsonCodec(), status)
    for app in (fast, general):
        answer = TestClient(app).get("/")
        assert answer.status_code == expected.status
        assert answer.content == expected.body
        assert answer.headers["content-type"] == dict(expected.raw_headers)[b"content-type"].decode()
        assert answer.headers["content-length"] == str(len(answer.content))
