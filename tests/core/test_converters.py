"""Path parameter converters: what each accepts and rejects, and round trips."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hornbeam.converters import (
    DEFAULT_CONVERTERS,
    FloatConverter,
    IntConverter,
    PathConverter,
    StrConverter,
    UUIDConverter,
)

INT = IntConverter()
FLOAT = FloatConverter()
UUID = UUIDConverter()
STR = StrConverter()
PATH = PathConverter()

CANONICAL = "12345678-1234-5678-1234-567812345678"


def test_defaults_are_registered_by_name() -> None:
    assert isinstance(DEFAULT_CONVERTERS["int"], IntConverter)
    assert isinstance(DEFAULT_CONVERTERS["float"], FloatConverter)
    assert isinstance(DEFAULT_CONVERTERS["uuid"], UUIDConverter)
    assert isinstance(DEFAULT_CONVERTERS["str"], StrConverter)
    assert isinstance(DEFAULT_CONVERTERS["path"], PathConverter)


def test_priorities_try_typed_converters_before_strings() -> None:
    assert UUID.priority > INT.priority > FLOAT.priority > STR.priority
    assert PATH.catch_all and not any(c.catch_all for c in (INT, FLOAT, UUID, STR))


# int ------------------------------------------------------------------------


@pytest.mark.parametrize(("segment", "value"), [("0", 0), ("7", 7), ("-5", -5), ("007", 7), ("-0", 0), ("12345678901234567890", 12345678901234567890)])
def test_int_accepts(segment: str, value: int) -> None:
    result = INT.convert(segment)
    assert result == value and type(result) is int


@pytest.mark.parametrize(
    "segment",
    ["+1", " 1", "1 ", "1_0", "\u0661", "\uff11", "", "-", "--1", "1-", "1.0", "1e3", "0x10", "abc", "\u00b2", "9" * 101, "1\n"],
)
def test_int_rejects(segment: str) -> None:
    with pytest.raises(ValueError):
        INT.convert(segment)


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (42, "42"), (-3, "-3")])
def test_int_to_url(value: int, text: str) -> None:
    assert INT.to_url(value) == text


@pytest.mark.parametrize("value", [True, False, "1", 1.0, None, [1]])
def test_int_to_url_rejects_non_ints(value: Any) -> None:
    with pytest.raises(ValueError):
        INT.to_url(value)


@given(st.integers())
def test_int_round_trip(value: int) -> None:
    assert INT.convert(INT.to_url(value)) == value


# float ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "value"),
    [("1", 1.0), ("1.5", 1.5), ("-0.25", -0.25), ("0.0", 0.0), ("10", 10.0), ("007.50", 7.5), ("1e5", 1e5), ("2.5E-3", 0.0025), ("1e+2", 100.0)],
)
def test_float_accepts(segment: str, value: float) -> None:
    result = FLOAT.convert(segment)
    assert result == value and type(result) is float


@pytest.mark.parametrize(
    "segment",
    ["nan", "NaN", "inf", "-inf", "infinity", "1e", "1e+", "1.", ".5", "", "-", "+1.0", "1,5", "1_0.0", " 1.0", "1.0 ", "1.2.3", "\u0661.\u0660", "0x1p3", "-.5", "9" * 400, "1e999", "1.0\n"],
)
def test_float_rejects(segment: str) -> None:
    with pytest.raises(ValueError):
        FLOAT.convert(segment)


@pytest.mark.parametrize(("value", "text"), [(1.5, "1.5"), (3, "3.0"), (-0.25, "-0.25"), (1e20, "100000000000000000000.0"), (1e-7, "0.0000001")])
def test_float_to_url_never_uses_an_exponent(value: float, text: str) -> None:
    assert FLOAT.to_url(value) == text


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "1.5", None])
def test_float_to_url_rejects(value: Any) -> None:
    with pytest.raises(ValueError):
        FLOAT.to_url(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value: float) -> None:
    text = FLOAT.to_url(value)
    assert "e" not in text.lower()
    back = FLOAT.convert(text)
    assert back == value
    assert math.copysign(1.0, back) == math.copysign(1.0, value)


# uuid -----------------------------------------------------------------------


def test_uuid_accepts_the_canonical_form() -> None:
    assert UUID.convert(CANONICAL) == uuid.UUID(CANONICAL)


def test_uuid_accepts_upper_case_hex() -> None:
    assert UUID.convert(CANONICAL.upper()) == uuid.UUID(CANONICAL)


@pytest.mark.parametrize(
    "segment",
    [
        "{" + CANONICAL + "}",
        "urn:uuid:" + CANONICAL,
        CANONICAL.replace("-", ""),
        CANONICAL[:-1],
        CANONICAL + "0",
        "1234567-81234-5678-1234-567812345678",  # hyphen in the wrong place
        "g2345678-1234-5678-1234-567812345678",
        "12345678-1234-5678-1234-56781234567-",
        "",
        "-" * 36,
    ],
)
def test_uuid_rejects(segment: str) -> None:
    with pytest.raises(ValueError):
        UUID.convert(segment)


def test_uuid_to_url() -> None:
    value = uuid.UUID(CANONICAL)
    assert UUID.to_url(value) == CANONICAL
    assert UUID.to_url(CANONICAL.upper()) == CANONICAL


@pytest.mark.parametrize("value", ["not-a-uuid", "{" + CANONICAL + "}", 1234, None])
def test_uuid_to_url_rejects(value: Any) -> None:
    with pytest.raises(ValueError):
        UUID.to_url(value)


@given(st.uuids())
def test_uuid_round_trip(value: uuid.UUID) -> None:
    assert UUID.convert(UUID.to_url(value)) == value


# str and path -----------------------------------------------------------------


@pytest.mark.parametrize("segment", ["a", "hello world", "caf\u00e9", "1", "-"])
def test_str_accepts_any_non_empty_segment(segment: str) -> None:
    assert STR.convert(segment) == segment


def test_str_rejects_empty() -> None:
    with pytest.raises(ValueError):
        STR.convert("")
    with pytest.raises(ValueError):
        STR.to_url("")


def test_str_to_url_stringifies() -> None:
    assert STR.to_url("abc") == "abc"
    assert STR.to_url(12) == "12"


@pytest.mark.parametrize("segment", ["a", "a/b/c", "dir/file.txt", "trailing/"])
def test_path_accepts_slashes(segment: str) -> None:
    assert PATH.convert(segment) == segment
    assert PATH.to_url(segment) == segment


def test_path_rejects_empty() -> None:
    with pytest.raises(ValueError):
        PATH.convert("")
    with pytest.raises(ValueError):
        PATH.to_url("")


@given(st.text(min_size=1))
def test_str_round_trip(value: str) -> None:
    assert STR.convert(STR.to_url(value)) == value
