import dataclasses
import enum
import re
import sys
import typing
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, NotRequired, Optional, Required, TypedDict, TypeVar, Union

import pytest

from hornbeam.errors import ValidationError
from hornbeam.plugins.validation import Ge, Gt, Le, Lt, MaxLen, MinLen, Pattern, Validator
from hornbeam.testing.conformance.validator import ValidatorContract

V = Validator()


def body(tp: Any) -> Callable[[Any], Any]:
    return V.compile(tp, "body")


def errors_of(fn: Callable[[Any], Any], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        fn(data)
    assert info.value.status == 422
    assert info.value.to_problem()["errors"] == info.value.errors
    return info.value.errors


def only_error(fn: Callable[[Any], Any], data: Any) -> tuple[list[Any], str]:
    errors = errors_of(fn, data)
    assert len(errors) == 1, errors
    assert set(errors[0]) == {"loc", "msg", "type"} and errors[0]["msg"]
    return errors[0]["loc"], errors[0]["type"]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mood(enum.StrEnum):
    HAPPY = "happy"
    SAD = "sad"


@dataclass
class Item:
    name: str
    price: Annotated[float, Ge(0)]
    tags: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class Order:
    items: list[Item]
    customer: "Customer"


@dataclass
class Customer:
    name: str
    email: Annotated[str, Pattern(r"^[^@]+@[^@]+$")]


@dataclass
class Tree:
    value: int
    children: "list[Tree]" = field(default_factory=list)


@dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclass
class WithPost:
    low: int
    high: int
    computed: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        self.computed = self.high - self.low


@dataclass(kw_only=True)
class KwOnly:
    a: int
    b: str = "b"


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


class Partial(TypedDict, total=False):
    title: Required[str]
    year: int
    rating: Annotated[float, Le(10)]


# --- scalars from JSON bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "good", "expected", "bad", "error"),
    [
        (str, "x", "x", 1, "string_type"),
        (int, 3, 3, "3", "int_type"),
        (int, -(2**80), -(2**80), True, "int_type"),
        (int, 0, 0, 1.0, "int_type"),
        (float, 1.5, 1.5, "1.5", "float_type"),
        (float, 2, 2.0, False, "float_type"),
        (float, 0.0, 0.0, 2**2000, "float_type"),
        (bool, True, True, 1, "bool_type"),
        (bool, False, False, "false", "bool_type"),
        (type(None), None, None, 0, "none_type"),
        (None, None, None, "", "none_type"),
        (bytes, "h\u00e9", "h\u00e9".encode(), 5, "bytes_type"),
        (bytes, "ok", b"ok", "\ud800", "bytes_type"),
        (datetime, "2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc), "2024-13-01", "datetime_parsing"),
        (datetime, "2024-05-01T00:00:00", datetime(2024, 5, 1), 1714566600, "datetime_type"),
        (datetime, "2024-05-01t12:30:00.5z", datetime(2024, 5, 1, 12, 30, 0, 500000, tzinfo=timezone.utc), "2024-05-01", "datetime_parsing"),
        (datetime, "2024-05-01T12:30:00-01:00", datetime(2024, 5, 1, 13, 30, tzinfo=timezone.utc), "2024-05-01 12:30:00", "datetime_parsing"),
        (datetime, "2024-05-01T12:30:00", datetime(2024, 5, 1, 12, 30), "2024-W18-3T12:30:00", "datetime_parsing"),
        (date, "2024-05-01", date(2024, 5, 1), "2024-05-01T00:00", "date_parsing"),
        (date, "2024-05-01", date(2024, 5, 1), [], "date_type"),
        (time, "12:30:01.5", time(12, 30, 1, 500000), "25:00", "time_parsing"),
        (time, "12:30:00", time(12, 30), 12.5, "time_type"),
        (time, "12:30:00Z", time(12, 30, tzinfo=timezone.utc), "12:30", "time_parsing"),
        (date, "2024-02-29", date(2024, 2, 29), "20240229", "date_parsing"),
        (uuid.UUID, "12345678-1234-5678-1234-56781234567A", uuid.UUID(int=0x1234567812345678123456781234567A), "{12345678-1234-5678-1234-567812345678}", "uuid_parsing"),
        (Decimal, "-1.5e3", Decimal("-1.5e3"), " 1.5", "decimal_parsing"),
        (uuid.UUID, "12345678-1234-5678-1234-567812345678", uuid.UUID(int=0x12345678123456781234567812345678), "nope", "uuid_parsing"),
        (uuid.UUID, str(uuid.UUID(int=1)), uuid.UUID(int=1), 1, "uuid_type"),
        (Decimal, "1.10", Decimal("1.10"), "abc", "decimal_parsing"),
        (Decimal, 0.1, Decimal("0.1"), "NaN", "decimal_parsing"),
        (Decimal, 7, Decimal(7), "Infinity", "decimal_parsing"),
        (Decimal, "-0", Decimal("-0"), True, "decimal_type"),
        (Color, "red", Color.RED, "RED", "enum"),
        (Level, 2, Level.HIGH, True, "enum"),
        (Level, 1, Level.LOW, "1", "enum"),
        (Mood, "sad", Mood.SAD, "Sad", "enum"),
        (Literal["a", "b"], "b", "b", "c", "literal_error"),
        (Literal[1], 1, 1, True, "literal_error"),
        (Literal[True], True, True, 1, "literal_error"),
        (Literal[None, 0], None, None, False, "literal_error"),
        (Literal[Color.GREEN], "green", Color.GREEN, "red", "literal_error"),
        (Literal["a"], "a", "a", ["a"], "literal_error"),
        (Color, "green", Color.GREEN, {"x": 1}, "enum"),
    ],
)
def test_body_scalars(tp: Any, good: Any, expected: Any, bad: Any, error: str) -> None:
    fn = body(tp)
    result = fn(good)
    assert result == expected and type(result) is type(expected)
    assert only_error(fn, bad) == (["body"], error)


def test_any_and_object_accept_everything() -> None:
    value = {"a": [1, None, {"b": 2.5}]}
    assert body(Any)(value) is value
    assert body(object)(3) == 3
    assert body(list)([1, "x"]) == [1, "x"] and body(dict)({"a": 1}) == {"a": 1}


def test_newtype_validates_as_its_supertype() -> None:
    UserId = NewType("UserId", int)
    assert body(UserId)(5) == 5
    assert only_error(body(UserId), "5") == (["body"], "int_type")


# --- unions -------------------------------------------------------------------------


def test_optional_accepts_none_and_reports_the_inner_error() -> None:
    fn = body(Optional[int])
    assert fn(None) is None and fn(3) == 3
    assert only_error(fn, "3") == (["body"], "int_type")
    assert only_error(body(Item | None), {"name": "x"}) == (["body", "price"], "missing")


def test_union_keeps_exact_types_then_tries_left_to_right() -> None:
    assert body(float | int)(1) == 1 and type(body(float | int)(1)) is int
    assert body(int | bool)(True) is True
    assert body(Union[Decimal, str])("1.5") == "1.5"
    assert body(Union[int, Decimal])("1.5") == Decimal("1.5")
    assert only_error(body(int | str), 1.5) == (["body"], "union")
    assert only_error(body(int | str | None), []) == (["body"], "union")


def test_union_points_inside_the_member_whose_shape_matched() -> None:
    fn = body(list[int] | Item)
    assert only_error(fn, [1, "2"]) == (["body", 1], "int_type")
    assert only_error(fn, {"name": "x", "price": -1}) == (["body", "price"], "greater_than_equal")
    assert only_error(body(Item | Customer), {"name": "x"}) == (["body"], "union")


# --- containers ---------------------------------------------------------------------


def test_lists_tuples_and_sets() -> None:
    assert body(list[int])([1, 2]) == [1, 2]
    assert body(typing.List[str])(["a"]) == ["a"]  # noqa: UP006
    assert body(tuple[int, ...])([1, 2]) == (1, 2)
    assert body(tuple[int, str])([1, "a"]) == (1, "a")
    assert body(tuple[()])([]) == ()
    assert body(tuple)([1, "a"]) == (1, "a")
    assert body(set[int])([1, 1, 2]) == {1, 2}
    assert body(frozenset[str])(["a"]) == frozenset({"a"})
    assert body(Sequence[int])((1, 2)) == [1, 2]
    assert only_error(body(list[int]), {"a": 1}) == (["body"], "list_type")
    assert only_error(body(set[int]), "12") == (["body"], "list_type")
    assert only_error(body(tuple[int, str]), [1]) == (["body"], "too_short")
    assert only_error(body(tuple[int, str]), [1, "a", 2]) == (["body"], "too_long")
    assert only_error(body(tuple[int, ...]), [1, "a"]) == (["body", 1], "int_type")
    assert only_error(body(set[Any]), [[1]]) == (["body"], "set_type")


def test_list_result_is_a_new_list() -> None:
    data = [1, 2]
    assert body(list[int])(data) is not data
    assert body(list[Any])(data) is not data


def test_every_item_error_is_collected() -> None:
    errors = errors_of(body(list[int]), [1, "a", 2, None, True])
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", 1], "int_type"),
        (["body", 3], "int_type"),
        (["body", 4], "int_type"),
    ]
    errors = errors_of(body(tuple[int, str]), ["a", 1])
    assert [e["loc"] for e in errors] == [["body", 0], ["body", 1]]


def test_dicts_coerce_keys_like_query_values() -> None:
    assert body(dict[str, int])({"a": 1}) == {"a": 1}
    assert body(dict[int, str])({"1": "a", "-2": "b"}) == {1: "a", -2: "b"}
    assert body(dict[Color, bool])({"red": True}) == {Color.RED: True}
    assert body(dict[uuid.UUID, int])({str(uuid.UUID(int=3)): 1}) == {uuid.UUID(int=3): 1}
    assert only_error(body(dict[str, int]), [1]) == (["body"], "dict_type")
    errors = errors_of(body(dict[int, int]), {"x": 1, "2": "y", "3": 3})
    assert [(e["loc"], e["type"]) for e in errors] == [(["body", "x"], "int_parsing"), (["body", "2"], "int_type")]


# --- dataclasses and TypedDicts -----------------------------------------------------


def test_dataclass_defaults_factories_and_nesting() -> None:
    fn = body(Item)
    first = fn({"name": "pen", "price": 2})
    assert first == Item("pen", 2.0) and type(first.price) is float
    second = fn({"name": "pen", "price": 2})
    assert first.tags is not second.tags
    order = body(Order)({"items": [{"name": "a", "price": 1.5, "tags": ["x"]}], "customer": {"name": "c", "email": "c@d"}})
    assert order == Order([Item("a", 1.5, ["x"])], Customer("c", "c@d"))


def test_nested_locations_point_at_the_failing_field() -> None:
    items = [{"name": "a", "price": 1}] * 3 + [{"name": "d", "price": "free"}]
    fn = body(Order)
    assert only_error(fn, {"items": items, "customer": {"name": "c", "email": "c@d"}}) == (
        ["body", "items", 3, "price"],
        "float_type",
    )


def test_all_errors_of_a_dataclass_are_collected() -> None:
    errors = errors_of(
        body(Order),
        {"items": [{"name": 1, "price": -1}, "x"], "customer": {"email": "nope"}, "extra": 1},
    )
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", "items", 0, "name"], "string_type"),
        (["body", "items", 0, "price"], "greater_than_equal"),
        (["body", "items", 1], "model_type"),
        (["body", "customer", "name"], "missing"),
        (["body", "customer", "email"], "string_pattern_mismatch"),
        (["body", "extra"], "extra_forbidden"),
    ]
    assert errors_of(body(Order), {"items": 1}) and "errors" in ValidationError(errors).to_problem()


def test_recursive_dataclass_through_forward_reference() -> None:
    tree = body(Tree)({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
    assert tree == Tree(1, [Tree(2, [Tree(3)])])
    assert only_error(body(Tree), {"value": 1, "children": [{"value": 2, "children": [{"value": "3"}]}]}) == (
        ["body", "children", 0, "children", 0, "value"],
        "int_type",
    )


def test_too_deep_input_is_a_validation_error() -> None:
    data: dict[str, Any] = {"value": 0}
    for _ in range(sys.getrecursionlimit()):
        data = {"value": 0, "children": [data]}
    assert only_error(body(Tree), data) == (["body"], "too_deep")


def test_dataclass_frozen_kw_only_post_init_and_init_false() -> None:
    assert body(Point)({"x": 1, "y": 2}) == Point(1, 2)
    assert body(set[Point])([{"x": 1, "y": 2}] * 2) == {Point(1, 2)}
    assert body(KwOnly)({"a": 1}) == KwOnly(a=1)
    assert body(WithPost)({"low": 1, "high": 3}).computed == 2
    assert only_error(body(WithPost), {"low": 3, "high": 1}) == (["body"], "value_error")
    assert only_error(body(WithPost), {"low": 1, "high": 3, "computed": 9}) == (["body", "computed"], "extra_forbidden")
    assert only_error(body(Point), [1, 2]) == (["body"], "model_type")


def test_typeddicts_total_and_partial() -> None:
    assert body(Movie)({"title": "x"}) == {"title": "x"}
    assert body(Movie)({"title": "x", "year": 1999}) == {"title": "x", "year": 1999}
    assert only_error(body(Movie), {"year": 1999}) == (["body", "title"], "missing")
    assert body(Partial)({"title": "x", "rating": 9}) == {"title": "x", "rating": 9.0}
    assert only_error(body(Partial), {}) == (["body", "title"], "missing")
    assert only_error(body(Partial), {"title": "x", "rating": 11}) == (["body", "rating"], "less_than_equal")


def test_unknown_fields_policy() -> None:
    data = {"name": "x", "price": 1, "colour": "red"}
    assert only_error(body(Item), data) == (["body", "colour"], "extra_forbidden")
    lenient = Validator(unknown_fields="ignore")
    assert lenient.compile(Item, "body")(data) == Item("x", 1.0)
    assert lenient.compile(Movie, "body")({"title": "t", "x": 1}) == {"title": "t"}
    with pytest.raises(ValueError, match="unknown_fields"):
        Validator(unknown_fields="allow")  # type: ignore[arg-type]


# --- constraints --------------------------------------------------------------------


class DuckInterval:
    """Looks like annotated_types.Interval without importing it."""

    def __init__(self, gt: Any = None, ge: Any = None, lt: Any = None, le: Any = None) -> None:
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le


class DuckLen:
    def __init__(self, min_length: int = 0, max_length: int | None = None) -> None:
        self.min_length, self.max_length = min_length, max_length


@pytest.mark.parametrize(
    ("tp", "good", "bad", "error"),
    [
        (Annotated[int, Ge(0)], 0, -1, "greater_than_equal"),
        (Annotated[int, Gt(0)], 1, 0, "greater_than"),
        (Annotated[float, Le(1.5)], 1.5, 1.6, "less_than_equal"),
        (Annotated[float, Lt(1)], 0.5, 1, "less_than"),
        (Annotated[Decimal, Ge(Decimal("0.5"))], "0.5", "0.4", "greater_than_equal"),
        (Annotated[date, Lt(date(2000, 1, 1))], "1999-12-31", "2000-01-01", "less_than"),
        (Annotated[str, MinLen(2)], "ab", "a", "too_short"),
        (Annotated[str, MaxLen(2)], "ab", "abc", "too_long"),
        (Annotated[list[int], MinLen(1)], [1], [], "too_short"),
        (Annotated[dict[str, int], MaxLen(1)], {"a": 1}, {"a": 1, "b": 2}, "too_long"),
        (Annotated[bytes, MaxLen(1)], "a", "\u00e9", "too_long"),
        (Annotated[str, Pattern(r"^\d+$")], "12", "12a", "string_pattern_mismatch"),
        (Annotated[int, DuckInterval(gt=0, le=5)], 5, 6, "less_than_equal"),
        (Annotated[str, DuckLen(1, 3)], "abc", "", "too_short"),
        (Annotated[int | None, Ge(0)], None, -1, "greater_than_equal"),
        (Annotated[Level, Gt(1)], 2, 1, "greater_than"),
        (Annotated[Any, MinLen(1)], [1], 5, "too_short"),
        (Annotated[datetime, Ge(datetime(2000, 1, 1))], "2001-01-01T00:00:00", "2001-01-01T00:00:00Z", "greater_than_equal"),
        (Annotated[int, "documentation", Ge(1)], 1, 0, "greater_than_equal"),
    ],
)
def test_constraints(tp: Any, good: Any, bad: Any, error: str) -> None:
    fn = body(tp)
    fn(good)
    assert only_error(fn, bad) == (["body"], error)


def test_a_value_reports_its_first_failing_constraint() -> None:
    fn = body(Annotated[str, Pattern("^a"), MinLen(3)])
    assert only_error(fn, "b") == (["body"], "too_short")
    assert only_error(fn, "bbb") == (["body"], "string_pattern_mismatch")
    assert only_error(fn, 3) == (["body"], "string_type")


def test_constraint_messages_and_pattern_compiled_once() -> None:
    pattern = Pattern("^x")
    assert isinstance(pattern.regex, re.Pattern) and pattern == Pattern("^x")
    assert errors_of(body(Annotated[int, Ge(3)]), 1)[0]["msg"] == "Input should be greater than or equal to 3"
    assert errors_of(body(Annotated[str, MinLen(2)]), "")[0]["msg"] == "Value should have at least 2 characters"
    assert errors_of(body(Annotated[list[int], MaxLen(1)]), [1, 2])[0]["msg"] == "Value should have at most 1 item"


@pytest.mark.parametrize(
    "tp",
    [Annotated[int, MinLen(1)], Annotated[int, Pattern("x")], Annotated[str, Ge(1)], Annotated[int | str, Gt(0)]],
)
def test_misplaced_constraints_fail_at_compile_time(tp: Any) -> None:
    with pytest.raises(TypeError, match="does not apply"):
        body(tp)


class Shape(enum.Enum):
    LINE = [1, 2]
    DOT = "dot"


@dataclass
class WithInitVar:
    a: int
    scale: dataclasses.InitVar[int]


class AnnotatedRequired(TypedDict, total=False):
    name: Annotated[Required[str], MinLen(1)]
    extra: Any


@dataclass
class Loose:
    data: Any
    label: Annotated[str, "just a note"] = ""


def test_edge_cases() -> None:
    assert body(int)(Level.HIGH) == 2 and type(body(int)(Level.HIGH)) is int
    assert body(bytes)(b"raw") == b"raw"
    assert body(Shape)("dot") is Shape.DOT
    assert only_error(body(Shape), [1, 2]) == (["body"], "enum")
    assert body(AnnotatedRequired)({"name": "n"}) == {"name": "n"}
    assert only_error(body(AnnotatedRequired), {"extra": 1}) == (["body", "name"], "missing")
    assert body(Loose)({"data": [1, {"x": None}]}) == Loose([1, {"x": None}])
    assert body(int | Any)("x") == "x" and body(Optional[Any])(None) is None
    assert body(set[int])({1, 2}) == {1, 2}
    assert body(typing.Tuple[()])([]) == ()  # noqa: UP006
    assert body(Annotated[int, {"doc": "unhashable metadata"}])(1) == 1
    assert only_error(body(Annotated[Any, MinLen(1), MaxLen(3)]), 5) == (["body"], "too_short")
    assert only_error(body(Annotated[Any, MinLen(1), MaxLen(3)]), "abcd") == (["body"], "too_long")
    literal = V.compile(TypedDict("L", {"v": Literal[True, b"x", 2]}), "query")
    assert [literal({"v": text})["v"] for text in ("TRUE", "x", "2")] == [True, b"x", 2]
    assert V.compile(TypedDict("F", {"v": float, "b": bool}), "path")({"v": 2, "b": True}) == {"v": 2.0, "b": True}
    with pytest.raises(TypeError, match="InitVar"):
        body(WithInitVar)
    with pytest.raises(TypeError, match="no members"):
        body(enum.Enum("Empty", []))


# --- compile-time errors ------------------------------------------------------------


class Plain:
    pass


@dataclass
class HasComplex:
    z: complex


@dataclass
class Dangling:
    other: "DoesNotExist"  # type: ignore[name-defined]  # noqa: F821


@dataclass
class QueryNested:
    item: Item


@pytest.mark.parametrize(
    ("tp", "message"),
    [
        (complex, "complex"),
        (Plain, "Plain"),
        (HasComplex, "HasComplex.z: .*complex"),
        (list[complex], "complex"),
        (TypeVar("T"), "T"),
        (Dangling, "Dangling"),
        (set[list[int]], "hashable"),
        (set[Item], "hashable"),
        (dict[list[int], int], "dict key"),
        (Literal[1.5], "Literal"),
        ("Item", "forward reference"),
        ([int], "unsupported type"),
        (dict[Point, int], "dict key"),
    ],
)
def test_unsupported_types_fail_at_compile_time(tp: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        body(tp)


def test_failed_compile_leaves_the_validator_usable() -> None:
    validator = Validator()
    with pytest.raises(TypeError):
        validator.compile(list[HasComplex], "body")
    assert validator.compile(Tree, "body")({"value": 1}) == Tree(1)


def test_bad_source_and_query_shapes_fail_at_compile_time() -> None:
    with pytest.raises(ValueError, match="source"):
        V.compile(int, "form")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dataclass or TypedDict"):
        V.compile(int, "query")
    with pytest.raises(TypeError, match="QueryNested.item"):
        V.compile(QueryNested, "query")
    with pytest.raises(TypeError, match="query string"):
        V.compile(TypedDict("Q", {"a": list[list[int]]}), "query")
    with pytest.raises(TypeError, match="query string"):
        V.compile(TypedDict("Q", {"a": int | list[int]}), "path")


# --- query and path -----------------------------------------------------------------


class MultiDict:
    """The ``get``/``getlist`` mapping shape that ``QueryParams`` has."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, key: str) -> str | None:
        values = self.getlist(key)
        return values[-1] if values else None

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def __iter__(self) -> typing.Iterator[str]:
        return iter(dict(self.pairs))

    def __len__(self) -> int:
        return len(dict(self.pairs))


@dataclass
class Search:
    q: str
    page: Annotated[int, Ge(1)] = 1
    exact: bool = False
    tags: list[str] = field(default_factory=list)
    ids: tuple[int, ...] = ()
    color: Color | None = None
    since: date | None = None
    kind: Literal["a", "b", 3] = "a"
    level: Level = Level.LOW
    pair: tuple[int, float] | None = None
    weight: float | None = None
    mood: Mood | None = None


def test_query_values_are_coerced_from_strings() -> None:
    fn = V.compile(Search, "query")
    pairs = [("q", "hi"), ("page", "2"), ("exact", "YES"), ("tags", "x"), ("tags", "y"), ("ids", "3"), ("ids", "4")]
    pairs += [("color", "green"), ("since", "2024-02-29"), ("kind", "3"), ("level", "2"), ("pair", "1"), ("pair", "2.5")]
    pairs += [("weight", "-1e3"), ("mood", "happy")]
    assert fn(MultiDict(pairs)) == Search(
        "hi", 2, True, ["x", "y"], (3, 4), Color.GREEN, date(2024, 2, 29), 3, Level.HIGH, (1, 2.5), -1000.0, Mood.HAPPY
    )
    assert fn(MultiDict([("q", "")])) == Search("")
    assert fn({"q": "x", "tags": "one"}) == Search("x", tags=["one"])
    assert fn({"q": "x", "tags": ["a", "b"], "exact": "off"}) == Search("x", tags=["a", "b"])


def test_query_reads_hornbeam_query_params() -> None:
    from hornbeam.datastructures import QueryParams

    fn = V.compile(Search, "query")
    params = QueryParams([("q", "a"), ("tags", "x"), ("page", "3"), ("tags", "y")])
    assert fn(params) == Search("a", 3, tags=["x", "y"])
    # Unknown query parameters are ignored by default (utm_source, cache-busters) ...
    assert fn(QueryParams([("q", "a"), ("utm_source", "mail")])) == Search("a")
    # ... and refused when the app asks for it.
    strict = Validator(unknown_query_fields="forbid").compile(Search, "query")
    assert only_error(strict, QueryParams([("q", "a"), ("q2", "b")])) == (["query", "q2"], "extra_forbidden")


@dataclass
class NullableQuery:
    a: int | None
    b: None
    c: list[int] | None


def test_query_absent_nullable_fields_are_none() -> None:
    assert V.compile(NullableQuery, "query")({}) == NullableQuery(None, None, None)
    assert only_error(body(NullableQuery), {"a": None, "b": None}) == (["body", "c"], "missing")


@pytest.mark.parametrize("word", ["true", "True", "1", "yes", "ON"])
def test_query_bool_words(word: str) -> None:
    fn = V.compile(Search, "query")
    assert fn({"q": "", "exact": word}).exact is True
    assert fn({"q": "", "exact": {"true": "false", "True": "FALSE", "1": "0", "yes": "no", "ON": "off"}[word]}).exact is False


def test_query_errors_are_all_collected() -> None:
    fn = Validator(unknown_query_fields="forbid").compile(Search, "query")
    data = MultiDict([("page", "0"), ("ids", "1"), ("ids", "x"), ("exact", "maybe"), ("kind", "c"), ("pair", "1"), ("zz", "1")])
    errors = errors_of(fn, data)
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["query", "q"], "missing"),
        (["query", "page"], "greater_than_equal"),
        (["query", "exact"], "bool_parsing"),
        (["query", "ids", 1], "int_parsing"),
        (["query", "kind"], "literal_error"),
        (["query", "pair"], "too_short"),
        (["query", "zz"], "extra_forbidden"),
    ]
    assert only_error(fn, {"q": "x", "page": "1_0"}) == (["query", "page"], "int_parsing")
    assert only_error(fn, {"q": "x", "weight": "1.5x"}) == (["query", "weight"], "float_parsing")
    assert only_error(fn, None) == (["query"], "model_type")


def test_query_typeddict_and_ignore_policy() -> None:
    Q = TypedDict("Q", {"limit": NotRequired[int], "sort-by": str})
    assert V.compile(Q, "query")({"sort-by": "name"}) == {"sort-by": "name"}
    assert V.compile(Q, "query")({"sort-by": "a", "x": "1"}) == {"sort-by": "a"}
    with pytest.raises(ValidationError):
        Validator(unknown_query_fields="forbid").compile(Q, "query")({"sort-by": "a", "x": "1"})
    with pytest.raises(ValueError, match="unknown_query_fields"):
        Validator(unknown_query_fields="allow")  # type: ignore[arg-type]


@dataclass
class PathParams:
    id: int
    slug: str
    key: uuid.UUID
    flag: bool = False


def test_path_accepts_values_the_router_already_converted() -> None:
    fn = V.compile(PathParams, "path")
    key = uuid.UUID(int=5)
    assert fn({"id": 3, "slug": "s", "key": key}) == PathParams(3, "s", key)
    assert fn({"id": "3", "slug": "s", "key": str(key), "flag": 1}) == PathParams(3, "s", key, True)
    assert only_error(fn, {"id": "x", "slug": "s", "key": key}) == (["path", "id"], "int_parsing")
    assert only_error(fn, {"id": True, "slug": "s", "key": key}) == (["path", "id"], "int_type")


def test_validator_function_is_named_and_reusable() -> None:
    fn = V.compile(Item, "body")
    assert fn.__name__ == "validate_body_Item"
    assert V.compile(Item, "body")({"name": "a", "price": 0}) == fn({"name": "a", "price": 0})
    with pytest.raises(TypeError, match="timedelta"):
        body(timedelta)
    assert dataclasses.is_dataclass(fn({"name": "a", "price": 0}))


# --- properties ---------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Schema:
    """A generated type, a strategy for its values and how a client would send them."""

    tp: Any
    values: st.SearchStrategy[Any]
    dump: Callable[[Any], Any]
    query: Callable[[Any], list[str]] = lambda value: [str(value)]
    kind: str = "scalar"
    children: tuple[tuple[Any, "Schema"], ...] = ()
    hashable: bool = True


SCALARS = [
    Schema(int, st.integers(), _same),
    Schema(float, st.floats(allow_nan=False, allow_infinity=False), _same, query=lambda v: [repr(v)]),
    Schema(str, st.text(max_size=5), _same, query=lambda v: [v]),
    Schema(bool, st.booleans(), _same, query=lambda v: [str(v).upper() if v else "off"]),
    Schema(type(None), st.none(), _same),
    Schema(bytes, st.text(max_size=5).map(str.encode), bytes.decode, query=lambda v: [v.decode()]),
    Schema(datetime, st.datetimes(timezones=st.none() | st.just(timezone.utc)), datetime.isoformat, query=lambda v: [v.isoformat()]),
    Schema(date, st.dates(), date.isoformat, query=lambda v: [v.isoformat()]),
    Schema(time, st.times(), time.isoformat, query=lambda v: [v.isoformat()]),
    Schema(uuid.UUID, st.uuids(), str),
    Schema(Decimal, st.decimals(allow_nan=False, allow_infinity=False), str),
    Schema(Color, st.sampled_from(Color), lambda v: v.value, query=lambda v: [v.value]),
    Schema(Level, st.sampled_from(Level), lambda v: v.value, query=lambda v: [str(v.value)]),
    Schema(Literal["a", 1, True], st.sampled_from(["a", 1, True]), _same, query=lambda v: ["true" if v is True else str(v)]),
]

_names = iter(range(10**9))


def _list(child: Schema) -> Schema:
    return Schema(list[child.tp], st.lists(child.values, max_size=3), lambda v: [child.dump(x) for x in v],
                  kind="seq", children=((None, child),), hashable=False)  # fmt: skip


def _tuple(child: Schema) -> Schema:
    return Schema(tuple[child.tp, ...], st.lists(child.values, max_size=3).map(tuple),
                  lambda v: [child.dump(x) for x in v], kind="seq", children=((None, child),), hashable=child.hashable)  # fmt: skip


def _fixed(children: list[Schema]) -> Schema:
    tp = tuple[tuple(c.tp for c in children)] if children else tuple[()]
    return Schema(tp, st.tuples(*(c.values for c in children)), lambda v: [c.dump(x) for c, x in zip(children, v)],
                  kind="fixed", children=tuple(enumerate(children)), hashable=all(c.hashable for c in children))  # fmt: skip


def _set(child: Schema) -> Schema:
    return Schema(frozenset[child.tp], st.frozensets(child.values, max_size=3), lambda v: [child.dump(x) for x in v],
                  kind="seq", children=((None, child),))  # fmt: skip


def _dict(key: type, child: Schema) -> Schema:
    keys = st.text(max_size=3) if key is str else st.integers()
    return Schema(dict[key, child.tp], st.dictionaries(keys, child.values, max_size=3),  # type: ignore[valid-type]
                  lambda v: {str(k): child.dump(x) for k, x in v.items()}, kind="map", children=((None, child),),
                  hashable=False)  # fmt: skip


def _optional(child: Schema) -> Schema:
    return Schema(Optional[child.tp], st.none() | child.values, lambda v: None if v is None else child.dump(v),
                  query=lambda v: [] if v is None else child.query(v), kind="optional", children=((None, child),),
                  hashable=child.hashable)  # fmt: skip


def _object(children: list[Schema], typed_dict: bool) -> Schema:
    names = [f"f{i}" for i in range(len(children))]
    n = next(_names)
    if typed_dict:
        cls: Any = TypedDict(f"TD{n}", {name: c.tp for name, c in zip(names, children)})  # type: ignore[operator]
        values = st.fixed_dictionaries({name: c.values for name, c in zip(names, children)})
        get: Callable[[Any, str], Any] = lambda v, name: v[name]  # noqa: E731
    else:
        cls = dataclasses.make_dataclass(f"DC{n}", [(name, c.tp) for name, c in zip(names, children)])
        values = st.builds(cls, *(c.values for c in children))
        get = getattr
    return Schema(cls, values, lambda v: {name: c.dump(get(v, name)) for name, c in zip(names, children)},
                  kind="object", children=tuple(zip(names, children)), hashable=False)  # fmt: skip


def _extend(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
    return st.one_of(
        children.map(_list),
        children.map(_tuple),
        st.lists(children, max_size=3).map(_fixed),
        children.filter(lambda c: c.hashable).map(_set),
        st.builds(_dict, st.sampled_from([str, int]), children),
        children.map(_optional),
        st.builds(_object, st.lists(children, min_size=1, max_size=4), st.booleans()),
    )


schemas = st.recursive(st.sampled_from(SCALARS), _extend, max_leaves=8)


def _bad(schema: Schema) -> Any:
    """A value of the wrong shape for ``schema`` whatever its details: {} for arrays and
    scalars, [] where an object is expected."""
    if schema.kind == "optional":
        return _bad(schema.children[0][1])
    return [] if schema.kind in ("object", "map") else {}


def _spots(schema: Schema, dumped: Any, path: list[Any]) -> list[tuple[list[Any], Any]]:
    if schema.kind == "optional":
        child = schema.children[0][1]
        return [(path, _bad(child))] if dumped is None else _spots(child, dumped, path)
    spots = [(path, _bad(schema))]
    if schema.kind == "seq":
        for index, item in enumerate(dumped):
            spots += _spots(schema.children[0][1], item, [*path, index])
    elif schema.kind == "map":
        for key, item in dumped.items():
            spots += _spots(schema.children[0][1], item, [*path, key])
    elif schema.kind in ("fixed", "object"):
        for key, child in schema.children:
            spots += _spots(child, dumped[key], [*path, key])
    return spots


def _put(data: Any, path: list[Any], bad: Any) -> Any:
    if not path:
        return bad
    data[path[0]] = _put(data[path[0]], path[1:], bad)
    return data


@PROPERTY
@given(st.data())
def test_property_valid_values_round_trip(data: st.DataObject) -> None:
    schema = data.draw(schemas)
    value = data.draw(schema.values)
    assert body(schema.tp)(schema.dump(value)) == value


@PROPERTY
@given(st.data())
def test_property_wrong_shapes_are_reported_where_they_are(data: st.DataObject) -> None:
    schema = data.draw(schemas)
    dumped = schema.dump(data.draw(schema.values))
    spots = _spots(schema, dumped, [])
    picked = data.draw(st.lists(st.sampled_from(range(len(spots))), min_size=1, max_size=4, unique=True))
    chosen: list[tuple[list[Any], Any]] = []
    for path, bad in sorted((spots[i] for i in picked), key=lambda spot: len(spot[0])):
        if not any(path[: len(kept)] == kept for kept, _ in chosen):
            chosen.append((path, bad))
    for path, bad in chosen:
        dumped = _put(dumped, path, bad)
    errors = errors_of(body(schema.tp), dumped)
    assert sorted(repr(e["loc"]) for e in errors) == sorted(repr(["body", *path]) for path, _ in chosen)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["f0", "f1", "f2", "name", "price", "value", "children"]) | st.text(max_size=2),
                      children, max_size=4),  # fmt: skip
    max_leaves=12,
)


@PROPERTY
@given(st.data(), json_values)
def test_property_arbitrary_json_raises_only_validation_errors(data: st.DataObject, junk: Any) -> None:
    tp = data.draw(st.sampled_from([Order, Tree, Movie, Partial, WithPost]) | schemas.map(lambda s: s.tp))
    try:
        body(tp)(junk)
    except ValidationError as exc:
        assert exc.errors and all(e["loc"][0] == "body" for e in exc.errors)


query_scalars = [s for s in SCALARS if s.tp is not type(None)]
query_fields = st.sampled_from(query_scalars).flatmap(
    lambda s: st.sampled_from([s, _optional(s), _list(s), _tuple(s)])
)


@PROPERTY
@given(st.data(), st.lists(query_fields, min_size=1, max_size=5))
def test_property_query_values_round_trip(data: st.DataObject, fields: list[Schema]) -> None:
    fields = [f if f.kind != "seq" else dataclasses.replace(f, values=f.values.filter(bool)) for f in fields]
    schema = _object(fields, data.draw(st.booleans()))
    value = data.draw(schema.values)
    pairs = []
    for name, child in schema.children:
        raw = value[name] if isinstance(value, dict) else getattr(value, name)
        items = raw if child.kind == "seq" else [raw]
        item_schema = child.children[0][1] if child.kind == "seq" else child
        pairs += [(name, text) for item in items for text in item_schema.query(item)]
    assert V.compile(schema.tp, "query")(MultiDict(pairs)) == value


@PROPERTY
@given(st.dictionaries(st.sampled_from(["q", "page", "exact", "tags", "ids", "pair", "since"]) | st.text(max_size=3),
                       st.text(max_size=4) | st.lists(st.text(max_size=4), max_size=3)))  # fmt: skip
def test_property_arbitrary_query_raises_only_validation_errors(query: dict[str, Any]) -> None:
    for source in ("query", "path"):
        try:
            V.compile(Search, source)(query)  # type: ignore[arg-type]
        except ValidationError as exc:
            assert exc.errors and all(e["loc"][0] == source for e in exc.errors)


class TestBuiltinValidatorContract(ValidatorContract):
    def make_validator(self) -> Validator:
        return Validator()
