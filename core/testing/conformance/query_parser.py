"""Contract tests for a query-string parser (``hornbeam_query_parser``).

Subclass ``QueryParserContract`` and implement ``make_parser``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from hornbeam.components import QueryParser
from hornbeam.errors import HTTPError

__all__ = ["QueryParserContract"]


class QueryParserContract:
    """The ``QueryParser`` contract: bytes in, a multi-dict out, a 4xx ``HTTPError`` for what it refuses."""

    def make_parser(self) -> QueryParser:
        raise NotImplementedError("return the parser under test")

    @pytest.fixture
    def parser(self) -> QueryParser:
        return self.make_parser()

    def test_an_empty_query_is_an_empty_mapping(self, parser: QueryParser) -> None:
        params = parser(b"")
        assert isinstance(params, Mapping) and len(params) == 0 and params.getlist("a") == []

    def test_repeated_keys_keep_every_value_in_order(self, parser: QueryParser) -> None:
        params = parser(b"a=1&b=x&a=2&a=3")
        assert params.getlist("a") == ["1", "2", "3"]
        assert params.getlist("b") == ["x"]
        assert params["b"] == "x" and params.get("missing") is None

    def test_blank_values_are_kept(self, parser: QueryParser) -> None:
        params = parser(b"a=&b")
        assert params.get("a") == "" and params.get("b") == ""

    @pytest.mark.parametrize(
        ("raw", "key", "value"),
        [
            (b"q=a+b", "q", "a b"),
            (b"q=a%20b", "q", "a b"),
            (b"q=%C3%A9", "q", "é"),
            (b"na%6De=v", "name", "v"),
            (b"q=a%26b", "q", "a&b"),
            (b"q=1%3D2", "q", "1=2"),
        ],
    )
    def test_form_encoding_is_decoded(self, parser: QueryParser, raw: bytes, key: str, value: str) -> None:
        assert parser(raw).get(key) == value

    @pytest.mark.parametrize("raw", [b"q=%FF", b"q=%C3", b"\xff=1"])
    def test_invalid_utf8_is_a_client_error_not_a_crash(self, parser: QueryParser, raw: bytes) -> None:
        with pytest.raises(HTTPError) as info:
            parser(raw)
        assert 400 <= info.value.status < 500

    def test_getlist_always_gives_a_list(self, parser: QueryParser) -> None:
        params = parser(b"a=1&b=2")
        assert all(isinstance(params.getlist(key), list) for key in params)
