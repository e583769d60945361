"""Shared plumbing of the validation engine: compiled nodes, failures and the checking walk.

Every node has two functions. ``fn(value) -> result`` is the fast path: it raises
``Invalid`` at the first failure and says nothing useful about it. Only when ``fn``
fails does the engine walk the value again with ``check(value, budget) -> errors``,
which lists the failures with their locations and stops once the budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANY", "Budget", "Check", "Err", "Fn", "Invalid", "Node",
    "describe", "fail", "leaf_check", "nest", "rest", "spend",
]  # fmt: skip

# One failure: (loc relative to the failing node, stored innermost-first; type; msg).
# PERF: parents *append* their key on the way up; the loc is reversed once, at the very end.
Err = tuple[list[Any], str, str]

Fn = Callable[[Any], Any]


class Budget:
    """How many more errors a checking walk may record.

    Walks stop looking once ``left`` reaches zero and then set ``stopped`` when something
    was left unexamined. ``counted`` holds errors found but not recorded (unknown keys,
    which are cheap to count).
    """

    __slots__ = ("left", "counted", "stopped")

    def __init__(self, left: int) -> None:
        self.left = left
        self.counted = 0
        self.stopped = False


Check = Callable[[Any, Budget], list[Err]]


class Invalid(Exception):
    """Raised by compiled validators; never escapes the engine (it becomes ValidationError)."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[Err]) -> None:
        self.errors = errors


def fail(type_: str, msg: str) -> Invalid:
    """A fresh single-error ``Invalid`` (fresh because parents mutate the loc list)."""
    return Invalid([([], type_, msg)])


def spend(budget: Budget, type_: str, msg: str) -> list[Err]:
    """One error of the node itself, paid for from ``budget``."""
    budget.left -= 1
    return [([], type_, msg)]


def nest(errors: list[Err], found: list[Err], key: Any) -> None:
    """Add ``found``, located under ``key``, to ``errors``."""
    for err in found:
        err[0].append(key)
    errors.extend(found)


def rest(fn: Fn, value: Any, budget: Budget) -> list[Err]:
    """What ``fn`` refuses once every part checked out (a set of unhashable items, a
    ``__post_init__`` ValueError): its one error, or none."""
    try:
        fn(value)
    except Invalid as exc:
        budget.left -= len(exc.errors)
        return exc.errors
    return []


def leaf_check(fn: Fn) -> Check:
    """The checking walk of a node without parts: its one error, if any."""

    def check(value: Any, budget: Budget) -> list[Err]:
        return rest(fn, value, budget)

    return check


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

    ``check`` is the error-listing walk (a node without parts leaves it None and gets
    ``leaf_check(fn)``). ``exact``: when an input's type is exactly this class, the
    result is the input itself, so parents may skip the call. ``shape`` is one of
    "scalar", "seq", "map", "object", "any", "none". ``caps`` says which constraints make
    sense: "order", "len", "str". ``prelen``: input types whose ``len()`` is the
    result's, so a length constraint can refuse them before any item is looked at;
    ``shrinks``: the result may be shorter than such an input (sets, coerced dict keys).
    """

    fn: Fn
    name: str
    exact: type | None = None
    is_any: bool = False
    hashable: bool = True
    shape: str = "scalar"
    caps: frozenset[str] = frozenset()
    nullable: bool = False
    check: Check | None = None
    prelen: frozenset[type] = frozenset()
    shrinks: bool = False

    def checker(self) -> Check:
        """The checking walk of this node."""
        return self.check if self.check is not None else leaf_check(self.fn)


def _identity(value: Any) -> Any:
    return value


def _no_errors(value: Any, budget: Budget) -> list[Err]:
    return []


ANY = Node(_identity, "Any", is_any=True, shape="any", caps=frozenset({"order", "len", "str"}), check=_no_errors)
