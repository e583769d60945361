"""Validators for lists, tuples, sets, dicts and unions, built from their members' nodes."""

from __future__ import annotations

from typing import Any

from ._nodes import ANY, Budget, Check, Err, Fn, Invalid, Node, fail, nest, rest, spend

__all__ = ["sequence_node", "tuple_node", "dict_node", "union_node"]

_LEN = frozenset({"len"})
_ARRAY_MSG = "Input should be a valid array"
_ARRAYS = frozenset({list, tuple})
_SETS = frozenset({list, tuple, set, frozenset})


class _Never:
    """A class no value has: ``type(x) is _Never`` is the "no fast path" test."""


def _list_validator(item: Node) -> Fn:
    fn = item.fn
    exact = item.exact

    if item.is_any:

        def validate_any(value: Any) -> Any:
            if type(value) is list or isinstance(value, (list, tuple)):
                return list(value)
            raise fail("list_type", _ARRAY_MSG)

        return validate_any

    if exact is None:

        def validate(value: Any) -> Any:
            if type(value) is not list and not isinstance(value, (list, tuple)):
                raise fail("list_type", _ARRAY_MSG)
            # PERF: no error bookkeeping on the way; a failure is listed by the checking walk.
            return [fn(x) for x in value]

        return validate

    def validate_exact(value: Any) -> Any:
        if type(value) is not list and not isinstance(value, (list, tuple)):
            raise fail("list_type", _ARRAY_MSG)
        # PERF: a plain loop and a C-level copy beat a comprehension (a function call on
        # 3.11) by ~30% when every item already has the right type, the usual case.
        for x in value:
            if type(x) is not exact:
                break
        else:
            return list(value)
        return [x if type(x) is exact else fn(x) for x in value]

    return validate_exact


def _list_check(item: Node, fn: Fn) -> Check:
    """The checking walk of a list, tuple or set of ``item``, whose fast path is ``fn``."""
    check_item = item.checker()
    exact = item.exact or _Never

    def check(value: Any, budget: Budget) -> list[Err]:
        if type(value) is not list and not isinstance(value, (list, tuple, set, frozenset)):
            return spend(budget, "list_type", _ARRAY_MSG)
        errors: list[Err] = []
        for index, x in enumerate(value):
            if type(x) is exact:
                continue
            if budget.left <= 0:
                budget.stopped = True
                break
            found = check_item(x, budget)
            if found:
                nest(errors, found, index)
        return errors or rest(fn, value, budget)

    return check


def sequence_node(item: Node, out: type, name: str) -> Node:
    """``list``/``tuple``/``set``/``frozenset`` of ``item``, from a list or tuple."""
    as_list = _list_validator(item)
    if out is list:
        return Node(as_list, name, hashable=False, shape="seq", caps=_LEN, check=_list_check(item, as_list), prelen=_ARRAYS)
    if out is tuple:

        def validate_tuple(value: Any) -> Any:
            return tuple(as_list(value))

        check = _list_check(item, validate_tuple)
        return Node(validate_tuple, name, hashable=item.hashable, shape="seq", caps=_LEN, check=check, prelen=_ARRAYS)
    if not item.hashable:
        raise TypeError(f"{name}: set items must be hashable and {item.name} is not")

    def validate_set(value: Any) -> Any:
        if isinstance(value, (set, frozenset)):
            value = list(value)
        items = as_list(value)
        try:
            return out(items)
        except TypeError:  # Any items (or a frozen dataclass holding a list) may be unhashable
            raise fail("set_type", "Set items should be hashable") from None

    check = _list_check(item, validate_set)
    return Node(
        validate_set, name, hashable=out is frozenset, shape="seq", caps=_LEN, check=check, prelen=_SETS, shrinks=True
    )


def tuple_node(items: list[Node], name: str) -> Node:
    """A fixed-length ``tuple[A, B, ...]`` from a list or tuple of exactly that length."""
    fns = [node.fn for node in items]
    checks = [node.checker() for node in items]
    size = len(fns)
    noun = "item" if size == 1 else "items"

    def length_error(value: Any) -> tuple[str, str] | None:
        if type(value) is not list and not isinstance(value, (list, tuple)):
            return "list_type", _ARRAY_MSG
        if len(value) != size:
            type_ = "too_short" if len(value) < size else "too_long"
            return type_, f"Tuple should have {size} {noun}, got {len(value)}"
        return None

    def validate(value: Any) -> Any:
        if type(value) is not list or len(value) != size:
            error = length_error(value)
            if error is not None:
                raise fail(*error)
        return tuple([fn(x) for fn, x in zip(fns, value)])

    def check(value: Any, budget: Budget) -> list[Err]:
        error = length_error(value)
        if error is not None:
            return spend(budget, *error)
        errors: list[Err] = []
        for index, (check_item, x) in enumerate(zip(checks, value)):
            if budget.left <= 0:
                budget.stopped = True
                break
            found = check_item(x, budget)
            if found:
                nest(errors, found, index)
        return errors

    hashable = all(node.hashable for node in items)
    return Node(validate, name, hashable=hashable, shape="seq", caps=_LEN, check=check, prelen=_ARRAYS)


def dict_node(key: Node, value: Node, name: str) -> Node:
    """``dict[K, V]`` from a dict; keys are coerced like query values (JSON keys are strings)."""
    if not key.hashable or key.shape not in ("scalar", "any"):
        raise TypeError(f"{name}: {key.name} cannot be a dict key")
    kfn, vfn = key.fn, value.fn
    kcheck, vcheck = key.checker(), value.checker()
    kexact = key.exact or _Never
    vexact = value.exact or _Never
    vany = value.is_any

    def validate(data: Any) -> Any:
        if type(data) is not dict and not isinstance(data, dict):
            raise fail("dict_type", "Input should be a valid object")
        # PERF: as for lists, a check-only loop and a C-level copy for the usual
        # `dict[str, int]` / `dict[str, Any]` payload whose items are already right.
        for k, v in data.items():
            if type(k) is not kexact or (type(v) is not vexact and not vany):
                break
        else:
            return dict(data)
        return {(k if type(k) is kexact else kfn(k)): (v if type(v) is vexact else vfn(v)) for k, v in data.items()}

    def check(data: Any, budget: Budget) -> list[Err]:
        if type(data) is not dict and not isinstance(data, dict):
            return spend(budget, "dict_type", "Input should be a valid object")
        errors: list[Err] = []
        for k, v in data.items():
            if budget.left <= 0:
                budget.stopped = True
                break
            if type(k) is not kexact:
                found = kcheck(k, budget)
                if found:
                    nest(errors, found, k)
            if not vany and type(v) is not vexact:
                found = vcheck(v, budget)
                if found:
                    nest(errors, found, k)
        return errors

    # Coerced keys may collide ("1" and "01" are both 1), so the result may be shorter.
    shrinks = key.exact is not str and not key.is_any
    return Node(validate, name, hashable=False, shape="map", caps=_LEN, check=check, prelen=frozenset({dict}), shrinks=shrinks)


def union_node(members: list[Node], name: str) -> Node:
    """``A | B | ...``: an exact type match is kept; otherwise the first member that accepts."""
    if any(member.is_any for member in members):
        return Node(ANY.fn, name, is_any=True, shape="any", caps=ANY.caps, hashable=ANY.hashable, check=ANY.check)
    present = [member for member in members if member.shape != "none"]
    nullable = len(present) < len(members) or any(member.nullable for member in members)
    shapes = {member.shape for member in present}
    shape = shapes.pop() if len(shapes) == 1 else "mixed"
    caps = frozenset.intersection(*(member.caps for member in present))
    hashable = all(member.hashable for member in members)
    prelen = frozenset().union(*(member.prelen for member in present))
    if any("len" in member.caps and not member.prelen for member in present):
        # bytes takes a str and is longer than it: a str's length says nothing here.
        prelen -= {str}
    shrinks = any(member.shrinks for member in present)
    if len(present) == 1 and len(members) == 2:
        inner, inner_check = present[0].fn, present[0].checker()

        def validate_optional(value: Any) -> Any:
            if value is None:
                return None
            return inner(value)

        def check_optional(value: Any, budget: Budget) -> list[Err]:
            return [] if value is None else inner_check(value, budget)

        return Node(validate_optional, name, hashable=hashable, shape=shape, caps=caps, nullable=True,
                    check=check_optional, prelen=prelen, shrinks=shrinks)  # fmt: skip

    exacts = frozenset(member.exact for member in members if member.exact is not None)
    fns = [member.fn for member in members]
    checks = [member.checker() for member in members]
    msg = f"Input should be a valid {name}"

    def validate(value: Any) -> Any:
        if type(value) in exacts:
            return value
        for fn in fns:
            try:
                return fn(value)
            except Invalid:
                pass
        raise fail("union", msg)

    def check(value: Any, budget: Budget) -> list[Err]:
        try:
            validate(value)
        except Invalid:
            pass
        else:
            return []
        # One member whose errors lie *inside* the value (the shape matched, a detail did
        # not) is almost surely the one meant; show its errors rather than a vague "union".
        deep: list[tuple[list[Err], Budget]] = []
        for member_check in checks:
            own = Budget(budget.left)
            errors = member_check(value, own)
            if any(loc for loc, _, _ in errors):
                deep.append((errors, own))
        if len(deep) != 1:
            return spend(budget, "union", msg)
        errors, own = deep[0]
        budget.left, budget.stopped = own.left, budget.stopped or own.stopped
        budget.counted += own.counted
        return errors

    return Node(validate, name, hashable=hashable, shape=shape, caps=caps, nullable=nullable, check=check,
                prelen=prelen, shrinks=shrinks)  # fmt: skip
