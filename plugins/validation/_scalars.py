"""Scalar validators: strict ones for JSON bodies, string-coercing ("lax") ones for query/path."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from hornbeam.converters import UUIDConverter
from hornbeam.parsers import FALSE_WORDS, MAX_INT_DIGITS, TRUE_WORDS, parse_bool, parse_decimal, parse_float, parse_int

from ._nodes import Fn, Node, describe, fail

__all__ = ["scalar_node", "literal_node", "enum_node"]

_ORDER = frozenset({"order"})
_LEN = frozenset({"len"})
_STR = frozenset({"len", "str"})
_STR_INPUT = frozenset({str})

# How a literal True or False can be spelled in a query (parse_bool ignores case as well).
_BOOL_WORDS = {True: sorted(TRUE_WORDS), False: sorted(FALSE_WORDS)}


def _strict_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise fail("string_type", "Input should be a valid string")


def _strict_int(value: Any) -> Any:
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise fail("int_type", "Input should be a valid integer")


def _strict_float(value: Any) -> Any:
    if type(value) is float:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            pass
    raise fail("float_type", "Input should be a valid number")


def _strict_bool(value: Any) -> Any:
    if value is True or value is False:
        return value
    raise fail("bool_type", "Input should be a valid boolean")


def _none(value: Any) -> Any:
    if value is None:
        return None
    raise fail("none_type", "Input should be null")


def _bytes(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return value.encode()
        except UnicodeEncodeError:
            pass
    elif isinstance(value, bytes):
        return value
    raise fail("bytes_type", "Input should be a valid string of UTF-8 text")


def _lax_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise fail("string_type", "Input should be a valid string")


def _lax_int(value: Any) -> Any:
    if isinstance(value, str):
        # PERF: the usual unsigned value, inline; the same test parse_int starts with.
        if value.isdigit() and value.isascii() and len(value) <= MAX_INT_DIGITS:
            return int(value)
        try:
            return parse_int(value)
        except ValueError:
            raise fail("int_parsing", "Input should be a valid integer, unable to parse string as an integer") from None
    return _strict_int(value)


def _lax_float(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_float(value)
        except ValueError:
            raise fail("float_parsing", "Input should be a valid number, unable to parse string as a number") from None
    return _strict_float(value)


def _lax_bool(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_bool(value)
        except ValueError:
            raise fail("bool_parsing", "Input should be a valid boolean, unable to interpret input") from None
    if value is True or value is False:
        return value
    if type(value) is int and (value == 0 or value == 1):
        return value == 1
    raise fail("bool_type", "Input should be a valid boolean")


def _parsed(cls: type, parse: Fn, kind: str, what: str) -> Fn:
    type_msg = f"Input should be a valid {what}"
    parse_msg = f"Input should be a valid {what}, unable to parse string"

    def validate(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                raise fail(f"{kind}_parsing", parse_msg) from None
        # Already typed values come from Python callers and path converters, not from JSON.
        if type(value) is cls:
            return value
        raise fail(f"{kind}_type", type_msg)

    return validate


def _decimal(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_decimal(value)
        except ValueError:
            raise fail("decimal_parsing", "Input should be a valid decimal, unable to parse string") from None
    if isinstance(value, float):
        # str() first: Decimal(0.1) would keep the binary float's long expansion.
        result = Decimal(str(value))
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        result = Decimal(value)
    else:
        raise fail("decimal_type", "Input should be a valid decimal")
    # NaN would make every later comparison (constraints, user code) raise instead of compare.
    if result.is_finite():
        return result
    raise fail("decimal_parsing", "Input should be a finite decimal")


# RFC 3339 (what JSON Schema's date-time, date and time formats mean), with the offset
# optional so that naive datetimes and times can be sent; datetime.fromisoformat alone
# would also take week dates, a space or any character as separator, "20240501" and more.
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
_DATETIME_RE = re.compile(rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[Tt]{_TIME_RE}")
_CLOCK_RE = re.compile(_TIME_RE)
_UUID_CONVERTER = UUIDConverter()


def _strict_text(regex: re.Pattern[str], parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse_text(text: str) -> Any:
        if regex.fullmatch(text) is None:
            raise ValueError(text)
        return parse(text.upper())

    return parse_text


_DATETIME = _parsed(datetime, _strict_text(_DATETIME_RE, datetime.fromisoformat), "datetime", "datetime")
_DATE = _parsed(date, _strict_text(_DATE_RE, date.fromisoformat), "date", "date")
_TIME = _parsed(time, _strict_text(_CLOCK_RE, time.fromisoformat), "time", "time")
# The canonical 8-4-4-4-12 form, as in paths; UUID() alone would take braces, URNs, no hyphens.
_UUID = _parsed(UUID, _UUID_CONVERTER.convert, "uuid", "UUID")

# type -> (strict validator, lax validator, exact pass-through class or None, caps)
_SCALARS: dict[Any, tuple[Fn, Fn, type | None, frozenset[str]]] = {
    str: (_strict_str, _lax_str, str, _STR),
    int: (_strict_int, _lax_int, int, _ORDER),
    float: (_strict_float, _lax_float, float, _ORDER),
    bool: (_strict_bool, _lax_bool, bool, frozenset()),
    type(None): (_none, _none, type(None), frozenset()),
    bytes: (_bytes, _bytes, bytes, _LEN),
    datetime: (_DATETIME, _DATETIME, None, _ORDER),
    date: (_DATE, _DATE, None, _ORDER),
    time: (_TIME, _TIME, None, _ORDER),
    UUID: (_UUID, _UUID, None, frozenset()),
    Decimal: (_decimal, _decimal, None, _ORDER),
}


def scalar_node(tp: Any, lax: bool) -> Node | None:
    """The node for a plain scalar type, or None when ``tp`` is not one."""
    try:
        entry = _SCALARS.get(tp)
    except TypeError:  # not even hashable, so certainly not a scalar type
        return None
    if entry is None:
        return None
    strict_fn, lax_fn, exact, caps = entry
    shape = "none" if tp is type(None) else "scalar"
    prelen = _STR_INPUT if tp is str else frozenset()
    return Node(lax_fn if lax else strict_fn, describe(tp), exact=exact, shape=shape, caps=caps, prelen=prelen)


def _choices(values: list[Any]) -> str:
    shown = [repr(v.value if isinstance(v, enum.Enum) else v) for v in values]
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} or {shown[-1]}"


def _as_text(value: Any) -> list[str]:
    """How ``value`` can be spelled in a query string or path."""
    if isinstance(value, enum.Enum):
        return _as_text(value.value)
    if value is True or value is False:
        return _BOOL_WORDS[value]
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, bytes):
        return [value.decode("utf-8", "replace")]
    return []


def _table_node(choices: list[Any], pairs: list[tuple[Any, Any]], name: str, type_: str, lax: bool) -> Node:
    # Keyed by (type, value) because True == 1 and hash(True) == hash(1): a plain dict would
    # let JSON `true` through as the literal 1.
    table: dict[tuple[type, Any], Any] = {}
    for raw, result in pairs:
        try:
            table[(type(raw), raw)] = result
        except TypeError:  # an enum whose value is a list can never come out of JSON as one
            pass
    text: dict[str, Any] = {}
    if lax:
        for raw, result in reversed(pairs):
            for spelling in _as_text(raw):
                text[spelling] = result
    fold = any(raw is True or raw is False for raw, _ in pairs)  # "TRUE" as well as "true"
    msg = f"Input should be {_choices(choices)}"

    def validate(value: Any) -> Any:
        try:
            return table[(type(value), value)]
        except (KeyError, TypeError):  # TypeError: an unhashable input such as a list
            pass
        if lax and isinstance(value, str):
            result = text.get(value)
            if result is None and fold:
                result = text.get(value.lower())
            if result is not None:
                return result
        raise fail(type_, msg)

    return Node(validate, name)


def literal_node(values: tuple[Any, ...], name: str, lax: bool) -> Node:
    pairs: list[tuple[Any, Any]] = []
    for value in values:
        if not isinstance(value, (str, int, bytes, enum.Enum)) and value is not None:
            raise TypeError(f"unsupported Literal value {value!r} in {name}")
        pairs.append((value, value))
        if isinstance(value, enum.Enum):
            pairs.append((value.value, value))
    return _table_node(list(values), pairs, name, "literal_error", lax)


def enum_node(cls: type[enum.Enum], lax: bool) -> Node:
    members = list(cls)
    if not members:
        raise TypeError(f"enum {cls.__qualname__} has no members")
    pairs = [(m, m) for m in members] + [(m.value, m) for m in members]
    caps = _ORDER if issubclass(cls, int) else frozenset()
    return Node(_table_node(members, pairs, cls.__qualname__, "enum", lax).fn, cls.__qualname__, caps=caps)

