"""Contract tests for a validator (``hornbeam_validator``).

Subclass ``ValidatorContract`` and implement ``make_validator``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

try:  # pydantic on Python < 3.12 accepts only typing_extensions' TypedDict; both are TypedDicts
    from typing_extensions import TypedDict
except ImportError:  # pragma: no cover
    from typing import TypedDict

from hornbeam.components import Validator
from hornbeam.datastructures import QueryParams
from hornbeam.errors import ValidationError

__all__ = ["ValidatorContract"]


@dataclasses.dataclass
class _Address:
    city: str


@dataclasses.dataclass
class _Person:
    name: str
    age: int
    address: _Address
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Page:
    limit: int = 20
    flag: bool = False
    tag: list[str] = dataclasses.field(default_factory=list)


class _Point(TypedDict):
    x: int
    y: int


class _Opaque:
    """A class no validator can build from JSON."""

    def __init__(self, handle: object) -> None:
        self.handle = handle


class ValidatorContract:
    """The ``Validator`` contract: ``compile(tp, source)`` gives a checker that builds values or raises ``ValidationError``."""

    def make_validator(self) -> Validator:
        raise NotImplementedError("return the validator under test")

    @pytest.fixture
    def validator(self) -> Validator:
        return self.make_validator()

    def test_a_valid_body_becomes_the_declared_type(self, validator: Validator) -> None:
        check = validator.compile(_Person, "body")
        person = check({"name": "Ann", "age": 40, "address": {"city": "Oslo"}})
        assert person == _Person("Ann", 40, _Address("Oslo"))

    def test_typed_dicts_and_containers(self, validator: Validator) -> None:
        assert validator.compile(_Point, "body")({"x": 1, "y": 2}) == {"x": 1, "y": 2}
        assert validator.compile(list[int], "body")([1, 2]) == [1, 2]

    def test_every_error_is_located_from_the_source(self, validator: Validator) -> None:
        check = validator.compile(_Person, "body")
        with pytest.raises(ValidationError) as info:
            check({"name": 1, "address": {"city": None}})
        errors = info.value.errors
        assert info.value.status == 422
        locations = [tuple(error["loc"]) for error in errors]
        assert ("body", "name") in locations
        assert ("body", "age") in locations
        assert ("body", "address", "city") in locations
        for error in errors:
            assert isinstance(error["msg"], str) and error["msg"]
            assert isinstance(error["type"], str) and error["type"]

    def test_bodies_are_strict(self, validator: Validator) -> None:
        with pytest.raises(ValidationError):
            validator.compile(int, "body")("2")

    def test_not_an_object_is_a_validation_error(self, validator: Validator) -> None:
        values: list[object] = [None, [], "x", 3]
        for value in values:
            with pytest.raises(ValidationError):
                validator.compile(_Person, "body")(value)

    def test_query_values_are_coerced_from_text_and_lists_take_every_value(self, validator: Validator) -> None:
        check = validator.compile(_Page, "query")
        page = check(QueryParams([("limit", "5"), ("flag", "true"), ("tag", "a"), ("tag", "b")]))
        assert page == _Page(5, True, ["a", "b"])
        assert check(QueryParams()) == _Page()

    def test_bad_query_values_are_located_in_the_query(self, validator: Validator) -> None:
        with pytest.raises(ValidationError) as info:
            validator.compile(_Page, "query")(QueryParams([("limit", "many")]))
        assert [tuple(e["loc"]) for e in info.value.errors] == [("query", "limit")]

    def test_path_parameters_come_as_a_dict_of_text(self, validator: Validator) -> None:
        assert validator.compile(_Page, "path")({"limit": "7"}) == _Page(7)

    def test_a_type_it_cannot_check_is_a_type_error_at_compile_time(self, validator: Validator) -> None:
        with pytest.raises(TypeError):
            validator.compile(_Opaque, "body")
