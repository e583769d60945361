"""JSON Schema (2020-12, the dialect of OpenAPI 3.1) of what a compiled validator accepts.

Named types — dataclasses, TypedDicts and Enums — become shared components, written once
into a caller's dict (an OpenAPI document's ``components/schemas``, say) and referred to
as ``{"$ref": ref_prefix + name}``, which is also how recursive types are described.

What JSON Schema cannot say, and so is left out (the validator still checks it):
bounds on datetimes, dates and times, and on a Decimal written as a string; a length
limit on ``bytes`` counts UTF-8 bytes but is written as ``maxLength`` (characters, the
same for ASCII); ``__post_init__`` checks. The ``date-time`` and ``time`` formats require
an offset, which the validator lets a client leave out for a naive value; ``set`` fields
say ``uniqueItems`` although the validator drops duplicates rather than refuse them.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, Union, get_args, get_origin
from uuid import UUID

from hornbeam.parsers import FALSE_WORDS, INT_PATTERN, NUMBER_PATTERN, TRUE_WORDS

from ._objects import _hints, _unwrap_required, is_typeddict
from .constraints import Pattern

__all__ = ["SchemaBuilder", "ComponentNames"]

Schema = dict[str, Any]

_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_SCALARS: dict[Any, Schema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    bytes: {"type": "string"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
    time: {"type": "string", "format": "time"},
    # The pattern says "canonical form" to checkers whose uuid format is looser (jsonschema's
    # takes surrounding spaces and extra hyphens), as the validator reads only that form.
    UUID: {"type": "string", "format": "uuid", "pattern": _UUID_PATTERN},
    Decimal: {"anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_PATTERN}]},
}
_SEQUENCES = {list, set, frozenset, typing.Sequence, typing.MutableSequence, typing.Iterable, typing.Collection,
              typing.AbstractSet, typing.MutableSet}  # fmt: skip
_SETS = {set, frozenset, typing.AbstractSet, typing.MutableSet}
_MAPPINGS = {dict, typing.Mapping, typing.MutableMapping}
_JSON_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}
_SAFE_FACTORIES: dict[Any, Any] = {list: [], dict: {}, set: [], frozenset: [], tuple: []}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_ALL_KINDS = frozenset({"string", "number", "integer", "boolean", "null", "array", "object"})


def _case_free(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# parse_bool's words in any ASCII case, blank included, for dict keys that are booleans.
_BOOL_KEY_PATTERN = "^(" + "|".join(_case_free(w) for w in sorted(TRUE_WORDS | FALSE_WORDS)) + ")$"


class ComponentNames:
    """Gives each named type one component name for the life of a validator.

    A type is called by its ``__name__``; a second type of the same name gets its module
    and qualified name, then a number.
    """

    def __init__(self) -> None:
        self._names: dict[Any, str] = {}
        self._owners: dict[str, Any] = {}

    def __call__(self, tp: Any) -> str:
        name = self._names.get(tp)
        if name is not None:
            return name
        candidates = [tp.__name__, f"{tp.__module__}.{tp.__qualname__}"]
        candidates = [_NAME_CHARS.sub("_", c) for c in candidates]
        for candidate in candidates:
            if candidate not in self._owners:
                name = candidate
                break
        else:
            n = 2
            while f"{candidates[-1]}_{n}" in self._owners:
                n += 1
            name = f"{candidates[-1]}_{n}"
        self._names[tp] = name
        self._owners[name] = tp
        return name


def _json_value(value: Any) -> tuple[bool, Any]:
    """(True, the JSON form of ``value``) when it has an obvious one, else (False, None)."""
    if value is None or isinstance(value, (bool, str, int)):
        return True, value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return math.isfinite(value), value
    if isinstance(value, enum.Enum):
        return _json_value(value.value)
    if isinstance(value, (datetime, date, time)):
        return True, value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return (not isinstance(value, Decimal) or value.is_finite()), str(value)
    if isinstance(value, bytes):
        try:
            return True, value.decode()
        except UnicodeDecodeError:
            return False, None
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_value(item) for item in value]
        return all(ok for ok, _ in items), [item for _, item in items]
    if isinstance(value, dict):
        pairs = [(isinstance(k, str), k, *_json_value(v)) for k, v in value.items()]
        return all(ok_k and ok_v for ok_k, _, ok_v, _ in pairs), {k: v for _, k, _, v in pairs}
    return False, None


def _literal_json(value: Any, lax: bool) -> tuple[bool, Any]:
    """How a Literal or Enum value can arrive: JSON natives as they are, bytes only as query text."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bytes):
        if not lax:
            return False, None  # a JSON string is never bytes
        try:
            return True, value.decode()
        except UnicodeDecodeError:
            return False, None
    if value is None or type(value) in _JSON_TYPES or isinstance(value, (str, int)):
        if isinstance(value, float) and not math.isfinite(value):
            return False, None
        return True, value
    return False, None


def _enum_schema(values: list[Any]) -> Schema:
    unique: list[Any] = []
    for value in values:
        if not any(type(value) is type(seen) and value == seen for seen in unique):
            unique.append(value)
    if not unique:
        return {"not": {}}
    kinds: list[str] = []
    for value in unique:
        kind = "boolean" if isinstance(value, bool) else next(
            (name for cls, name in _JSON_TYPES.items() if isinstance(value, cls)), "string"
        )
        if kind not in kinds:
            kinds.append(kind)
    return {"type": kinds[0] if len(kinds) == 1 else kinds, "enum": unique}


class SchemaBuilder:
    """One ``schema()`` call: walks a type the way the validator's compiler does."""

    def __init__(self, *, lax: bool, forbid: bool, defs: dict[str, Any], ref_prefix: str, names: ComponentNames) -> None:
        self.lax = lax
        self.forbid = forbid
        self.defs = defs
        self.ref_prefix = ref_prefix
        self.names = names
        self._building: set[str] = set()

    def top(self, tp: Any) -> Schema:
        """The schema of ``tp``; for query and path, the object itself rather than a reference."""
        if self.lax:
            return self._object_schema(tp)
        return self.build(tp)

    def build(self, tp: Any) -> Schema:
        if tp is Any or tp is object:
            return {}
        if tp is None:
            tp = type(None)
        origin = get_origin(tp)
        args = get_args(tp)
        if origin is Annotated:
            return self._constrained(self.build(args[0]), tp.__metadata__)
        try:
            scalar = _SCALARS.get(tp)
        except TypeError:
            scalar = None
        if scalar is not None:
            return _copy(scalar)
        if origin is Union or origin is types.UnionType:
            members = [self.build(arg) for arg in args]
            if any(member == {} for member in members):
                return {}
            return {"anyOf": members}
        if origin is Literal:
            pairs = [_literal_json(value, self.lax) for value in args]
            return _enum_schema([value for ok, value in pairs if ok])
        if isinstance(tp, NewType):
            return self.build(tp.__supertype__)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self._component(tp, lambda: self._enum_component(tp))
        if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or is_typeddict(tp)):
            return self._component(tp, lambda: self._object_schema(tp))
        container = origin or tp
        if container in _SEQUENCES:
            schema: Schema = {"type": "array"}
            if args and args[0] is not Any:
                schema["items"] = self.build(args[0])
            if container in _SETS:
                schema["uniqueItems"] = True
            return schema
        if container is tuple or container is typing.Tuple:  # noqa: UP006
            return self._tuple(tp, args)
        if container in _MAPPINGS:
            schema = {"type": "object"}
            if args:
                key = self._key_schema(args[0])
                if key:
                    schema["propertyNames"] = key
                if args[1] is not Any:
                    schema["additionalProperties"] = self.build(args[1])
            return schema
        raise TypeError(f"no JSON Schema for {tp!r}")  # compile() refused it already

    def _tuple(self, tp: Any, args: tuple[Any, ...]) -> Schema:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": self.build(args[0])}
        if not args and (tp is tuple or tp is typing.Tuple):  # noqa: UP006
            return {"type": "array"}
        if not args:  # tuple[()]
            return {"type": "array", "maxItems": 0}
        size = len(args)
        return {"type": "array", "prefixItems": [self.build(arg) for arg in args], "minItems": size, "maxItems": size}

    def _component(self, tp: type, make: Callable[[], Schema]) -> Schema:
        name = self.names(tp)
        if name not in self.defs and name not in self._building:
            self._building.add(name)
            try:
                self.defs[name] = make()
            finally:
                self._building.discard(name)
        return {"$ref": self.ref_prefix + name}

    def _enum_component(self, tp: type[enum.Enum]) -> Schema:
        pairs = [_literal_json(member.value, self.lax) for member in tp]
        return {"title": tp.__name__, **_enum_schema([value for ok, value in pairs if ok])}

    def _object_schema(self, cls: Any) -> Schema:
        hints = _hints(cls)
        properties: Schema = {}
        required: list[str] = []
        if is_typeddict(cls):
            keys = set(cls.__required_keys__)
            fields: list[tuple[str, Any, bool, tuple[bool, Any]]] = []
            for name, hint in hints.items():
                hint, flag = _unwrap_required(hint)
                if flag is not None:
                    (keys.add if flag else keys.discard)(name)
                fields.append((name, hint, name in keys, (False, None)))
        else:
            fields = []
            for f in dataclasses.fields(cls):
                if not f.init:
                    continue
                if f.default is not dataclasses.MISSING:
                    default = _json_value(f.default)
                elif f.default_factory is not dataclasses.MISSING:
                    default = (f.default_factory in _SAFE_FACTORIES, _SAFE_FACTORIES.get(f.default_factory))
                else:
                    default = (False, None)
                is_required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                fields.append((f.name, hints[f.name], is_required, default))
        for name, hint, is_required, (has_default, default) in fields:
            schema = self.build(hint)
            if self.lax and _drop_null(schema):
                # A query cannot spell null: an absent field is how it says None.
                is_required = False
                has_default = has_default and default is not None
            if has_default:
                schema["default"] = default
            properties[name] = schema
            if is_required:
                required.append(name)
        result: Schema = {"type": "object", "title": cls.__name__, "properties": properties}
        if required:
            result["required"] = required
        if self.forbid:
            result["additionalProperties"] = False
        return result

    def _key_schema(self, tp: Any) -> Schema:
        """What a dict key (always a string in JSON) must look like to be coerced to ``tp``."""
        origin = get_origin(tp)
        if origin is Annotated:
            inner = self._key_schema(get_args(tp)[0])
            if inner == {}:  # a str key: its length and pattern constraints apply to the key itself
                return self._constrained({"type": "string"}, tp.__metadata__, only_text=True)
            return inner
        if isinstance(tp, NewType):
            return self._key_schema(tp.__supertype__)
        if origin is Union or origin is types.UnionType:
            members = [self._key_schema(arg) for arg in get_args(tp) if arg is not type(None)]
            return {} if any(m == {} for m in members) else (members[0] if len(members) == 1 else {"anyOf": members})
        if tp is int:
            return {"pattern": INT_PATTERN}
        if tp in (float, Decimal):
            return {"pattern": NUMBER_PATTERN}
        if tp is bool:
            return {"pattern": _BOOL_KEY_PATTERN}
        if tp in (datetime, date, time, UUID):
            return {"format": _SCALARS[tp]["format"]}
        if origin is Literal or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
            values = get_args(tp) if origin is Literal else list(tp)
            texts: list[str] = []
            for value in values:
                ok, raw = _literal_json(value, True)
                if ok and raw is not None:
                    texts += sorted(TRUE_WORDS if raw is True else FALSE_WORDS) if isinstance(raw, bool) else [str(raw)]
            return {"enum": list(dict.fromkeys(texts))}
        return {}  # str, bytes, Any: every key will do

    def _constrained(self, schema: Schema, metadata: tuple[Any, ...], only_text: bool = False) -> Schema:
        kinds = _ALL_KINDS if only_text else self._kinds(schema)
        out = dict(schema)
        for item in metadata:
            if isinstance(item, Pattern):
                out["pattern"] = item.pattern
                continue
            for attr, keyword in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"), ("lt", "exclusiveMaximum")):
                limit = _number(getattr(item, attr, None))
                if limit is not None and kinds & {"number", "integer"}:
                    out[keyword] = limit
            for attr, suffix in (("min_length", "min"), ("max_length", "max")):
                limit = getattr(item, attr, None)
                if limit is None:
                    continue
                if "string" in kinds:
                    out[f"{suffix}Length"] = limit
                if "array" in kinds and not only_text:
                    out[f"{suffix}Items"] = limit
                if "object" in kinds and not only_text:
                    out[f"{suffix}Properties"] = limit
                if kinds == _ALL_KINDS and not only_text:
                    # Any: only what has a length can meet a length constraint.
                    out["type"] = ["string", "array", "object"]
        return out

    def _kinds(self, schema: Schema) -> frozenset[str]:
        """The JSON types a schema can match, for picking constraint keywords."""
        if "$ref" in schema:
            target = self.defs.get(schema["$ref"][len(self.ref_prefix) :], {})
            return self._kinds(target) if target else frozenset({"object"})
        if "anyOf" in schema:
            return frozenset().union(*(self._kinds(member) for member in schema["anyOf"]))
        kind = schema.get("type")
        if kind is None:
            return _ALL_KINDS
        return frozenset([kind] if isinstance(kind, str) else kind)


def _number(limit: Any) -> int | float | None:
    """A bound as a JSON number, or None when JSON Schema cannot compare with it (a date, say)."""
    if isinstance(limit, bool) or limit is None:
        return None
    if isinstance(limit, int):
        return int(limit)
    if isinstance(limit, float):
        return limit if math.isfinite(limit) else None
    if isinstance(limit, Decimal) and limit.is_finite():
        return int(limit) if limit == limit.to_integral_value() else float(limit)
    return None


def _drop_null(schema: Schema) -> bool:
    """Remove the ``null`` member of a union schema in place; True when it could be None."""
    if schema.get("type") == "null":
        return True
    members = schema.get("anyOf")
    if not members or {"type": "null"} not in members:
        return False
    rest = [member for member in members if member != {"type": "null"}]
    others = {key: value for key, value in schema.items() if key != "anyOf"}
    schema.clear()
    schema.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
    schema.update(others)
    return True


def _copy(schema: Schema) -> Schema:
    return {key: [dict(v) for v in value] if key == "anyOf" else value for key, value in schema.items()}
