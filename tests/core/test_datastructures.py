"""Headers, MutableHeaders, QueryParams and State."""

from __future__ import annotations

import pytest

from hornbeam import Headers, MutableHeaders, QueryParams, State

RAW = [
    (b"content-type", b"text/plain"),
    (b"X-Thing", b"one"),
    (b"x-thing", b"two"),
    (b"accept", b"*/*"),
]


class TestHeaders:
    def test_get_ignores_case_and_gives_the_first_value(self) -> None:
        headers = Headers(RAW)
        assert headers.get("x-thing") == "one"
        assert headers.get("X-THING") == "one"
        assert headers["Content-Type"] == "text/plain"

    def test_get_missing_gives_default(self) -> None:
        headers = Headers(RAW)
        assert headers.get("missing") is None
        assert headers.get("missing", "fallback") == "fallback"

    def test_a_name_asked_again_in_other_headers_finds_their_value(self) -> None:
        # Names are encoded once and remembered; the answer must still come from each instance.
        assert Headers([(b"x-once", b"a")]).get("X-Once") == "a"
        assert Headers([(b"x-once", b"b")]).get("X-Once") == "b"
        assert Headers([]).get("X-Once", "none") == "none"

    def test_a_name_outside_latin_1_is_never_found(self) -> None:
        headers = Headers(RAW)
        assert headers.get("x-☃") is None
        assert headers.get("x-☃", "default") == "default"
        assert "x-☃" not in headers

    def test_getitem_missing_raises_key_error(self) -> None:
        with pytest.raises(KeyError):
            Headers(RAW)["missing"]

    def test_getlist_gives_every_value_in_order(self) -> None:
        headers = Headers(RAW)
        assert headers.getlist("X-Thing") == ["one", "two"]
        assert headers.getlist("accept") == ["*/*"]
        assert headers.getlist("missing") == []

    def test_contains_ignores_case(self) -> None:
        headers = Headers(RAW)
        assert "x-thing" in headers
        assert "X-Thing" in headers
        assert "ACCEPT" in headers
        assert "missing" not in headers
        assert 42 not in headers

    def test_iter_yields_each_lowercased_name_once_in_order(self) -> None:
        headers = Headers(RAW)
        assert list(headers) == ["content-type", "x-thing", "accept"]
        assert set(headers.keys()) == {"content-type", "x-thing", "accept"}

    def test_len_counts_distinct_names(self) -> None:
        assert len(Headers(RAW)) == 3
        assert len(Headers()) == 0

    def test_multi_items_keeps_every_pair_with_lowercased_names(self) -> None:
        assert Headers(RAW).multi_items() == [
            ("content-type", "text/plain"),
            ("x-thing", "one"),
            ("x-thing", "two"),
            ("accept", "*/*"),
        ]

    def test_values_are_decoded_as_latin_1(self) -> None:
        headers = Headers([(b"x-name", "caf\u00e9".encode("latin-1"))])
        assert headers["x-name"] == "caf\u00e9"

    def test_non_latin_1_key_is_simply_absent(self) -> None:
        headers = Headers(RAW)
        assert headers.get("\u2603") is None
        assert headers.getlist("\u2603") == []
        assert "\u2603" not in headers

    def test_is_a_read_only_mapping(self) -> None:
        headers = Headers(RAW)
        assert not hasattr(headers, "__setitem__")
        assert not hasattr(headers, "add")


class TestMutableHeaders:
    def test_starts_empty(self) -> None:
        headers = MutableHeaders()
        assert len(headers) == 0
        assert headers.raw == []

    def test_set_replaces_every_existing_value(self) -> None:
        headers = MutableHeaders()
        headers.add("x-a", "1")
        headers.add("X-A", "2")
        headers["X-a"] = "3"
        assert headers.getlist("x-a") == ["3"]
        assert headers.raw == [(b"x-a", b"3")]

    def test_set_lowercases_the_name(self) -> None:
        headers = MutableHeaders()
        headers["Content-Type"] = "text/html"
        assert headers.raw == [(b"content-type", b"text/html")]

    def test_add_appends_so_set_cookie_can_repeat(self) -> None:
        headers = MutableHeaders()
        headers.add("set-cookie", "a=1")
        headers.add("Set-Cookie", "b=2")
        assert headers.getlist("set-cookie") == ["a=1", "b=2"]
        assert headers.raw == [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]

    def test_delete_removes_every_value_ignoring_case(self) -> None:
        headers = MutableHeaders()
        headers.add("x-a", "1")
        headers.add("x-b", "keep")
        headers.add("x-a", "2")
        del headers["X-A"]
        assert "x-a" not in headers
        assert headers.raw == [(b"x-b", b"keep")]

    def test_setdefault_keeps_an_existing_value(self) -> None:
        headers = MutableHeaders()
        headers["x-a"] = "first"
        assert headers.setdefault("X-A", "second") == "first"
        assert headers.getlist("x-a") == ["first"]

    def test_setdefault_adds_a_missing_value(self) -> None:
        headers = MutableHeaders()
        assert headers.setdefault("x-a", "value") == "value"
        assert headers["x-a"] == "value"

    def test_update_from_mapping_and_pairs_replaces(self) -> None:
        headers = MutableHeaders()
        headers.add("x-a", "old")
        headers.add("x-a", "older")
        headers.update({"X-A": "new", "x-b": "b"})
        assert headers.getlist("x-a") == ["new"]
        headers.update([("x-c", "c"), ("x-b", "bb")])
        assert dict(headers.items()) == {"x-a": "new", "x-b": "bb", "x-c": "c"}

    def test_edits_write_through_to_the_shared_raw_list(self) -> None:
        raw: list[tuple[bytes, bytes]] = []
        headers = MutableHeaders(raw)
        headers["x-a"] = "1"
        assert raw == [(b"x-a", b"1")]

    @pytest.mark.parametrize("value", ["a\r\nx-injected: 1", "a\rb", "a\nb", "a\x00b", "\r\n"])
    def test_cr_lf_nul_in_values_are_rejected(self, value: str) -> None:
        headers = MutableHeaders()
        with pytest.raises(ValueError, match="CR, LF and NUL"):
            headers["x-a"] = value
        with pytest.raises(ValueError):
            headers.add("x-a", value)
        with pytest.raises(ValueError):
            headers.setdefault("x-a", value)
        with pytest.raises(ValueError):
            headers.update({"x-a": value})
        assert headers.raw == []

    @pytest.mark.parametrize("name", ["", "bad name", "x:y", "x\r\ny", "caf\u00e9", "a(b)", "x/y", "tab\t"])
    def test_invalid_names_are_rejected(self, name: str) -> None:
        headers = MutableHeaders()
        with pytest.raises(ValueError, match="invalid header name"):
            headers[name] = "v"
        with pytest.raises(ValueError):
            headers.add(name, "v")
        assert headers.raw == []

    def test_token_punctuation_is_a_valid_name(self) -> None:
        headers = MutableHeaders()
        headers["x-a.b_c!#$%&'*+^`|~"] = "v"
        assert headers["X-A.B_C!#$%&'*+^`|~"] == "v"


class TestQueryParams:
    ITEMS = [("a", "1"), ("b", "x"), ("a", "2"), ("c", "")]

    def test_get_and_getitem_give_the_last_value(self) -> None:
        params = QueryParams(self.ITEMS)
        assert params["a"] == "2"
        assert params.get("a") == "2"
        assert params["c"] == ""

    def test_get_missing(self) -> None:
        params = QueryParams(self.ITEMS)
        assert params.get("zzz") is None
        assert params.get("zzz", "d") == "d"
        with pytest.raises(KeyError):
            params["zzz"]

    def test_getlist_gives_all_values_in_order(self) -> None:
        params = QueryParams(self.ITEMS)
        assert params.getlist("a") == ["1", "2"]
        assert params.getlist("b") == ["x"]
        assert params.getlist("zzz") == []

    def test_contains(self) -> None:
        params = QueryParams(self.ITEMS)
        assert "a" in params
        assert "c" in params
        assert "A" not in params  # keys are case-sensitive
        assert "zzz" not in params

    def test_len_counts_distinct_keys(self) -> None:
        assert len(QueryParams(self.ITEMS)) == 3
        assert len(QueryParams()) == 0

    def test_items_give_last_values_and_multi_items_give_all(self) -> None:
        params = QueryParams(self.ITEMS)
        assert list(params.items()) == [("a", "2"), ("b", "x"), ("c", "")]
        assert list(params) == ["a", "b", "c"]
        assert params.multi_items() == self.ITEMS

    def test_accepts_any_iterable_of_pairs(self) -> None:
        params = QueryParams(pair for pair in self.ITEMS)
        assert params.multi_items() == self.ITEMS

    def test_equality_compares_every_pair_in_order(self) -> None:
        assert QueryParams(self.ITEMS) == QueryParams(list(self.ITEMS))
        assert QueryParams([("a", "1"), ("a", "2")]) != QueryParams([("a", "2")])
        assert QueryParams([("a", "1"), ("b", "2")]) != QueryParams([("b", "2"), ("a", "1")])
        assert QueryParams() == QueryParams()

    def test_equal_params_hash_alike(self) -> None:
        assert hash(QueryParams(self.ITEMS)) == hash(QueryParams(list(self.ITEMS)))
        assert len({QueryParams(self.ITEMS), QueryParams(list(self.ITEMS))}) == 1

    def test_immutable(self) -> None:
        params = QueryParams(self.ITEMS)
        with pytest.raises(TypeError):
            params["a"] = "3"  # type: ignore[index]
        with pytest.raises(TypeError):
            del params["a"]  # type: ignore[attr-defined]
        assert not hasattr(params, "add")
        assert not hasattr(params, "update")
        assert params.getlist("a") == ["1", "2"]

    def test_input_list_is_copied(self) -> None:
        items = [("a", "1")]
        params = QueryParams(items)
        items.append(("a", "2"))
        assert params.getlist("a") == ["1"]

    def test_repr_shows_the_pairs(self) -> None:
        assert repr(QueryParams([("a", "1")])) == "QueryParams([('a', '1')])"


class TestState:
    def test_attributes_set_and_read(self) -> None:
        state = State()
        state.user = "ann"
        state.count = 3
        assert state.user == "ann"
        assert state.count == 3

    def test_missing_attribute_raises_attribute_error(self) -> None:
        with pytest.raises(AttributeError):
            State().missing

    def test_delete_attribute(self) -> None:
        state = State()
        state.x = 1
        del state.x
        assert not hasattr(state, "x")

    def test_instances_are_independent(self) -> None:
        one, two = State(), State()
        one.x = 1
        assert not hasattr(two, "x")

    def test_repr_lists_the_values(self) -> None:
        state = State()
        state.x = 1
        assert repr(state) == "State({'x': 1})"
