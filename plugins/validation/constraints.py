"""Value constraints read from ``typing.Annotated`` metadata, checked after the type."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ._nodes import Err, Invalid, Node, fail

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

# attribute -> (operator taking (limit, value), error type, words); the same attribute names
# as annotated_types, so its objects are recognised without importing it.
_BOUNDS: dict[str, tuple[Callable[[Any, Any], Any], str, str]] = {
    "gt": (operator.lt, "greater_than", "greater than"),
    "ge": (operator.le, "greater_than_equal", "greater than or equal to"),
    "lt": (operator.gt, "less_than", "less than"),
    "le": (operator.ge, "less_than_equal", "less than or equal to"),
}


def _at_least(limit: int, value: Any) -> bool:
    return len(value) >= limit


def _at_most(limit: int, value: Any) -> bool:
    return len(value) <= limit


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _require(node: Node, cap: str, constraint: Any) -> None:
    if cap not in node.caps:
        raise TypeError(f"constraint {constraint!r} does not apply to {node.name}")


def _checks(node: Node, metadata: Iterable[Any]) -> list[Check]:
    checks: list[Check] = []
    noun = "character" if "str" in node.caps else "item"
    for item in metadata:
        if isinstance(item, Pattern):
            _require(node, "str", item)
            checks.append((item.regex.search, "string_pattern_mismatch", f"String should match pattern {item.pattern!r}"))
            continue
        for attr, (op, type_, words) in _BOUNDS.items():
            limit = getattr(item, attr, None)
            if limit is not None:
                _require(node, "order", item)
                checks.append((partial(op, limit), type_, f"Input should be {words} {limit}"))
        low = getattr(item, "min_length", None)
        if low is not None:
            _require(node, "len", item)
            checks.append((partial(_at_least, low), "too_short", f"Value should have at least {_plural(low, noun)}"))
        high = getattr(item, "max_length", None)
        if high is not None:
            _require(node, "len", item)
            checks.append((partial(_at_most, high), "too_long", f"Value should have at most {_plural(high, noun)}"))
    return checks


def constrain(node: Node, metadata: Iterable[Any]) -> Node:
    """``node`` followed by the checks in ``metadata``; metadata it does not know is ignored.

    Raises TypeError when a constraint does not fit the type (a length on an int, say).
    """
    checks = _checks(node, metadata)
    if not checks:
        return node
    base = node.fn
    if len(checks) == 1 and not node.nullable:
        pred, type_, msg = checks[0]

        def validate_one(value: Any) -> Any:
            result = base(value)
            try:
                if pred(result):
                    return result
            except TypeError:  # e.g. naive vs aware datetimes, or len() of an Any that has none
                pass
            raise fail(type_, msg)

        fn = validate_one
    else:
        nullable = node.nullable

        def validate_all(value: Any) -> Any:
            result = base(value)
            if nullable and result is None:
                return None
            errors: list[Err] | None = None
            for pred, type_, msg in checks:
                try:
                    if pred(result):
                        continue
                except TypeError:
                    pass
                if errors is None:
                    errors = []
                errors.append(([], type_, msg))
            if errors is None:
                return result
            raise Invalid(errors)

        fn = validate_all
    return Node(fn, node.name, hashable=node.hashable, shape=node.shape, caps=node.caps, nullable=node.nullable)
