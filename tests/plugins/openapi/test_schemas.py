"""converter_schema and the problem schemas: what they describe is what hornbeam accepts and answers."""

from __future__ import annotations

from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import HTTPError, ValidationError
from hornbeam.converters import DEFAULT_CONVERTERS, IntConverter
from hornbeam.plugins.openapi.schemas import PROBLEM_SCHEMAS, converter_schema, problem_schemas

NAMES = {name: name for name in PROBLEM_SCHEMAS}
SCHEMAS = problem_schemas(NAMES)


def check(instance: Any, name: str) -> None:
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    jsonschema.Draft202012Validator(root).validate(instance)


def test_built_in_converters() -> None:
    schemas = {name: converter_schema(converter) for name, converter in DEFAULT_CONVERTERS.items()}
    assert schemas["int"] == {"type": "integer"}
    assert schemas["float"] == {"type": "number"}
    assert schemas["uuid"] == {"type": "string", "format": "uuid"}
    assert schemas["str"] == {"type": "string", "minLength": 1}
    assert schemas["path"]["type"] == "string" and schemas["path"]["minLength"] == 1


def test_a_converter_says_its_own_schema_and_a_subclass_is_not_assumed_to_be_its_base() -> None:
    class Even(IntConverter):
        pass

    class Slug(IntConverter):
        schema = {"type": "string", "pattern": "^[a-z]+$"}

    assert converter_schema(Even()) == {"type": "string", "minLength": 1}
    own = converter_schema(Slug())
    assert own == {"type": "string", "pattern": "^[a-z]+$"} and own is not Slug.schema


@given(st.integers(400, 599), st.text(max_size=20) | st.none())
def test_every_rendered_problem_is_a_problem(status: int, detail: str | None) -> None:
    error = HTTPError(status, detail, extra={"x-more": [1, 2]})
    check(error.to_problem("/a/b"), "Problem")


LOC = st.lists(st.text(max_size=5) | st.integers(0, 10), max_size=4).map(lambda rest: ["body", *rest])
ERRORS = st.lists(st.fixed_dictionaries({"loc": LOC, "msg": st.text(max_size=10), "type": st.text(max_size=10)}), max_size=5)


@settings(max_examples=100)
@given(ERRORS, st.integers(0, 3))
def test_every_validation_problem_is_a_validation_problem(errors: list[dict[str, Any]], omitted: int) -> None:
    check(ValidationError(errors, omitted=omitted).to_problem("/p"), "ValidationProblem")


def test_renamed_components_refer_to_each_other() -> None:
    renamed = problem_schemas({name: f"hornbeam.{name}" for name in PROBLEM_SCHEMAS})
    assert set(renamed) == {f"hornbeam.{name}" for name in PROBLEM_SCHEMAS}
    validation = renamed["hornbeam.ValidationProblem"]["allOf"]
    assert validation[0] == {"$ref": "#/components/schemas/hornbeam.Problem"}
    assert validation[1]["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/hornbeam.ValidationErrorItem"}
