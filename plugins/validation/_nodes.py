"""Shared plumbing of the validation engine: compiled nodes and lazily collected errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["ANY", "Invalid", "Node", "Err", "Fn", "fail", "nest", "collect", "public_errors", "describe"]

# One failure: (loc relative to the failing node, stored innermost-first; type; msg).
# PERF: parents *append* their key on the way up; the loc is reversed once, at the very end.
Err = tuple[list[Any], str, str]

Fn = Callable[[Any], Any]


class Invalid(Exception):
    """Raised by compiled validators; never escapes the engine (it becomes ValidationError)."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[Err]) -> None:
        self.errors = errors


def fail(type_: str, msg: str) -> Invalid:
    """A fresh single-error ``Invalid`` (fresh because parents mutate the loc list)."""
    return Invalid([([], type_, msg)])


def nest(errors: list[Err] | None, exc: Invalid, key: Any) -> list[Err]:
    """Add ``exc``'s errors, located under ``key``, to ``errors`` (created on first use)."""
    for err in exc.errors:
        err[0].append(key)
    if errors is None:
        return exc.errors
    errors.extend(exc.errors)
    return errors


def collect(fn: Fn, items: Iterable[Any]) -> list[Err]:
    """Run ``fn`` over ``items`` again, keeping every failure with its index."""
    errors: list[Err] = []
    for index, item in enumerate(items):
        try:
            fn(item)
        except Invalid as exc:
            nest(errors, exc, index)
    return errors


def public_errors(errors: list[Err], source: str) -> list[dict[str, Any]]:
    """The ``ValidationError`` items: ``{"loc": [source, ...], "msg": ..., "type": ...}``."""
    return [{"loc": [source, *reversed(loc)], "msg": msg, "type": type_} for loc, type_, msg in errors]


def describe(tp: Any) -> str:
    """A short, readable name for a type, for messages."""
    if tp is type(None) or tp is None:
        return "None"
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


@dataclass(frozen=True, slots=True)
class Node:
    """A compiled validator plus what its parents need to know about it at compile time.

    ``exact``: when an input's type is exactly this class, the result is the input itself,
    so parents may skip the call. ``shape`` is one of "scalar", "seq", "map", "object",
    "any", "none". ``caps`` says which constraints make sense: "order", "len", "str".
    """

    fn: Fn
    name: str
    exact: type | None = None
    is_any: bool = False
    hashable: bool = True
    shape: str = "scalar"
    caps: frozenset[str] = frozenset()
    nullable: bool = False


def _identity(value: Any) -> Any:
    return value


ANY = Node(_identity, "Any", is_any=True, shape="any", caps=frozenset({"order", "len", "str"}))
