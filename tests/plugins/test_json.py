"""The json plugin: orjson codec, error mapping to 400/415, native types, and replacement."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import types
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, JSONResponse, Request, hookimpl
from hornbeam.plugins.json import OrjsonCodec
from hornbeam.testing import TestClient
from hornbeam.testing.conformance.json_codec import JSONCodecContract

codec = OrjsonCodec()


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    when: datetime.datetime
    id: uuid.UUID
    color: Color


def test_native_types_render() -> None:
    point = Point(1, datetime.datetime(2026, 1, 2, 3, 4, 5), uuid.UUID(int=1), Color.RED)
    assert json.loads(codec.dumps({"p": point, 1: "non-str key"})) == {
        "p": {"x": 1, "when": "2026-01-02T03:04:05", "id": "00000000-0000-0000-0000-000000000001", "color": "red"},
        "1": "non-str key",
    }


WIDE = st.integers(min_value=-(10**40), max_value=10**40) | st.integers()
JSON_VALUES = st.recursive(
    WIDE | st.booleans() | st.none() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_integers_of_any_width_are_encoded_as_the_json_module_would(value: Any) -> None:
    # orjson stops at 64 bits; the validator accepts integers of up to 100 digits, and handlers echo them.
    assert json.loads(codec.dumps(value)) == value


def test_wide_integers_inside_dataclasses_enums_sets_and_keys() -> None:
    @dataclasses.dataclass
    class Page:
        offset: int
        seen: set[int]

    class Big(enum.Enum):
        ONE = 10**30

    encoded = codec.dumps({"page": Page(2**70, {-(2**64)}), "big": Big.ONE, 2**65: "key"})
    assert json.loads(encoded) == {"page": {"offset": 2**70, "seen": [-(2**64)]}, "big": 10**30, str(2**65): "key"}


@pytest.mark.parametrize(
    "data", [b"", b"{", b'{"a": 1', b"\xff", b"[1,]", b"NaN", b"[" * 1100 + b"]" * 1100, b'"\xed\xa0\x80"']
)
def test_malformed_input_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        codec.loads(data)


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.post("/raw")
    async def raw(request: Request[Any, Any]) -> Any:
        return {"got": await request.json()}

    @app.post("/typed", body=dict[str, int])
    async def typed(request: Request[Any, dict[str, int]]) -> Any:
        return {"got": request.body_data}

    @app.post("/optional", body=dict[str, int], body_required=False)
    async def optional(request: Request[Any, dict[str, int] | None]) -> Any:
        return {"got": request.body_data}

    @app.get("/point")
    async def point(request: Request[Any, Any]) -> JSONResponse:
        return JSONResponse(Point(2, datetime.datetime(2026, 5, 6), uuid.UUID(int=2), Color.RED), status=202)

    return app


CLIENT = TestClient(make_app())


def test_malformed_json_is_400_with_position() -> None:
    response = CLIENT.post("/raw", content=b'{"a": 1,,}', headers={"content-type": "application/json"})
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["detail"].startswith("malformed JSON:")
    assert "column" in problem["detail"] or "char" in problem["detail"]


def test_non_utf8_and_too_deep_are_400() -> None:
    for body in (b'{"a": "\xff"}', b"[" * 2000 + b"]" * 2000):
        response = CLIENT.post("/typed", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body[:20]


def test_empty_body_is_400_unless_optional() -> None:
    assert CLIENT.post("/typed", headers={"content-type": "application/json"}).status_code == 400
    assert CLIENT.post("/raw").status_code == 400
    assert CLIENT.post("/optional").json() == {"got": None}
    assert CLIENT.post("/optional", json={"a": 1}).json() == {"got": {"a": 1}}


def test_wrong_content_type_is_415() -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = CLIENT.post("/typed", content=b'{"a": 1}', headers={"content-type": content_type})
        assert response.status_code == 415, content_type
        assert response.headers["content-type"] == "application/problem+json"
    assert CLIENT.post("/typed", content=b'{"a": 1}').status_code == 415  # no content type at all


def test_typed_body_in_another_charset_is_415_naming_it() -> None:
    headers = {"content-type": "application/json; charset=latin-1"}
    response = CLIENT.post("/typed", content='{"caf\u00e9": 1}'.encode("latin-1"), headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "charset='latin-1'" in response.json()["detail"]


def test_json_suffix_media_types_and_parameters_accepted() -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"):
        response = CLIENT.post("/typed", content=b'{"a": 1}', headers={"content-type": content_type})
        assert response.json() == {"got": {"a": 1}}, content_type


def test_json_response_uses_codec_for_native_types() -> None:
    response = CLIENT.get("/point")
    assert response.status_code == 202
    assert response.json()["id"] == "00000000-0000-0000-0000-000000000002"


def test_a_user_plugin_replaces_the_codec() -> None:
    class StdlibCodec:
        def loads(self, data: bytes) -> Any:
            return json.loads(data)

        def dumps(self, obj: Any) -> bytes:
            return json.dumps(obj, separators=(", ", " = ")).encode()

    replacement = types.SimpleNamespace(
        hornbeam_plugin_name="stdlib-json", hornbeam_json_codec=hookimpl(lambda app: StdlibCodec())
    )
    client = TestClient(make_app(plugins=[replacement]))
    assert client.post("/raw", json={"a": 1}).content == b'{"got" = {"a" = 1}}'
    # Errors are rendered by the same codec.
    assert client.post("/raw", content=b"{").content.startswith(b'{"type" = ')


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_200_400_or_422_never_500(body: bytes) -> None:
    for path in ("/raw", "/typed"):
        response = CLIENT.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code in (200, 400, 422), (path, body, response.text)
        if response.status_code != 200:
            assert response.headers["content-type"] == "application/problem+json"


class TestOrjsonCodecContract(JSONCodecContract):
    def make_codec(self) -> OrjsonCodec:
        return OrjsonCodec()
