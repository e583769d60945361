"""automatic_answers: which error answers each route documents, and that real answers stay within them."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hornbeam import App, Request
from hornbeam.plugins.openapi import document
from hornbeam.plugins.openapi.answers import automatic_answers, is_type
from hornbeam.testing import TestClient


@dataclasses.dataclass
class Thing:
    name: str
    size: int = 1


@dataclasses.dataclass
class Page:
    limit: int = 10
    tag: list[str] = dataclasses.field(default_factory=list)


async def ok(request: Request[Any, Any], **params: Any) -> dict[str, Any]:
    return {"ok": True}


def statuses(**options: Any) -> list[str]:
    app = App()
    path = options.pop("path", "/r")
    app.add_route(path, ok, ["POST"], **options)
    app.freeze()
    (route,) = [r for r in app.routes if r.path == path]
    limit = route.max_body_size if route.max_body_size is not None else app.max_body_size
    timeout = route.timeout if route.timeout is not None else app.timeout
    return [a.status for a in automatic_answers(route, max_body_size=limit, timeout=timeout, shadowed=False)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["default"]),
        ({"query": Page}, ["400", "422", "default"]),
        ({"query": lambda params: params}, ["400", "default"]),
        ({"body": Thing}, ["400", "413", "415", "422", "default"]),
        ({"body": lambda raw: raw}, ["400", "413", "default"]),
        ({"body": lambda raw: raw, "max_body_size": None}, ["400", "413", "default"]),  # None: the app's limit
        ({"path": "/r/{n:int}"}, ["404", "default"]),
        ({"timeout": 2.0}, ["503", "default"]),
    ],
)
def test_answers_by_route(options: dict[str, Any], expected: list[str]) -> None:
    assert statuses(**options) == expected


def test_no_413_without_any_limit() -> None:
    app = App(max_body_size=None)
    app.add_route("/r", ok, ["POST"], body=Thing)
    app.freeze()
    (route,) = [r for r in app.routes if r.path == "/r"]
    found = automatic_answers(route, max_body_size=None, timeout=None, shadowed=True)
    assert [a.status for a in found] == ["400", "405", "415", "422", "default"]


def test_is_type_follows_the_core_rule() -> None:
    assert is_type(Thing) and is_type(list[int]) and is_type(int | None)
    assert not is_type(lambda raw: raw) and not is_type(len)


# The property: whatever a client sends to a typed route, the status is one the document lists for
# the operation, and a problem body conforms to the schema the document gives it.

APP = App(max_body_size=200)


@APP.post("/things/{n:int}", body=Thing, query=Page)
async def put_thing(request: Request[Page, Thing], n: int) -> Thing:
    return request.body_data


DOCUMENT = document(APP)
OPERATION = DOCUMENT["paths"]["/things/{n}"]["post"]
CLIENT = TestClient(APP)


def conforms(body: Any, schema: dict[str, Any]) -> None:
    root = {**schema, "components": DOCUMENT["components"]}
    jsonschema.Draft202012Validator(root).validate(body)


def schema_of(status: int) -> dict[str, Any]:
    answer = OPERATION["responses"].get(str(status), OPERATION["responses"]["default"])
    ref = answer.get("$ref")
    if ref is not None:
        answer = DOCUMENT["components"]["responses"][ref.rsplit("/", 1)[1]]
    (media,) = answer["content"].values()
    found: dict[str, Any] = media["schema"]
    return found


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "size", "x"]), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.sampled_from(["1", "-2", "x", "1.5"]),
    query=st.sampled_from(["", "limit=5", "limit=x", "tag=a&tag=b", "%ff=1", "limit=" + "9" * 120]),
    body=JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=40) | st.just(b"[" + b"1," * 150 + b"1]"),
    media_type=st.sampled_from(["application/json", "text/plain", "application/problem+json", ""]),
)
def test_answers_are_documented_and_conform(n: str, query: str, body: bytes, media_type: str) -> None:
    headers = {"content-type": media_type} if media_type else {}
    response = CLIENT.post(f"/things/{n}?{query}", content=body, headers=headers)
    documented = set(OPERATION["responses"]) - {"default"}
    assert str(response.status_code) in documented, (response.status_code, response.text)
    if response.status_code == 200:
        conforms(response.json(), OPERATION["responses"]["200"]["content"]["application/json"]["schema"])
    else:
        assert response.headers["content-type"] == "application/problem+json"
        conforms(response.json(), schema_of(response.status_code))
