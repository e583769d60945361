"""The built-in validation engine: turns a type into a fast function that checks decoded data.

``Validator().compile(tp, source)`` runs once, at route registration, and returns
``validate(data) -> value``. ``validate`` raises ``hornbeam.errors.ValidationError``
listing the failures as ``{"loc": [source, key-or-index, ...], "msg": str, "type": str}``,
at most ``max_errors`` of them (100 by default) in a document under 64 KiB; the rest
are counted in ``errors_omitted``. Valid data takes a fast path that stops at the first
failure; only then is the data walked again to list errors, and that walk stops once
it has found more than ``max_errors``. Each value reports its first failing check:
a container's length before its items, lengths and bounds before patterns.

Sources:

- ``"body"``: a decoded JSON value, checked strictly (``"2"`` is not an int, ``true`` is
  not an int; an int is accepted for a float; ``bytes`` come from strings as UTF-8;
  datetime/date/time from RFC 3339 strings (``2024-05-01T12:30:00Z``, ``2024-05-01``,
  ``12:30:00+02:00``; seconds required, the offset optional for naive values); UUID
  from its canonical 8-4-4-4-12 string; Decimal from numbers, and from strings in the
  number grammar of ``hornbeam.parsers``; Enum and Literal by value). Any supported
  type may be at the top.
- ``"query"`` / ``"path"``: the top type must be a dataclass or TypedDict; its fields are
  read from a mapping (with ``getlist`` for list-typed fields when it has one, as
  ``QueryParams`` does; a plain ``dict`` works too) and coerced from strings by
  ``hornbeam.parsers`` (``"2"`` -> 2, booleans from true/false/1/0/yes/no/on/off in any
  case, a blank value true). An absent field (or an empty
  list) takes its default, or None when its type allows None. Only scalars and
  lists/tuples/sets of scalars can be fields here.

Unions: an input whose type is exactly one of the members is kept as it is; otherwise
members are tried left to right and the first that accepts wins. Dict keys are coerced
like query values (JSON object keys are always strings). Constraints come from
``typing.Annotated`` metadata: ``Ge Gt Le Lt MinLen MaxLen Pattern`` below, or any object
with ``ge/gt/le/lt/min_length/max_length`` attributes (``annotated_types``); other metadata
is ignored. A ``ValueError`` raised by a dataclass's ``__post_init__`` becomes a
``value_error``. A type the engine cannot handle raises ``TypeError`` from ``compile``.

Error types: ``missing``, ``extra_forbidden``, ``model_type`` (an object was expected),
``dict_type``, ``list_type`` (an array was expected, for lists, tuples and sets),
``set_type`` (unhashable set items), ``too_short``, ``too_long``, ``string_type``,
``bytes_type``, ``int_type``, ``int_parsing``, ``float_type``, ``float_parsing``,
``bool_type``, ``bool_parsing``, ``none_type``, ``literal_error``, ``enum``, ``union``,
``uuid_type``, ``uuid_parsing``, ``datetime_type``, ``datetime_parsing``, ``date_type``,
``date_parsing``, ``time_type``, ``time_parsing``, ``decimal_type``, ``decimal_parsing``,
``greater_than``, ``greater_than_equal``, ``less_than``, ``less_than_equal``,
``string_pattern_mismatch``, ``value_error``, ``too_deep`` (nesting beyond Python's
recursion limit).
"""

from __future__ import annotations

import collections.abc as abc
import dataclasses
import enum
import types
import typing
from typing import Annotated, Any, Literal, NewType, Union, get_args, get_origin

from hornbeam.errors import ValidationError

from ._containers import dict_node, sequence_node, tuple_node, union_node
from ._errors import MAX_ERRORS, report
from ._nodes import ANY, Budget, Err, Fn, Invalid, Node, describe
from .constraints import constrain
from ._objects import is_typeddict, object_fields, object_validator
from ._schema import ComponentNames, SchemaBuilder
from ._scalars import enum_node, literal_node, scalar_node

__all__ = ["Validator"]

Source = Literal["body", "query", "path"]

_SEQUENCES: dict[Any, type] = {
    list: list, abc.Sequence: list, abc.MutableSequence: list, abc.Iterable: list, abc.Collection: list,
    set: set, abc.Set: set, abc.MutableSet: set, frozenset: frozenset,
}  # fmt: skip
_MAPPINGS = (dict, abc.Mapping, abc.MutableMapping)


class Validator:
    """The built-in validator component: ``compile(tp, source)`` once, then call the result.

    ``unknown_fields`` decides what happens to body keys that a dataclass or TypedDict
    does not declare: ``"forbid"`` (the default) reports each as ``extra_forbidden``,
    ``"ignore"`` drops them. ``unknown_query_fields`` does the same for query and path
    data; it defaults to ``"ignore"``, since URLs pick up parameters no handler asked
    for (``utm_source``, cache-busters). ``max_errors`` bounds the errors one
    ValidationError lists; checking stops once it is reached, and the problem document
    counts what was left out in ``errors_omitted`` (a lower bound when the detail says
    "at least": unknown keys are always counted in full, other errors only until the
    walk stops). Raises ValueError for an unknown policy or a ``max_errors`` below 1.
    """

    def __init__(
        self,
        *,
        unknown_fields: Literal["forbid", "ignore"] = "forbid",
        unknown_query_fields: Literal["forbid", "ignore"] = "ignore",
        max_errors: int = MAX_ERRORS,
    ) -> None:
        for name, policy in (("unknown_fields", unknown_fields), ("unknown_query_fields", unknown_query_fields)):
            if policy not in ("forbid", "ignore"):
                raise ValueError(f"{name} must be 'forbid' or 'ignore', got {policy!r}")
        if isinstance(max_errors, bool) or not isinstance(max_errors, int) or max_errors < 1:
            raise ValueError(f"max_errors must be an int of at least 1, got {max_errors!r}")
        self.max_errors = max_errors
        self.unknown_fields = unknown_fields
        self.unknown_query_fields = unknown_query_fields
        # Keyed by (class, lax): lax (query and path) objects always use the query policy.
        self._objects: dict[tuple[type, bool], Node] = {}
        self._component_names = ComponentNames()

    def compile(self, tp: Any, source: Source) -> Fn:
        """The validator of ``tp`` for data from ``source``.

        Raises TypeError when ``tp`` (or a type inside it) is not supported, or when a
        query/path type is not a dataclass or TypedDict.
        """
        if source not in ("body", "query", "path"):
            raise ValueError(f"source must be 'body', 'query' or 'path', got {source!r}")
        lax = source != "body"
        if lax and not _is_object(tp):
            raise TypeError(f"{source} data must be described by a dataclass or TypedDict, got {describe(tp)}")
        # A failed compile must not leave half-built (placeholder) classes in the cache.
        policy = self.unknown_query_fields if lax else self.unknown_fields
        compiler = _Compiler(lax, policy == "forbid", dict(self._objects))
        node = compiler.compile(tp)
        self._objects = compiler.objects
        fn, check, max_errors = node.fn, node.checker(), self.max_errors

        def validate(data: Any) -> Any:
            try:
                return fn(data)
            except Invalid as exc:
                first = exc.errors
            except RecursionError:
                raise _too_deep(source) from None
            # One more than shown: finding it is how the report knows the list was cut.
            budget = Budget(max_errors + 1)
            try:
                errors = check(data, budget)
            except RecursionError:
                raise _too_deep(source) from None
            raise report(errors or first, budget, source, max_errors)

        validate.__qualname__ = validate.__name__ = f"validate_{source}_{describe(tp)}"
        return validate


    def schema(
        self,
        tp: Any,
        source: Source = "body",
        *,
        defs: dict[str, Any] | None = None,
        ref_prefix: str = "#/$defs/",
    ) -> dict[str, Any]:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of what ``compile(tp, source)`` accepts.

        Dataclasses, TypedDicts and Enums are components: each is written once into
        ``defs`` under its name and referred to as ``{"$ref": ref_prefix + name}``
        (recursive types included). Pass an OpenAPI document's ``components/schemas``
        dict and ``ref_prefix="#/components/schemas/"`` to share them between routes;
        without ``defs`` they go into the returned schema's own ``"$defs"``. A class
        keeps one name for the life of the validator (a second class of the same name is
        called ``module.Qualname``). For ``"query"`` and ``"path"`` the result is the
        object itself, never a reference: each of its ``properties`` is one parameter's
        schema and ``required`` lists the parameters that must be sent (a field that may
        be None may be left out, so it is not required and its schema has no null).
        Bodies forbid unknown fields with ``additionalProperties: false`` when this
        validator refuses them. Raises TypeError, as ``compile`` does, for a type it
        cannot handle.
        """
        self.compile(tp, source)
        lax = source != "body"
        policy = self.unknown_query_fields if lax else self.unknown_fields
        own = defs is None
        components: dict[str, Any] = {} if defs is None else defs
        builder = SchemaBuilder(
            lax=lax, forbid=policy == "forbid", defs=components, ref_prefix=ref_prefix, names=self._component_names
        )
        result = builder.top(tp)
        if own and components:
            result["$defs"] = components
        return result


def _too_deep(source: str) -> ValidationError:
    return ValidationError([{"loc": [source], "msg": "Input is nested too deeply", "type": "too_deep"}])


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_object(tp: Any) -> bool:
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or is_typeddict(tp))


class _Compiler:
    """One compile call: walks the type once, sharing nodes of classes seen before."""

    def __init__(self, lax: bool, forbid: bool, objects: dict[tuple[type, bool], Node]) -> None:
        self.lax = lax
        self.forbid = forbid
        self.objects = objects

    def compile(self, tp: Any, lax: bool | None = None) -> Node:
        lax = self.lax if lax is None else lax
        if tp is Any or tp is object:
            return ANY
        if tp is None:
            tp = type(None)
        origin = get_origin(tp)
        args = get_args(tp)
        if origin is Annotated:
            return constrain(self.compile(args[0], lax), tp.__metadata__)
        node = scalar_node(tp, lax)
        if node is not None:
            return node
        if origin is Union or origin is types.UnionType:
            return union_node([self.compile(arg, lax) for arg in args], describe(tp))
        if origin is Literal:
            return literal_node(args, describe(tp), lax)
        if isinstance(tp, NewType):
            return self.compile(tp.__supertype__, lax)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return enum_node(tp, lax)
        if _is_object(tp):
            return self._object(tp, lax)
        container = origin or tp
        if not _hashable(container):
            raise TypeError(f"unsupported type for validation: {describe(tp)}")
        if container in _SEQUENCES:
            item = self._items(tp, [self.compile(args[0], lax) if args else ANY], lax)[0]
            return sequence_node(item, _SEQUENCES[container], describe(tp))
        if container is tuple or container is typing.Tuple:  # noqa: UP006
            return self._tuple(tp, args, lax)
        if container in _MAPPINGS:
            key = self.compile(args[0], True) if args else ANY
            value = self.compile(args[1], lax) if args else ANY
            return dict_node(key, value, describe(tp))
        if isinstance(tp, (str, typing.ForwardRef)):
            raise TypeError(f"unresolved forward reference {tp!r}; define the type before compiling")
        raise TypeError(f"unsupported type for validation: {describe(tp)}")

    def _items(self, tp: Any, items: list[Node], lax: bool) -> list[Node]:
        if lax and any(item.shape not in ("scalar", "any", "none") for item in items):
            raise TypeError(f"{describe(tp)} cannot be read from a query string or path")
        return items

    def _tuple(self, tp: Any, args: tuple[Any, ...], lax: bool) -> Node:
        if len(args) == 2 and args[1] is Ellipsis:
            item = self._items(tp, [self.compile(args[0], lax)], lax)[0]
            return sequence_node(item, tuple, describe(tp))
        if not args and (tp is tuple or tp is typing.Tuple):  # noqa: UP006
            return sequence_node(ANY, tuple, describe(tp))
        items = self._items(tp, [self.compile(arg, lax) for arg in args], lax)
        return tuple_node(items, describe(tp))

    def _object(self, cls: type, lax: bool) -> Node:
        cached = self.objects.get((cls, lax))
        if cached is not None:
            return cached
        # A recursive class refers to itself through this placeholder until it is built.
        target: list[Node] = []

        def forward(value: Any) -> Any:
            return target[0].fn(value)

        def forward_check(value: Any, budget: Budget) -> list[Err]:
            return target[0].checker()(value, budget)

        hashable = not is_typeddict(cls) and getattr(cls, "__hash__", None) is not None
        self.objects[cls, lax] = Node(forward, cls.__qualname__, hashable=hashable, shape="object", check=forward_check)
        fields = object_fields(cls, lambda hint: self.compile(hint, lax), lax)
        fn, check = object_validator(cls, fields, lax, self.forbid)
        node = Node(fn, cls.__qualname__, hashable=hashable, shape="object", check=check)
        target.append(node)
        self.objects[cls, lax] = node
        return node
