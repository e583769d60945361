"""Value constraints read from ``typing.Annotated`` metadata.

Checks run cheap-first and stop at a value's first failure: lengths, then bounds, then
patterns, whatever order they were written in. A container's length is checked before
its items (a list that is too long is refused without looking at one of them), so a
length limit also bounds the work a bad input can cause.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ._errors import shorten
from ._nodes import Budget, Err, Node, fail, rest, spend

__all__ = ["Ge", "Gt", "Le", "Lt", "MinLen", "MaxLen", "Pattern", "constrain"]


@dataclass(frozen=True, slots=True)
class Ge:
    """The value must be ``>= ge``."""

    ge: Any


@dataclass(frozen=True, slots=True)
class Gt:
    """The value must be ``> gt``."""

    gt: Any


@dataclass(frozen=True, slots=True)
class Le:
    """The value must be ``<= le``."""

    le: Any


@dataclass(frozen=True, slots=True)
class Lt:
    """The value must be ``< lt``."""

    lt: Any


@dataclass(frozen=True, slots=True)
class MinLen:
    """The value (string, bytes or collection) must have at least ``min_length`` items."""

    min_length: int


@dataclass(frozen=True, slots=True)
class MaxLen:
    """The value (string, bytes or collection) must have at most ``max_length`` items."""

    max_length: int


@dataclass(frozen=True, slots=True)
class Pattern:
    """The string must contain a match of ``pattern`` (``re.search``; anchor it for a full match)."""

    pattern: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


Check = tuple[Callable[[Any], Any], str, str]
Length = tuple[bool, int, str, str]  # (is a minimum, limit, error type, message)

# attribute -> (operator taking (limit, value), error type, words); the same attribute names
# as annotated_types, so its objects are recognised without importing it.
_BOUNDS: dict[str, tuple[Callable[[Any, Any], Any], str, str]] = {
    "gt": (operator.lt, "greater_than", "greater than"),
    "ge": (operator.le, "greater_than_equal", "greater than or equal to"),
    "lt": (operator.gt, "less_than", "less than"),
    "le": (operator.ge, "less_than_equal", "less than or equal to"),
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _require(node: Node, cap: str, constraint: Any) -> None:
    if cap not in node.caps:
        raise TypeError(f"constraint {constraint!r} does not apply to {node.name}")


def _checks(node: Node, metadata: Iterable[Any]) -> tuple[list[Length], list[Check]]:
    """The length checks, and the other checks in the order they should run (bounds, then patterns)."""
    lengths: list[Length] = []
    bounds: list[Check] = []
    patterns: list[Check] = []
    noun = "character" if "str" in node.caps else "item"
    for item in metadata:
        if isinstance(item, Pattern):
            _require(node, "str", item)
            msg = f"String should match pattern {shorten(item.pattern, 100)!r}"
            patterns.append((item.regex.search, "string_pattern_mismatch", msg))
            continue
        for attr, (op, type_, words) in _BOUNDS.items():
            limit = getattr(item, attr, None)
            if limit is not None:
                _require(node, "order", item)
                bounds.append((partial(op, limit), type_, f"Input should be {words} {shorten(repr(limit), 100)}"))
        low = getattr(item, "min_length", None)
        if low is not None:
            _require(node, "len", item)
            lengths.append((True, low, "too_short", f"Value should have at least {_plural(low, noun)}"))
        high = getattr(item, "max_length", None)
        if high is not None:
            _require(node, "len", item)
            lengths.append((False, high, "too_long", f"Value should have at most {_plural(high, noun)}"))
    return lengths, bounds + patterns


def _length_failure(lengths: list[Length], size: int | None) -> tuple[str, str]:
    """The first length constraint that ``size`` breaks (None: the value has no length)."""
    for is_min, limit, type_, msg in lengths:
        if size is None or ((size < limit) if is_min else (size > limit)):
            return type_, msg
    raise AssertionError("no length constraint fails")  # pragma: no cover - callers check first


def constrain(node: Node, metadata: Iterable[Any]) -> Node:
    """``node`` with the checks in ``metadata``; metadata it does not know is ignored.

    Raises TypeError when a constraint does not fit the type (a length on an int, say).
    """
    lengths, checks = _checks(node, metadata)
    if not lengths and not checks:
        return node
    # PERF: the limits merged into two ints, so a length in range costs two comparisons;
    # which constraint failed is worked out only on failure.
    low = max((limit for is_min, limit, _, _ in lengths if is_min), default=0)
    high = min((limit for is_min, limit, _, _ in lengths if not is_min), default=sys.maxsize)
    base = node.fn
    nullable = node.nullable
    if not lengths and len(checks) == 1 and not nullable:
        pred, type_, msg = checks[0]

        def validate_one(value: Any) -> Any:
            result = base(value)
            try:
                if pred(result):
                    return result
            except TypeError:  # e.g. naive vs aware datetimes
                pass
            raise fail(type_, msg)

        fn = validate_one
    elif not lengths:

        def validate_checks(value: Any) -> Any:
            result = base(value)
            if nullable and result is None:
                return None
            for pred, type_, msg in checks:
                try:
                    if pred(result):
                        continue
                except TypeError:
                    pass
                raise fail(type_, msg)
            return result

        fn = validate_checks
    else:
        prelen = node.prelen
        shrinks = node.shrinks
        exact = node.exact
        checks_ = tuple(checks)

        def validate(value: Any) -> Any:
            if type(value) in prelen:
                # The input's length is the result's: refuse it before looking at an item.
                size = len(value)
                if size < low or size > high:
                    raise fail(*_length_failure(lengths, size))
                result: Any = value if type(value) is exact else base(value)
                if shrinks and len(result) < low:
                    raise fail(*_length_failure(lengths, len(result)))
            else:
                result = base(value)
                if nullable and result is None:
                    return None
                if lengths:
                    try:
                        size = len(result)
                    except TypeError:  # len() of an Any that has none
                        raise fail(*_length_failure(lengths, None)) from None
                    if size < low or size > high:
                        raise fail(*_length_failure(lengths, size))
            for pred, type_, msg in checks_:
                try:
                    if pred(result):
                        continue
                except TypeError:
                    pass
                raise fail(type_, msg)
            return result

        fn = validate
    base_check = node.checker()
    prelen = node.prelen

    def check(value: Any, budget: Budget) -> list[Err]:
        if lengths and type(value) in prelen and not low <= len(value) <= high:
            return spend(budget, *_length_failure(lengths, len(value)))
        return base_check(value, budget) or rest(fn, value, budget)

    return Node(
        fn, node.name, hashable=node.hashable, shape=node.shape, caps=node.caps, nullable=nullable,
        check=check, prelen=node.prelen, shrinks=node.shrinks,
    )  # fmt: skip
