"""Validators for dataclasses and TypedDicts, generated as straight-line code per class."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, NotRequired, Required, get_args, get_origin, get_type_hints

from ._nodes import Budget, Check, Err, Fn, Invalid, Node, fail, nest, rest

__all__ = ["is_typeddict", "object_fields", "object_validator", "unknown_keys"]

_MISSING: Any = dataclasses.MISSING
_MODEL_MSG = "Input should be an object"
_EXTRA_MSG = "Extra inputs are not permitted"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    node: Node
    required: bool
    default: Any = None
    factory: Callable[[], Any] | None = None
    kw_only: bool = False


def is_typeddict(tp: Any) -> bool:
    # typing_extensions.TypedDict is a different metaclass on 3.11; both set __required_keys__.
    return typing.is_typeddict(tp) or (
        isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")
    )


def _hints(cls: Any) -> dict[str, Any]:
    try:
        return get_type_hints(cls, include_extras=True)
    except Exception as exc:  # NameError for an unresolvable forward reference, mostly
        raise TypeError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from exc


def _unwrap_required(hint: Any) -> tuple[Any, bool | None]:
    origin = get_origin(hint)
    if origin is Required or origin is NotRequired:
        return _unwrap_required(get_args(hint)[0])[0], origin is Required
    if origin is Annotated:
        inner, flag = _unwrap_required(hint.__origin__)
        if flag is not None:
            return Annotated[(inner, *hint.__metadata__)], flag
    return hint, None


def object_fields(cls: Any, compile_hint: Callable[[Any], Node], lax: bool) -> list[Field]:
    """The input fields of a dataclass or TypedDict, each with its compiled node."""

    def node_for(name: str, hint: Any) -> Node:
        try:
            node = compile_hint(hint)
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{name}: {exc}") from None
        if lax and node.shape not in ("scalar", "seq", "any", "none"):
            raise TypeError(
                f"{cls.__qualname__}.{name}: {node.name} cannot be read from a query string or path "
                "(only scalars and lists of scalars can)"
            )
        return node

    hints = _hints(cls)
    if is_typeddict(cls):
        required = set(cls.__required_keys__)
        fields = []
        for name, hint in hints.items():
            hint, flag = _unwrap_required(hint)
            if flag is not None:
                (required.add if flag else required.discard)(name)
            fields.append(Field(name, node_for(name, hint), name in required))
        return fields
    for name, hint in hints.items():
        if isinstance(hint, dataclasses.InitVar):
            raise TypeError(f"{cls.__qualname__}.{name}: InitVar fields are not supported")
    return [
        Field(
            f.name,
            node_for(f.name, hints[f.name]),
            f.default is _MISSING and f.default_factory is _MISSING,
            f.default,
            None if f.default_factory is dataclasses.MISSING else f.default_factory,
            bool(f.kw_only),
        )
        for f in dataclasses.fields(cls)
        if f.init
    ]


def unknown_keys(errors: list[Err], data: Any, names: frozenset[str], budget: Budget) -> None:
    """List unknown keys of ``data`` as ``extra_forbidden`` while the budget lasts, and count the rest.

    PERF: the count comes from the known names present (one lookup per field), so a body
    of 100,000 unknown keys costs no more than listing the first few.
    """
    unknown = len(data) - sum(1 for name in names if name in data)
    listed = 0
    if unknown and budget.left > 0:
        for key in data:
            if key not in names:
                errors.append(([key], "extra_forbidden", _EXTRA_MSG))
                listed += 1
                if listed == budget.left:
                    break
        budget.left -= listed
    budget.counted += unknown - listed


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _value_error(exc: ValueError) -> Invalid:
    return fail("value_error", f"Value error, {exc}")


def _fast_path(fields: list[Field], is_dict: bool) -> list[str]:
    """Lines that build the result at once when every field is present and valid.

    PERF: most bodies are valid and complete; this path does one subscript per field and
    one combined type test, and only a failure anywhere falls back to the general path
    below (defaults, absent fields), and only a failure there to the checking walk.
    """
    if not fields:
        return []
    lines = [f"if len(data) == {len(fields)}:", "    try:"]
    lines += [f"        v{i} = data[{f.name!r}]" for i, f in enumerate(fields)]
    lines += ["    except KeyError:", "        pass", "    else:"]
    exact = [f"type(v{i}) is p{i}" for i, f in enumerate(fields) if f.node.exact is not None and not f.node.is_any]
    converted = [i for i, f in enumerate(fields) if f.node.exact is None and not f.node.is_any]
    lines.append(f"        if {' and '.join(exact) or 'True'}:")
    if is_dict:
        items = ", ".join(f"{f.name!r}: v{i}" for i, f in enumerate(fields))
        build = [f"return {{{items}}}"]
    else:
        build = _construct(fields)
    if converted:
        lines.append("            try:")
        lines += [f"                v{i} = n{i}(v{i})" for i in converted]
        lines += ["            except Invalid:", "                pass", "            else:"]
        lines += [f"                {line}" for line in build]
    else:
        lines += [f"            {line}" for line in build]
    return lines


def _construct(fields: list[Field]) -> list[str]:
    """Lines that build the dataclass from ``v0 .. vN``; a ValueError from ``__post_init__`` is the data's fault."""
    args = [f"v{i}" for i, f in enumerate(fields) if not f.kw_only]
    kwargs = [f"{f.name!r}: v{i}" for i, f in enumerate(fields) if f.kw_only]
    if kwargs:
        args.append("**{" + ", ".join(kwargs) + "}")
    return [
        "try:",
        f"    return cls({', '.join(args)})",
        "except ValueError as exc:",
        "    raise value_error(exc) from None",
    ]


def _fetch(f: Field, lax: bool) -> tuple[str, str]:
    """The line that reads field ``f`` into ``x``, and the test that it is absent."""
    key = repr(f.name)
    if not lax:
        return f"x = get({key}, M)", "x is M"
    if f.node.shape == "seq":
        return f"x = getlist({key}) if getlist is not None else as_list(get({key}))", "not x"
    return f"x = get({key})", "x is None"


def _none_when_absent(f: Field, lax: bool) -> bool:
    # A query cannot spell null: absent is how it says None.
    return lax and f.required and (f.node.nullable or f.node.shape == "none")


def _field_lines(i: int, f: Field, lax: bool, forbid: bool, is_dict: bool) -> list[str]:
    key = repr(f.name)
    fetch, absent = _fetch(f, lax)
    target = f"out[{key}]" if is_dict else f"v{i}"
    lines = [fetch, f"if {absent}:"]
    if _none_when_absent(f, lax):
        lines.append(f"    {target} = None")
        if forbid:
            lines.append("    found -= 1")  # counted as required, yet absent from the data
    elif f.required:
        lines.append("    raise fail('missing', 'Field required')")
    elif f.factory is not None:
        lines.append(f"    {target} = f{i}()")
    elif is_dict:
        lines.append("    pass")
    else:
        lines.append(f"    {target} = d{i}")
    lines.append("else:")
    if forbid and not f.required:
        lines.append("    found += 1")
    if f.node.is_any:
        lines.append(f"    {target} = x")
    elif f.node.exact is not None:
        # PERF: the common "already the right type" case costs one type() check, no call.
        lines += [f"    {target} = x if type(x) is p{i} else n{i}(x)"]
    else:
        lines.append(f"    {target} = n{i}(x)")
    return lines


def _check_lines(i: int, f: Field, lax: bool) -> list[str]:
    key = repr(f.name)
    fetch, absent = _fetch(f, lax)
    lines = ["if budget.left <= 0:", "    budget.stopped = True", "else:", f"    {fetch}", f"    if {absent}:"]
    if f.required and not _none_when_absent(f, lax):
        lines += [f"        errs.append(([{key}], 'missing', 'Field required'))", "        budget.left -= 1"]
    else:
        lines.append("        pass")
    if f.node.is_any:
        return lines
    skip = f"type(x) is not p{i} and " if f.node.exact is not None else ""
    lines += [
        f"    elif {skip}(found := c{i}(x, budget)):",
        f"        nest(errs, found, {key})",
    ]
    return lines


def object_validator(cls: Any, fields: list[Field], lax: bool, forbid: bool) -> tuple[Fn, Check]:
    """Generate the validator of ``cls`` and its checking walk: one block per field, no loops."""
    is_dict = is_typeddict(cls)
    names = frozenset(f.name for f in fields)
    n_required = sum(f.required for f in fields)
    ns: dict[str, Any] = {
        "M": _MISSING, "Invalid": Invalid, "nest": nest, "unknown_keys": unknown_keys, "as_list": _as_list,
        "fail": fail, "value_error": _value_error, "names": names, "cls": cls, "MODEL_MSG": _MODEL_MSG,
        "EXTRA_MSG": _EXTRA_MSG, "rest": rest,
    }  # fmt: skip
    if lax:
        head = [
            "try:",
            "    get = data.get",
            "except AttributeError:",
            "    raise fail('model_type', MODEL_MSG) from None",
            "getlist = getattr(data, 'getlist', None)",
        ]
        check_head = [
            "get = getattr(data, 'get', None)",
            "if get is None:",
            "    budget.left -= 1",
            "    return [([], 'model_type', MODEL_MSG)]",
            "getlist = getattr(data, 'getlist', None)",
        ]
    else:
        head = [
            "if type(data) is not dict and not isinstance(data, dict):",
            "    raise fail('model_type', MODEL_MSG)",
        ]
        check_head = [
            "if type(data) is not dict and not isinstance(data, dict):",
            "    budget.left -= 1",
            "    return [([], 'model_type', MODEL_MSG)]",
            "get = data.get",
        ]
    # The fast path subscripts; only the general path after it needs `get`.
    fast = [] if lax else [*_fast_path(fields, is_dict), "get = data.get"]
    body = head + fast + (["found = 0"] if forbid else [])
    check = check_head + ["errs = []"]
    if is_dict:
        body.append("out = {}")
    for i, f in enumerate(fields):
        ns[f"n{i}"], ns[f"p{i}"], ns[f"d{i}"], ns[f"f{i}"] = f.node.fn, f.node.exact, f.default, f.factory
        ns[f"c{i}"] = f.node.checker()
        body += _field_lines(i, f, lax, forbid, is_dict)
        check += _check_lines(i, f, lax)
    if forbid:
        body += [
            f"if len(data) != {n_required} + found:",
            "    for key in data:",
            "        if key not in names:",
            "            raise fail('extra_forbidden', EXTRA_MSG)",
        ]
        check += ["unknown_keys(errs, data, names, budget)"]
    if is_dict:
        body.append("return out")
    else:
        body += _construct(fields)
    # Every field checked out: what is left to refuse is the class's own (__post_init__).
    check += ["return errs or rest(validate, data, budget)"]
    source = "def validate(data):\n" + "".join(f"    {line}\n" for line in body)
    source += "def check(data, budget):\n" + "".join(f"    {line}\n" for line in check)
    exec(compile(source, f"<hornbeam validator for {cls.__qualname__}>", "exec"), ns)
    return ns["validate"], ns["check"]
