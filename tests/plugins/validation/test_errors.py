"""Bounded validation errors: a cap on the errors in one 422, and on the size of its document."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
import pytest

from hornbeam.errors import ValidationError
from hornbeam.plugins.validation import Ge, MaxLen, MinLen, Validator

PROBLEM_LIMIT = 64 * 1024


def problem_of(fn: Any, data: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        fn(data)
    problem: dict[str, Any] = info.value.to_problem("/items")
    assert len(orjson.dumps(problem)) <= PROBLEM_LIMIT
    return problem


@dataclass
class Tagged:
    name: str
    tags: Annotated[list[str], MaxLen(10)] = field(default_factory=list)


@dataclass
class Small:
    a: int
    b: str = ""


class CountingBound:
    """A ``ge`` limit that counts how often it is compared, and refuses everything."""

    def __init__(self) -> None:
        self.calls = 0

    def __le__(self, other: Any) -> bool:
        self.calls += 1
        return False

    def __repr__(self) -> str:
        return "counting"


def test_a_too_long_list_of_wrong_items_is_one_too_long_error() -> None:
    tags: list[Any] = list(range(500_000))
    problem = problem_of(Validator().compile(Tagged, "body"), {"name": "x", "tags": tags})
    assert problem["errors"] == [
        {"loc": ["body", "tags"], "msg": "Value should have at most 10 items", "type": "too_long"}
    ]
    assert "errors_omitted" not in problem and problem["detail"] == "1 validation error"


def test_unknown_keys_are_counted_past_the_cap() -> None:
    data: dict[str, Any] = {"a": 1, **{f"k{i}": i for i in range(95_000)}}
    problem = problem_of(Validator().compile(Small, "body"), data)
    assert len(problem["errors"]) == 100
    assert all(e["type"] == "extra_forbidden" for e in problem["errors"])
    assert problem["errors"][0]["loc"] == ["body", "k0"]
    assert problem["errors_omitted"] == 94_900
    assert problem["detail"] == "95000 validation errors (first 100 shown)"


def test_max_errors_is_a_validator_argument() -> None:
    fn = Validator(max_errors=3).compile(list[int], "body")
    problem = problem_of(fn, ["a", "b", "c", "d", "e"])
    assert [e["loc"] for e in problem["errors"]] == [["body", 0], ["body", 1], ["body", 2]]
    # Checking stopped at the cap, so the count is a lower bound, and the detail says so.
    assert problem["errors_omitted"] >= 1
    assert problem["detail"] == f"at least {3 + problem['errors_omitted']} validation errors (first 3 shown)"
    with pytest.raises(ValueError, match="max_errors"):
        Validator(max_errors=0)


def test_checking_stops_once_the_cap_is_reached() -> None:
    bound = CountingBound()
    fn = Validator(max_errors=10).compile(list[Annotated[int, Ge(bound)]], "body")
    problem_of(fn, list(range(100_000)))
    # The fast path fails on the first item; the checking walk then stops after the cap.
    assert bound.calls <= 2 * 10 + 2


def test_errors_under_the_cap_are_all_listed_without_a_count() -> None:
    problem = problem_of(Validator().compile(list[int], "body"), ["a"] * 100)
    assert len(problem["errors"]) == 100 and "errors_omitted" not in problem
    assert problem["detail"] == "100 validation errors"


def test_nested_errors_share_one_budget() -> None:
    fn = Validator(max_errors=5).compile(list[list[int]], "body")
    problem = problem_of(fn, [["a"] * 4] * 1000)
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", 0, 0], ["body", 0, 1], ["body", 0, 2], ["body", 0, 3], ["body", 1, 0],
    ]  # fmt: skip


def test_long_unknown_keys_are_cut_in_the_location() -> None:
    key = "k" * 100_000
    problem = problem_of(Validator().compile(Small, "body"), {"a": 1, key: 1, key + "2": 2})
    locs = [e["loc"] for e in problem["errors"]]
    assert len(locs) == 2 and all(len(loc[1]) <= 120 for loc in locs)
    assert locs[0][1].startswith("kkk")


def test_many_long_keys_stay_within_the_size_limit() -> None:
    data = {"a": 1, **{f"{i:05}" + "\u00e9" * 5000: i for i in range(1000)}}
    problem = problem_of(Validator().compile(Small, "body"), data)
    assert problem["errors"] and len(problem["errors"]) + problem["errors_omitted"] == 1000


@dataclass
class Deep:
    child: "Deep | None" = None
    n: int = 0


def test_deep_locations_are_bounded() -> None:
    data: dict[str, Any] = {"n": "x"}
    for level in range(200):
        data = {"child": data, f"{level:03}" + "x" * 200: 1, "n": "x"}
    problem = problem_of(Validator().compile(Deep, "body"), data)
    locs = [e["loc"] for e in problem["errors"]]
    assert max(len(loc) for loc in locs) == 32 and locs[-1][:3] == ["body", "child", "child"]
    assert len(locs) + problem["errors_omitted"] > 100


def test_messages_echoing_user_code_are_bounded() -> None:
    @dataclass
    class Loud:
        a: int

        def __post_init__(self) -> None:
            raise ValueError("x" * 1_000_000)

    problem = problem_of(Validator().compile(list[Loud], "body"), [{"a": 1}] * 500)
    assert all(len(e["msg"]) <= 300 for e in problem["errors"])


def test_validation_error_counts_omitted_errors() -> None:
    error = ValidationError([{"loc": ["body"], "msg": "m", "type": "t"}], omitted=4)
    assert error.omitted == 4
    assert error.to_problem()["errors_omitted"] == 4
    assert error.detail == "5 validation errors (first 1 shown)"
    assert "errors_omitted" not in ValidationError([]).to_problem()


def test_dataclass_fields_are_unaffected() -> None:
    assert dataclasses.fields(Small)[0].name == "a"
    assert Validator().compile(Annotated[list[int], MinLen(1)], "body")([1]) == [1]


def test_the_app_setting_and_the_answer_on_the_wire() -> None:
    from hornbeam import App, Request
    from hornbeam.testing import TestClient

    app = App(settings={"validation_max_errors": 2})

    @app.post("/small", body=list[int])
    async def create(request: Request[None, list[int]]) -> dict[str, int]:
        return {"n": len(request.body_data)}

    with TestClient(app) as client:
        answer = client.post("/small", json=["a"] * 10_000 + [{"k" * 1000: 1}] * 1000)
    assert answer.status_code == 422 and len(answer.content) <= PROBLEM_LIMIT
    problem = answer.json()
    assert len(problem["errors"]) == 2 and problem["errors_omitted"] == 1
    assert problem["detail"] == "at least 3 validation errors (first 2 shown)"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hornbeam.plugins.validation._nodes import Budget, Invalid  # noqa: E402
from hornbeam.plugins.validation.validator import _Compiler  # noqa: E402

from .test_validator import Order, Partial, Tree, WithPost, json_values, schemas  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), json_values)
def test_property_the_checking_walk_finds_an_error_exactly_when_the_fast_path_fails(data: st.DataObject, junk: Any) -> None:
    tp = data.draw(st.sampled_from([Order, Tree, Partial, WithPost]) | schemas.map(lambda s: s.tp))
    node = _Compiler(False, True, {}).compile(tp)
    try:
        node.fn(junk)
        fast_ok = True
    except Invalid:
        fast_ok = False
    errors = node.checker()(junk, Budget(10_000))
    assert fast_ok == (not errors), (tp, junk, errors)
    assert all(isinstance(err[0], list) for err in errors)
