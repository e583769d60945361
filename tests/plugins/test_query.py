"""The query plugin: parsing against urllib's reference, limits, typed helpers, replacement."""

from __future__ import annotations

import types
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, BadRequest, QueryParams, Request, hookimpl
from hornbeam.plugins.query import QueryParser
from hornbeam.testing import TestClient
from hornbeam.testing.conformance.query_parser import QueryParserContract

parse = QueryParser()


def reference(query: bytes) -> list[tuple[str, str]] | None:
    """urllib's answer, or None where the decoded bytes are not UTF-8.

    Latin-1 maps each byte to one character and back, so urllib parses the
    bytes themselves; the pairs are then decoded as UTF-8.
    """
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    try:
        return [(k.encode("latin-1").decode("utf-8"), v.encode("latin-1").decode("utf-8")) for k, v in pairs]
    except UnicodeDecodeError:
        return None


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_match_urllib_or_are_a_400(query: bytes) -> None:
    expected = reference(query)
    if expected is None:
        with pytest.raises(BadRequest):
            parse(query)
    else:
        assert parse(query).multi_items() == expected


query_text = st.text(alphabet=st.sampled_from("ab=&+%2F é%zz;?#"), max_size=30)


@settings(max_examples=500, deadline=None)
@given(query_text)
def test_url_like_text_matches_urllib(text: str) -> None:
    query = text.encode("utf-8")
    expected = reference(query)
    if expected is None:
        with pytest.raises(BadRequest):
            parse(query)
    else:
        assert parse(query).multi_items() == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=10))
def test_browser_encoded_pairs_round_trip(pairs: list[tuple[str, str]]) -> None:
    query = urlencode(pairs).encode("ascii")
    assert parse(query).multi_items() == [(k, v) for k, v in pairs]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", []),
        (b"a=1&b=2", [("a", "1"), ("b", "2")]),
        (b"a=1&a=2", [("a", "1"), ("a", "2")]),
        (b"q=hello+world", [("q", "hello world")]),
        (b"q=a%2Bb%26c", [("q", "a+b&c")]),
        (b"blank=&flag", [("blank", ""), ("flag", "")]),
        (b"a=1&&b=2", [("a", "1"), ("b", "2")]),
        (b"x=%zz", [("x", "%zz")]),
        (b"caf%C3%A9=1", [("café", "1")]),
        (b"eq=a=b", [("eq", "a=b")]),
    ],
)
def test_examples(query: bytes, expected: list[tuple[str, str]]) -> None:
    assert parse(query).multi_items() == expected


def test_multidict_interface() -> None:
    params = parse(b"tag=a&tag=b&page=2")
    assert params["tag"] == "b" and params.get("tag") == "b"
    assert params.getlist("tag") == ["a", "b"]
    assert "page" in params and "nope" not in params
    assert len(params) == 2 and sorted(params) == ["page", "tag"]
    assert params.get("nope", "d") == "d"
    assert not hasattr(params, "__setitem__")


def test_invalid_utf8_is_400() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        parse(b"name=%FF")
    with pytest.raises(BadRequest):
        parse(b"\xff=1")


def test_field_limit_is_enforced_before_parsing() -> None:
    small = QueryParser(max_fields=3)
    assert len(small(b"a=1&b=2&c=3")) == 3
    with pytest.raises(BadRequest, match="more than 3 fields"):
        small(b"a=1&b=2&c=3&d=4")


def test_typed_helpers_answer_400_naming_the_field() -> None:
    params = QueryParams([("page", "2"), ("bad", "2x"), ("f", "1.5"), ("inf", "inf"), ("on", "yes"), ("flag", "")])
    assert params.get_int("page") == 2
    assert params.get_int("missing", 7) == 7
    assert params.get_float("f") == 1.5
    assert params.get_bool("on") is True and params.get_bool("flag") is True
    for call in (
        lambda: params.get_int("bad"),
        lambda: params.get_float("bad"),
        lambda: params.get_float("inf"),
        lambda: params.get_bool("bad"),
    ):
        with pytest.raises(BadRequest) as info:
            call()
        assert info.value.to_problem()["field"] in ("bad", "inf")


def test_int_helper_rejects_underscores_and_non_ascii_digits() -> None:
    for text in ("1_000", "١", "", "1.0"):
        with pytest.raises(BadRequest):
            QueryParams([("n", text)]).get_int("n")
    assert QueryParams([("n", "-3")]).get_int("n") == -3


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/q")
    async def q(request: Request[Any, Any]) -> dict[str, Any]:
        return {"pairs": request.query.multi_items(), "same": request.query is request.query}

    return app


def test_request_query_parsed_once_per_request() -> None:
    body = TestClient(make_app()).get("/q?a=1&a=2&b=").json()
    assert body == {"pairs": [["a", "1"], ["a", "2"], ["b", ""]], "same": True}


def test_bad_query_through_the_app_is_problem_400() -> None:
    client = TestClient(make_app(settings={"query_max_fields": 2}))
    response = client.get("/q?x=%FF")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/q?a=1&b=2&c=3").status_code == 400


def test_a_user_plugin_replaces_the_parser() -> None:
    def upper(query_string: bytes) -> QueryParams:
        return QueryParams((k.upper(), v) for k, v in parse(query_string).multi_items())

    replacement = types.SimpleNamespace(
        hornbeam_plugin_name="upper-query", hornbeam_query_parser=hookimpl(lambda app: upper)
    )
    body = TestClient(make_app(plugins=[replacement])).get("/q?a=1").json()
    assert body["pairs"] == [["A", "1"]]


class TestQueryParserContract(QueryParserContract):
    def make_parser(self) -> QueryParser:
        return QueryParser()
