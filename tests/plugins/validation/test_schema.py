"""Validator.schema: the JSON Schema of what the validator accepts, checked against the validator itself."""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, NotRequired, Optional, Required, TypedDict

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hornbeam.errors import ValidationError
from hornbeam.parsers import INT_PATTERN, NUMBER_PATTERN
from hornbeam.plugins.validation import Ge, Gt, Le, Lt, MaxLen, MinLen, Pattern, Validator

V = Validator()
DRAFT = jsonschema.Draft202012Validator


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclass
class Tree:
    value: int
    children: list[Tree] = field(default_factory=list)


@dataclass
class Item:
    name: Annotated[str, MinLen(1), MaxLen(20)]
    price: Annotated[float, Ge(0)]
    color: Color = Color.RED
    tags: frozenset[str] = frozenset()
    note: str | None = None


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


class Partial(TypedDict, total=False):
    title: Required[str]
    rating: Annotated[float, Le(10)]


@dataclass
class Page:
    limit: Annotated[int, Ge(1), Le(100)] = 20
    offset: int | None = None
    tag: list[str] = field(default_factory=list)
    color: Color | None = None
    q: str = ""
    exact: bool = False


# --- each family, exactly -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (None, {"type": "null"}),
        (bytes, {"type": "string"}),
        (Any, {}),
        (datetime, {"type": "string", "format": "date-time"}),
        (date, {"type": "string", "format": "date"}),
        (time, {"type": "string", "format": "time"}),
        (uuid.UUID, {"type": "string", "format": "uuid", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}),
        (Decimal, {"anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_PATTERN}]}),
        (NewType("UserId", int), {"type": "integer"}),
        (Optional[int], {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
        (tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}),
        (tuple[()], {"type": "array", "maxItems": 0}),
        (set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
        (frozenset[int], {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}),
        (dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
        (dict[int, bool], {"type": "object", "propertyNames": {"pattern": INT_PATTERN}, "additionalProperties": {"type": "boolean"}}),
        (dict[uuid.UUID, Any], {"type": "object", "propertyNames": {"format": "uuid"}}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, "a", None], {"type": ["integer", "string", "null"], "enum": [1, "a", None]}),
        (Literal[b"x"], {"not": {}}),  # a JSON string is never bytes
        (Annotated[int, Ge(0), Lt(10)], {"type": "integer", "minimum": 0, "exclusiveMaximum": 10}),
        (Annotated[float, Gt(Decimal("0.5")), Le(2)], {"type": "number", "exclusiveMinimum": 0.5, "maximum": 2}),
        (Annotated[str, MinLen(1), MaxLen(5), Pattern("^[a-z]+$")], {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"}),
        (Annotated[list[int], MinLen(1), MaxLen(3)], {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}),
        (Annotated[dict[str, int], MaxLen(2)], {"type": "object", "additionalProperties": {"type": "integer"}, "maxProperties": 2}),
        (Annotated[int | None, Ge(0)], {"anyOf": [{"type": "integer"}, {"type": "null"}], "minimum": 0}),
        (Annotated[Any, MinLen(1)], {"minLength": 1, "minItems": 1, "minProperties": 1, "type": ["string", "array", "object"]}),
        (Annotated[date, Ge(date(2000, 1, 1))], {"type": "string", "format": "date"}),  # not expressible
    ],
)
def test_schema_of_each_family(tp: Any, expected: dict[str, Any]) -> None:
    assert V.schema(tp) == expected
    DRAFT.check_schema(expected)


def test_enum_and_literal_of_enums() -> None:
    assert V.schema(Color) == {"$ref": "#/$defs/Color", "$defs": {"Color": {"title": "Color", "type": "string", "enum": ["red", "green"]}}}
    assert V.schema(Level)["$defs"] == {"Level": {"title": "Level", "type": "integer", "enum": [1, 2]}}
    assert V.schema(Literal[Color.GREEN, "green"]) == {"type": "string", "enum": ["green"]}
    assert V.schema(Annotated[Level, Gt(1)]) == {"$ref": "#/$defs/Level", "exclusiveMinimum": 1, "$defs": V.schema(Level)["$defs"]}


def test_dataclass_with_defaults_nesting_and_recursion() -> None:
    assert V.schema(Item) == {
        "$ref": "#/$defs/Item",
        "$defs": {
            "Color": {"title": "Color", "type": "string", "enum": ["red", "green"]},
            "Item": {
                "type": "object",
                "title": "Item",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 20},
                    "price": {"type": "number", "minimum": 0},
                    "color": {"$ref": "#/$defs/Color", "default": "red"},
                    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": []},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                },
                "required": ["name", "price"],
                "additionalProperties": False,
            },
        },
    }
    tree = V.schema(Tree)
    assert tree["$defs"]["Tree"]["properties"]["children"] == {"type": "array", "items": {"$ref": "#/$defs/Tree"}, "default": []}


def test_typeddicts_total_and_partial() -> None:
    assert V.schema(Movie)["$defs"]["Movie"] == {
        "type": "object", "title": "Movie", "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title"], "additionalProperties": False,
    }  # fmt: skip
    assert V.schema(Partial)["$defs"]["Partial"]["required"] == ["title"]
    assert V.schema(Partial)["$defs"]["Partial"]["properties"]["rating"] == {"type": "number", "maximum": 10}


def test_unknown_field_policy_decides_additional_properties() -> None:
    lenient = Validator(unknown_fields="ignore").schema(Movie)["$defs"]["Movie"]
    assert "additionalProperties" not in lenient
    assert Validator(unknown_query_fields="forbid").schema(Page, "query")["additionalProperties"] is False


def test_query_schema_is_the_object_of_its_parameters() -> None:
    assert V.schema(Page, "query") == {
        "type": "object",
        "title": "Page",
        "properties": {
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "offset": {"type": "integer"},
            "tag": {"type": "array", "items": {"type": "string"}, "default": []},
            "color": {"$ref": "#/$defs/Color"},
            "q": {"type": "string", "default": ""},
            "exact": {"type": "boolean", "default": False},
        },
        "$defs": {"Color": {"title": "Color", "type": "string", "enum": ["red", "green"]}},
    }
    required = TypedDict("Required_", {"a": int, "b": int | None})
    assert V.schema(required, "path")["required"] == ["a"]


def test_shared_components_with_a_caller_prefix() -> None:
    validator = Validator()
    components: dict[str, Any] = {}
    prefix = "#/components/schemas/"
    first = validator.schema(list[Item], defs=components, ref_prefix=prefix)
    second = validator.schema(Item, defs=components, ref_prefix=prefix)
    assert first == {"type": "array", "items": {"$ref": prefix + "Item"}}
    assert second == {"$ref": prefix + "Item"}
    assert set(components) == {"Item", "Color"}
    assert components["Item"]["properties"]["color"]["$ref"] == prefix + "Color"
    document = {"$ref": "#/components/schemas/Item", "components": {"schemas": components}}
    DRAFT.check_schema(document)
    assert DRAFT(document).is_valid({"name": "x", "price": 1, "color": "green"})
    assert not DRAFT(document).is_valid({"name": "x", "price": 1, "color": "blue"})


def test_two_classes_of_one_name_get_two_components() -> None:
    def make() -> type:
        @dataclass
        class Item:
            other: int

        return Item

    validator = Validator()
    components: dict[str, Any] = {}
    assert validator.schema(Item, defs=components) == {"$ref": "#/$defs/Item"}
    other = make()
    name = f"{__name__}.test_two_classes_of_one_name_get_two_components._locals_.make._locals_.Item"
    assert validator.schema(other, defs=components) == {"$ref": "#/$defs/" + name}
    assert components[name]["properties"] == {"other": {"type": "integer"}}
    assert "name" in components["Item"]["properties"]
    # The same class keeps its name in later calls; a third of the same name gets a number.
    assert validator.schema(other, defs={}) == {"$ref": "#/$defs/" + name}
    assert validator.schema(make(), defs={}) == {"$ref": f"#/$defs/{name}_2"}


def test_unsupported_types_raise_as_compile_does() -> None:
    with pytest.raises(TypeError):
        V.schema(complex)
    with pytest.raises(TypeError, match="dataclass or TypedDict"):
        V.schema(int, "query")


# --- what the schema accepts is what the validator accepts -------------------------


@dataclass(frozen=True)
class Gen:
    """A generated type, a strategy for its values and their JSON form."""

    tp: Any
    values: st.SearchStrategy[Any]
    dump: Callable[[Any], Any]
    hashable: bool = True


def _same(value: Any) -> Any:
    return value


INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what orjson decodes
UTC = st.just(timezone.utc) | st.builds(lambda m: timezone(__import__("datetime").timedelta(minutes=m)), st.integers(-1439, 1439))

SCALARS = [
    Gen(int, INT64, _same),
    Gen(float, st.floats(allow_nan=False, allow_infinity=False), _same),
    Gen(str, st.text(max_size=5), _same),
    Gen(bool, st.booleans(), _same),
    Gen(type(None), st.none(), _same),
    Gen(bytes, st.text(max_size=5).map(str.encode), bytes.decode),
    # Aware only: the date-time and time formats require an offset (naive ones: see _explained).
    Gen(datetime, st.datetimes(timezones=UTC), datetime.isoformat),
    Gen(date, st.dates(), date.isoformat),
    Gen(time, st.times(timezones=UTC), time.isoformat),
    Gen(uuid.UUID, st.uuids(), str),
    Gen(Decimal, st.decimals(allow_nan=False, allow_infinity=False), str),
    Gen(Decimal, st.integers(-10**6, 10**6).map(Decimal), int),
    Gen(Color, st.sampled_from(Color), lambda v: v.value),
    Gen(Level, st.sampled_from(Level), lambda v: v.value),
    Gen(Literal["a", 1, True, None], st.sampled_from(["a", 1, True, None]), _same),
    Gen(Annotated[int, Ge(-3), Lt(7)], st.integers(-3, 6), _same),
    Gen(Annotated[float, Gt(0.5), Le(2)], st.floats(0.5, 2, exclude_min=True), _same),
    Gen(Annotated[str, MinLen(1), MaxLen(3)], st.text(min_size=1, max_size=3), _same),
    Gen(Annotated[str, Pattern(r"^[a-c]*$"), MaxLen(4)], st.from_regex(r"^[a-c]{0,4}$", fullmatch=True), _same),
    # Excluded, because JSON Schema cannot say them (see the docstring of _schema.py):
    # bounds on Decimal strings and datetimes, byte lengths of bytes, __post_init__ checks.
]

_names = iter(range(10**9))


def _list(child: Gen) -> Gen:
    return Gen(list[child.tp], st.lists(child.values, max_size=3), lambda v: [child.dump(x) for x in v], hashable=False)


def _limited(child: Gen) -> Gen:
    return Gen(Annotated[list[child.tp], MinLen(1), MaxLen(2)], st.lists(child.values, min_size=1, max_size=2),
               lambda v: [child.dump(x) for x in v], hashable=False)  # fmt: skip


def _tuple(child: Gen) -> Gen:
    return Gen(tuple[child.tp, ...], st.lists(child.values, max_size=3).map(tuple), lambda v: [child.dump(x) for x in v],
               hashable=child.hashable)  # fmt: skip


def _fixed(children: list[Gen]) -> Gen:
    tp = tuple[tuple(c.tp for c in children)] if children else tuple[()]
    return Gen(tp, st.tuples(*(c.values for c in children)), lambda v: [c.dump(x) for c, x in zip(children, v)],
               hashable=all(c.hashable for c in children))  # fmt: skip


def _set(child: Gen) -> Gen:
    return Gen(frozenset[child.tp], st.frozensets(child.values, max_size=3), lambda v: [child.dump(x) for x in v])


def _dict(key: type, child: Gen) -> Gen:
    keys = st.text(max_size=3) if key is str else st.integers(-1000, 1000)
    return Gen(dict[key, child.tp], st.dictionaries(keys, child.values, max_size=3),  # type: ignore[valid-type]
               lambda v: {str(k): child.dump(x) for k, x in v.items()}, hashable=False)  # fmt: skip


def _optional(child: Gen) -> Gen:
    return Gen(Optional[child.tp], st.none() | child.values, lambda v: None if v is None else child.dump(v), hashable=child.hashable)


def _object(children: list[Gen], kind: str) -> Gen:
    names = [f"f{i}" for i in range(len(children))]
    n = next(_names)
    if kind == "dataclass":
        # Every other field has a default of None, so some can be left out.
        spec = [(name, Optional[c.tp], dataclasses.field(default=None)) if i % 2 else (name, c.tp)
                for i, (name, c) in enumerate(zip(names, children))]  # fmt: skip
        spec.sort(key=lambda f: len(f) == 3)  # fields with a default come last
        cls: Any = dataclasses.make_dataclass(f"DC{n}", spec)
        kwargs = {name: (st.none() | c.values) if i % 2 else c.values for i, (name, c) in enumerate(zip(names, children))}
        return Gen(cls, st.builds(cls, **kwargs),
                   lambda v: {name: None if getattr(v, name) is None and i % 2 else c.dump(getattr(v, name))
                              for i, (name, c) in enumerate(zip(names, children))}, hashable=False)  # fmt: skip
    total = kind == "typeddict"
    cls = TypedDict(f"TD{n}", {name: c.tp for name, c in zip(names, children)}, total=total)  # type: ignore[operator]
    required = {name: c.values for name, c in zip(names, children)} if total else {}
    optional = {} if total else {name: c.values for name, c in zip(names, children)}
    values = st.fixed_dictionaries(required, optional=optional)
    return Gen(cls, values, lambda v: {name: c.dump(v[name]) for name, c in zip(names, children) if name in v}, hashable=False)


def _extend(children: st.SearchStrategy[Gen]) -> st.SearchStrategy[Gen]:
    return st.one_of(
        children.map(_list),
        children.map(_limited),
        children.map(_tuple),
        st.lists(children, max_size=3).map(_fixed),
        children.filter(lambda c: c.hashable).map(_set),
        st.builds(_dict, st.sampled_from([str, int]), children),
        children.map(_optional),
        st.builds(_object, st.lists(children, min_size=1, max_size=4), st.sampled_from(["dataclass", "typeddict", "partial"])),
    )


types_ = st.recursive(st.sampled_from(SCALARS), _extend, max_leaves=8)

json_scalars = (
    st.none() | st.booleans() | INT64
    # JSON Schema counts 1.0 as an integer; the validator, like pydantic's strict mode,
    # keeps the decoder's int/float distinction, so integral floats are left out.
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
    | st.text(max_size=4)
    | st.sampled_from(["red", "green", "a", "2024-05-01", "2024-05-01T12:30:00Z", "12:30:00+01:00", "1.5", "-2e3",
                       str(uuid.UUID(int=7)), "1", "true", ""])  # fmt: skip
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["f0", "f1", "f2", "f3", "value", "name"]) | st.text(max_size=2), children, max_size=4),
    max_leaves=10,
)


def _mutate(data: st.DataObject, value: Any) -> Any:
    """``value`` with one part replaced by junk, or one of its strings edited."""
    if isinstance(value, list) and value and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(value) - 1))
        return [*value[:i], _mutate(data, value[i]), *value[i + 1 :]]
    if isinstance(value, dict) and value and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(value)))
        return {**value, key: _mutate(data, value[key])}
    if isinstance(value, str) and value and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(value)))
        edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        char = data.draw(st.sampled_from(list("0123456789-:+.TZtzeE x\u0663")))
        if edit == "insert":
            return value[:i] + char + value[i:]
        if edit == "delete":
            return value[: max(i - 1, 0)] + value[i:]
        return value[: max(i - 1, 0)] + char + value[i:]
    return data.draw(json_values)


_NAIVE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}[Tt])?[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?")


def _parts(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, list):
        for item in value:
            found += _parts(item)
    elif isinstance(value, dict):
        for item in value.values():
            found += _parts(item)
    return found


def _explained(instance: Any, schema_ok: bool) -> bool:
    """Whether a disagreement comes from one of the differences JSON Schema cannot avoid."""
    parts = _parts(instance)
    if not schema_ok:
        # The validator takes a datetime or time without an offset (a naive value); the
        # formats require one.
        if any(isinstance(p, str) and _NAIVE.fullmatch(p) for p in parts):
            return True
        # A set drops duplicate items; uniqueItems refuses them.
        return any(isinstance(p, list) and not DRAFT({"uniqueItems": True}).is_valid(p) for p in parts)
    # jsonschema runs patterns with Python's re, whose $ also matches before a final
    # newline (in ECMA-262, the dialect of JSON Schema, it does not); and its uuid check
    # takes hyphens beyond the canonical four.
    return any(isinstance(p, str) and (p.endswith("\n") or p.count("-") > 4) for p in parts)


def _agree(tp: Any, instance: Any) -> None:
    schema = V.schema(tp)
    checker = DRAFT(schema, format_checker=DRAFT.FORMAT_CHECKER)
    schema_ok = checker.is_valid(instance)
    try:
        V.compile(tp, "body")(instance)
        ours = True
    except ValidationError:
        ours = False
    if schema_ok != ours:
        assert _explained(instance, schema_ok), (schema, instance, schema_ok)


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.data())
def test_property_valid_values_are_valid_for_both(data: st.DataObject) -> None:
    gen = data.draw(types_)
    schema = V.schema(gen.tp)
    DRAFT.check_schema(schema)
    dumped = gen.dump(data.draw(gen.values))
    assert DRAFT(schema, format_checker=DRAFT.FORMAT_CHECKER).is_valid(dumped), (schema, dumped)
    V.compile(gen.tp, "body")(dumped)


@PROPERTY
@given(st.data())
def test_property_schema_and_validator_agree_on_any_json(data: st.DataObject) -> None:
    gen = data.draw(types_)
    if data.draw(st.booleans()):
        instance = _mutate(data, gen.dump(data.draw(gen.values)))
    else:
        instance = data.draw(json_values)
    _agree(gen.tp, instance)


def test_the_format_checker_checks_the_formats_emitted() -> None:
    # Without rfc3339-validator, jsonschema would silently skip date-time and time.
    checker = DRAFT.FORMAT_CHECKER
    for fmt, bad in (("date-time", "2024-05-01"), ("time", "12:30"), ("date", "2024-02-30"), ("uuid", "nope")):
        assert not checker.conforms(bad, fmt), fmt


@pytest.mark.parametrize(
    ("tp", "instance"),
    [
        (datetime, "2024-05-01t12:30:00z"),
        (datetime, "2024-05-01T12:30:00.123456789+01:00"),
        (time, "23:59:59-00:30"),
        (date, "2024-02-29"),
        (uuid.UUID, "12345678-1234-5678-1234-56781234567A"),
        (Decimal, "-1.5E+3"),
        (dict[int, int], {"-0": 1, "007": 2}),
        (dict[bool, int], {"": 1, "Off": 2}),
        (Annotated[str, MaxLen(3)], "\U0001f600" * 3),
    ],
)
def test_agreement_at_edges(tp: Any, instance: Any) -> None:
    schema = V.schema(tp)
    assert DRAFT(schema, format_checker=DRAFT.FORMAT_CHECKER).is_valid(instance)
    V.compile(tp, "body")(instance)


def test_the_builtin_validator_is_a_schema_validator() -> None:
    from hornbeam.components import SchemaValidator

    def describe(validator: SchemaValidator) -> dict[str, Any]:
        return validator.schema(list[int])

    assert describe(V) == {"type": "array", "items": {"type": "integer"}}
    assert callable(getattr(V, "schema", None))


class Shape(enum.Enum):
    LINE = [1, 2]  # never arrives from JSON as one value
    DOT = "dot"


@dataclass
class Defaults:
    when: datetime = datetime(2024, 5, 1, tzinfo=timezone.utc)
    day: date = date(2024, 5, 1)
    key: uuid.UUID = uuid.UUID(int=1)
    amount: Decimal = Decimal("1.50")
    raw: bytes = b"ok"
    pair: tuple[int, int] = (1, 2)
    table: dict[str, int] = field(default_factory=lambda: {"a": 1})
    nan: float = math.nan
    level: Level = Level.HIGH


def test_defaults_are_written_when_json_can_hold_them() -> None:
    properties = V.schema(Defaults)["$defs"]["Defaults"]["properties"]
    assert {name: p.get("default") for name, p in properties.items() if "default" in p} == {
        "when": "2024-05-01T00:00:00+00:00", "day": "2024-05-01", "key": str(uuid.UUID(int=1)),
        "amount": "1.50", "raw": "ok", "pair": [1, 2], "level": 2,
    }  # fmt: skip
    assert "default" not in properties["table"] and "default" not in properties["nan"]


@pytest.mark.parametrize(
    ("key", "names"),
    [
        (bool, {"pattern": "^(|0|1|[fF][aA][lL][sS][eE]|[nN][oO]|[oO][fF][fF]|[oO][nN]|[tT][rR][uU][eE]|[yY][eE][sS])$"}),
        (Decimal, {"pattern": NUMBER_PATTERN}),
        (date, {"format": "date"}),
        (Color, {"enum": ["red", "green"]}),
        (Literal["a", 3, True], {"enum": ["a", "3", "", "1", "on", "true", "yes"]}),
        (Optional[int], {"pattern": INT_PATTERN}),
        (int | uuid.UUID, {"anyOf": [{"pattern": INT_PATTERN}, {"format": "uuid"}]}),
        (Annotated[str, MaxLen(3), Pattern("^k")], {"type": "string", "maxLength": 3, "pattern": "^k"}),
        (Annotated[int, Ge(0)], {"pattern": INT_PATTERN}),
        (NewType("Key", int), {"pattern": INT_PATTERN}),
        (str | int, None),
    ],
)
def test_dict_keys_are_described_as_text(key: Any, names: dict[str, Any] | None) -> None:
    schema = V.schema(dict[key, int])
    assert schema.get("propertyNames") == names
    if names is not None and "pattern" in names:
        assert re.search(names["pattern"], "\u0663") is None


def test_literals_enums_and_bounds_at_their_edges() -> None:
    assert V.schema(Shape)["$defs"]["Shape"] == {"title": "Shape", "type": "string", "enum": ["dot"]}
    assert V.schema(Literal[b"x", "y"]) == {"type": "string", "enum": ["y"]}
    query = V.schema(TypedDict("Q", {"v": Literal[b"x", "y"]}), "query")
    assert query["properties"]["v"] == {"type": "string", "enum": ["x", "y"]}
    assert V.schema(Annotated[float, Ge(Decimal("2")), Le(math.inf)]) == {"type": "number", "minimum": 2}
    assert V.schema(Annotated[Decimal, Ge(0)]) == {"anyOf": V.schema(Decimal)["anyOf"], "minimum": 0}
    assert V.schema(Annotated[Optional[Annotated[list[int], MaxLen(2)]], MinLen(1)]) == {
        "anyOf": [{"type": "array", "items": {"type": "integer"}, "maxItems": 2}, {"type": "null"}], "minItems": 1,
    }  # fmt: skip
    assert V.schema(int | Any) == {} and V.schema(list[Any]) == {"type": "array"} and V.schema(dict) == {"type": "object"}
    assert V.schema(tuple) == {"type": "array"}
    assert V.schema(Annotated[Tree, "just a note"])["$ref"] == "#/$defs/Tree"
