"""Validators for lists, tuples, sets, dicts and unions, built from their members' nodes."""

from __future__ import annotations

from typing import Any

from ._nodes import ANY, Err, Fn, Invalid, Node, collect, fail, nest

__all__ = ["sequence_node", "tuple_node", "dict_node", "union_node"]

_LEN = frozenset({"len"})
_ARRAY_MSG = "Input should be a valid array"


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
            try:
                # PERF: no error bookkeeping on the way; a failure re-walks the items to
                # collect every error with its index.
                return [fn(x) for x in value]
            except Invalid:
                pass
            raise Invalid(collect(fn, value))

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
        try:
            return [x if type(x) is exact else fn(x) for x in value]
        except Invalid:
            pass
        raise Invalid(collect(fn, value))

    return validate_exact


def sequence_node(item: Node, out: type, name: str) -> Node:
    """``list``/``tuple``/``set``/``frozenset`` of ``item``, from a list or tuple."""
    as_list = _list_validator(item)
    if out is list:
        return Node(as_list, name, hashable=False, shape="seq", caps=_LEN)
    if out is tuple:

        def validate_tuple(value: Any) -> Any:
            return tuple(as_list(value))

        return Node(validate_tuple, name, hashable=item.hashable, shape="seq", caps=_LEN)
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

    return Node(validate_set, name, hashable=out is frozenset, shape="seq", caps=_LEN)


def tuple_node(items: list[Node], name: str) -> Node:
    """A fixed-length ``tuple[A, B, ...]`` from a list or tuple of exactly that length."""
    fns = [node.fn for node in items]
    size = len(fns)
    noun = "item" if size == 1 else "items"

    def validate(value: Any) -> Any:
        if type(value) is not list and not isinstance(value, (list, tuple)):
            raise fail("list_type", _ARRAY_MSG)
        if len(value) != size:
            type_ = "too_short" if len(value) < size else "too_long"
            raise fail(type_, f"Tuple should have {size} {noun}, got {len(value)}")
        try:
            return tuple([fn(x) for fn, x in zip(fns, value)])
        except Invalid:
            pass
        errors: list[Err] = []
        for index, (fn, x) in enumerate(zip(fns, value)):
            try:
                fn(x)
            except Invalid as exc:
                nest(errors, exc, index)
        raise Invalid(errors)

    hashable = all(node.hashable for node in items)
    return Node(validate, name, hashable=hashable, shape="seq", caps=_LEN)


def dict_node(key: Node, value: Node, name: str) -> Node:
    """``dict[K, V]`` from a dict; keys are coerced like query values (JSON keys are strings)."""
    if not key.hashable or key.shape not in ("scalar", "any"):
        raise TypeError(f"{name}: {key.name} cannot be a dict key")
    kfn, vfn = key.fn, value.fn
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
        try:
            return {
                (k if type(k) is kexact else kfn(k)): (v if type(v) is vexact else vfn(v))
                for k, v in data.items()
            }
        except Invalid:
            pass
        errors: list[Err] = []
        for k, v in data.items():
            for fn, item in ((kfn, k), (vfn, v)):
                try:
                    fn(item)
                except Invalid as exc:
                    nest(errors, exc, k)
        raise Invalid(errors)

    return Node(validate, name, hashable=False, shape="map", caps=_LEN)


def _union_failure(failures: list[list[Err]], msg: str) -> Invalid:
    # One member whose errors lie *inside* the value (the shape matched, a detail did not)
    # is almost surely the one meant; show its errors rather than a vague "union" error.
    deep = [errors for errors in failures if any(loc for loc, _, _ in errors)]
    if len(deep) == 1:
        return Invalid(deep[0])
    return fail("union", msg)


def union_node(members: list[Node], name: str) -> Node:
    """``A | B | ...``: an exact type match is kept; otherwise the first member that accepts."""
    if any(member.is_any for member in members):
        return Node(ANY.fn, name, is_any=True, shape="any", caps=ANY.caps, hashable=ANY.hashable)
    present = [member for member in members if member.shape != "none"]
    nullable = len(present) < len(members) or any(member.nullable for member in members)
    shapes = {member.shape for member in present}
    shape = shapes.pop() if len(shapes) == 1 else "mixed"
    caps = frozenset.intersection(*(member.caps for member in present))
    hashable = all(member.hashable for member in members)
    if len(present) == 1 and len(members) == 2:
        inner = present[0].fn

        def validate_optional(value: Any) -> Any:
            if value is None:
                return None
            return inner(value)

        return Node(validate_optional, name, hashable=hashable, shape=shape, caps=caps, nullable=True)

    exacts = frozenset(member.exact for member in members if member.exact is not None)
    fns = [member.fn for member in members]
    msg = f"Input should be a valid {name}"

    def validate(value: Any) -> Any:
        if type(value) in exacts:
            return value
        failures: list[list[Err]] = []
        for fn in fns:
            try:
                return fn(value)
            except Invalid as exc:
                failures.append(exc.errors)
        raise _union_failure(failures, msg)

    return Node(validate, name, hashable=hashable, shape=shape, caps=caps, nullable=nullable)
