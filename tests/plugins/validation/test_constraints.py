"""Constraints: length before items, cheap checks first, the first failure ends the checks."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest

from hornbeam.errors import ValidationError
from hornbeam.plugins.validation import Ge, Le, MaxLen, MinLen, Pattern, Validator

V = Validator()


def error_types(tp: Any, data: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        V.compile(tp, "body")(data)
    return [e["type"] for e in info.value.errors]


class RecordingRegex:
    """Stands in for a compiled pattern and records every string it is asked to search."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.seen: list[str] = []

    def search(self, text: str) -> re.Match[str] | None:
        self.seen.append(text)
        return self.regex.search(text)


def recording(pattern: str) -> tuple[Pattern, RecordingRegex]:
    marker = Pattern(pattern)
    spy = RecordingRegex(pattern)
    object.__setattr__(marker, "regex", spy)
    return marker, spy


def test_catastrophic_pattern_never_runs_on_a_string_maxlen_refused() -> None:
    text = "a" * 24 + "!"
    assert error_types(Annotated[str, MaxLen(10), Pattern(r"^(a+)+$")], text) == ["too_long"]
    marker, spy = recording(r"^(a+)+$")
    assert error_types(Annotated[str, MaxLen(10), marker], text) == ["too_long"]
    assert spy.seen == []


def test_length_runs_before_pattern_whatever_the_order_written() -> None:
    marker, spy = recording(r"^a")
    assert error_types(Annotated[str, marker, MinLen(3)], "b") == ["too_short"]
    assert spy.seen == []
    assert error_types(Annotated[str, marker, MinLen(3)], "bbb") == ["string_pattern_mismatch"]


def test_the_first_failure_ends_the_checks() -> None:
    assert error_types(Annotated[int, Ge(5), Le(1)], 3) == ["greater_than_equal"]
    assert error_types(Annotated[str, MinLen(3), Pattern("^a")], "b") == ["too_short"]


def test_a_too_long_container_is_refused_before_its_items() -> None:
    for tp, data in [
        (Annotated[list[int], MaxLen(2)], ["x", "y", "z"]),
        (Annotated[tuple[int, ...], MaxLen(2)], ["x", "y", "z"]),
        (Annotated[set[int], MaxLen(2)], ["x", "y", "z"]),
        (Annotated[frozenset[int], MaxLen(2)], ["x", "y", "z"]),
        (Annotated[dict[str, int], MaxLen(2)], {"a": "x", "b": "y", "c": "z"}),
        (Annotated[list[int] | None, MaxLen(2)], ["x", "y", "z"]),
    ]:
        assert error_types(tp, data) == ["too_long"], tp
    assert error_types(Annotated[list[int], MinLen(3)], ["x"]) == ["too_short"]


def test_length_of_the_wrong_type_is_a_type_error() -> None:
    assert error_types(Annotated[list[int], MaxLen(1)], {"a": 1, "b": 2}) == ["list_type"]
    assert error_types(Annotated[str, MaxLen(1)], ["a", "b"]) == ["string_type"]
    assert error_types(Annotated[dict[str, int], MaxLen(1)], [1, 2]) == ["dict_type"]


def test_sets_check_min_length_on_the_distinct_items() -> None:
    fn = V.compile(Annotated[set[int], MinLen(2)], "body")
    assert fn([1, 2]) == {1, 2}
    assert error_types(Annotated[set[int], MinLen(2)], [1, 1]) == ["too_short"]
    assert error_types(Annotated[dict[int, int], MinLen(2)], {"1": 1, "01": 2}) == ["too_short"]


def test_bytes_length_is_counted_in_bytes() -> None:
    assert error_types(Annotated[bytes, MaxLen(1)], "\u00e9") == ["too_long"]
    assert V.compile(Annotated[bytes, MaxLen(2)], "body")("\u00e9") == "\u00e9".encode()
