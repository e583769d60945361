"""hornbeam.parsers, and that paths, query helpers and the validator all read text by it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hornbeam
from hornbeam import BadRequest, QueryParams
from hornbeam.converters import FloatConverter, IntConverter
from hornbeam.errors import ValidationError
from hornbeam.parsers import MAX_INT_DIGITS, parse_bool, parse_decimal, parse_float, parse_int
from hornbeam.plugins.validation import Validator


def test_exported_from_hornbeam() -> None:
    assert hornbeam.parse_int is parse_int and hornbeam.parse_float is parse_float
    assert hornbeam.parse_bool is parse_bool and hornbeam.parse_decimal is parse_decimal
    assert {"parse_int", "parse_float", "parse_bool", "parse_decimal"} <= set(hornbeam.__all__)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("-0", 0), ("007", 7), ("-42", -42), ("9" * MAX_INT_DIGITS, int("9" * MAX_INT_DIGITS))])
def test_parse_int_accepts(text: str, value: int) -> None:
    assert parse_int(text) == value and type(parse_int(text)) is int


@pytest.mark.parametrize(
    "text",
    ["", "-", "+3", " 3", "3 ", "1_000", "\u0663", "\uff13", "\u00b2", "1.0", "1e3", "0x1", "--1", "3\n", "\u0663" * 5000],
)
def test_parse_int_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not an integer"):
        parse_int(text)


def test_parse_int_refuses_huge_numbers_cleanly() -> None:
    with pytest.raises(ValueError, match=f"more than {MAX_INT_DIGITS} digits"):
        parse_int("9" * (MAX_INT_DIGITS + 1))
    # Past Python's own 4300-digit limit too: the same clean ValueError, quoting 40 characters.
    with pytest.raises(ValueError) as info:
        parse_int("9" * 100_000)
    assert len(str(info.value)) < 120


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), ("-0.5", -0.5), ("1e3", 1000.0), ("1E-2", 0.01), ("2.5e+1", 25.0), ("007.5", 7.5), ("1e-400", 0.0)],
)
def test_parse_float_accepts(text: str, value: float) -> None:
    assert parse_float(text) == value and type(parse_float(text)) is float


@pytest.mark.parametrize(
    "text",
    ["nan", "NaN", "inf", "-Infinity", "1e999", "9" * 400, "+1", " 1", "1.", ".5", "1_0", "\u0661", "1e", "0x1p3", "1.0\n", ""],
)
def test_parse_float_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_float(text)


def test_parse_decimal_uses_the_number_grammar() -> None:
    assert parse_decimal("1.10") == Decimal("1.10") and str(parse_decimal("1.10")) == "1.10"
    assert parse_decimal("-2e3") == Decimal("-2e3")
    for text in ("NaN", "Infinity", "+1", " 1", "1_0", ".5", "\u0661"):
        with pytest.raises(ValueError):
            parse_decimal(text)


@pytest.mark.parametrize(("text", "value"), [("", True), ("true", True), ("TRUE", True), ("On", True), ("1", True),
                                             ("yes", True), ("false", False), ("No", False), ("0", False), ("OFF", False)])  # fmt: skip
def test_parse_bool_words(text: str, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", [" ", "t", "f", "2", "maybe", " true", "true ", "y", "n", "\u0661", "x" * 10_000])
def test_parse_bool_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a boolean"):
        parse_bool(text)


# --- every place agrees -------------------------------------------------------------


@dataclass
class Typed:
    n: int | None = None
    x: float | None = None
    flag: bool | None = None


TYPED = Validator().compile(Typed, "query")


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        value = call()
    except (ValueError, BadRequest, ValidationError):
        return ("refused", None)
    # -0.0 and 0.0 compare equal; the sign must agree too.
    return ("accepted", (value, math.copysign(1, value) if isinstance(value, float) else None))


def _answers(kind: str, text: str) -> set[tuple[str, Any]]:
    params = QueryParams([(kind, text)])
    query = _outcome(lambda: getattr(TYPED(params), kind))
    if kind == "n":
        return {_outcome(lambda: IntConverter().convert(text)), _outcome(lambda: params.get_int("n")), query,
                _outcome(lambda: parse_int(text))}  # fmt: skip
    if kind == "x":
        return {_outcome(lambda: FloatConverter().convert(text)), _outcome(lambda: params.get_float("x")), query,
                _outcome(lambda: parse_float(text))}  # fmt: skip
    # No path converter reads booleans; the query helper and the validator must agree.
    return {_outcome(lambda: params.get_bool("flag")), query, _outcome(lambda: parse_bool(text))}


NUMBERISH = st.text(
    alphabet=st.sampled_from(list("0123456789-+._eE nNaiIfFtTyYoOsS\t\n") + ["\u0663", "\uff13", "\u00b2", "\u0660", "\u2007"]),
    max_size=12,
)
texts = st.one_of(
    NUMBERISH,
    st.text(max_size=8),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "+3", " 3 ", "1_000", "\u0663", "\uff13", "1e999",
                     "9" * 400, "9" * 5000, "", "yes", "Off", "TRUE", "1.", ".5", "-0", "-0.0"]),  # fmt: skip
    st.integers(min_value=90, max_value=110).map(lambda n: "9" * n),
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["n", "x", "flag"]), texts)
def test_paths_query_helpers_and_validator_agree(kind: str, text: str) -> None:
    answers = _answers(kind, text)
    assert len(answers) == 1, (kind, text, answers)


@pytest.mark.parametrize(
    ("kind", "text"),
    [("n", "\u0663"), ("n", "+3"), ("n", " 3 "), ("n", "\uff13"), ("x", "nan"), ("x", "inf"), ("x", "9" * 400),
     ("n", "9" * 5000), ("flag", ""), ("flag", "maybe")],
)  # fmt: skip
def test_the_reported_disagreements_are_gone(kind: str, text: str) -> None:
    assert len(_answers(kind, text)) == 1


def test_blank_bool_is_true_everywhere() -> None:
    params = QueryParams([("flag", "")])
    assert params.get_bool("flag") is True and TYPED(params).flag is True and parse_bool("") is True


def test_query_helper_messages_quote_little_of_the_value() -> None:
    with pytest.raises(BadRequest) as info:
        QueryParams([("n", "x" * 100_000)]).get_int("n")
    assert info.value.detail is not None and len(info.value.detail) < 200
    assert info.value.to_problem()["field"] == "n"
