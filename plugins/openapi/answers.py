"""The error answers hornbeam gives by itself, and which operations can get each of them.

Each is documented once under ``components/responses`` and referred to from every
operation where it can happen, so a client knows every status it may see:

- 400 when the query string is parsed (routes with a query type or extractor: invalid
  UTF-8, too many fields) or a body is read (malformed JSON, a required body missing,
  a malformed Content-Length);
- 404 on routes with path parameters: a value the converter refuses matches no route;
- 405 on an operation whose paths a more specific route partly takes, when that route
  does not serve the method (see ``shadows``); elsewhere the method is always allowed;
- 413 on routes with a body, unless neither the route nor the app limits its size;
- 415 and 422 on routes with a typed body; 422 on routes with a typed query;
- 503 on routes with a time limit;
- ``default``: anything else, a crash (500) or a full task queue (503) among them.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

from hornbeam.routing import Route

from .schemas import PROBLEM_JSON, Schema

__all__ = ["Answer", "ANSWERS", "automatic_answers", "is_type", "response_component"]


@dataclass(frozen=True)
class Answer:
    """One automatic error answer: its status key, component name and description."""

    status: str
    component: str
    description: str
    validation: bool = False
    headers: dict[str, Any] = field(default_factory=dict)


ANSWERS: dict[str, Answer] = {
    answer.component: answer
    for answer in (
        Answer(
            "400",
            "BadRequest",
            "The request is malformed: a query string that is not UTF-8 or has too many fields, "
            "a body that is not valid JSON, a missing body, or a malformed Content-Length.",
        ),
        Answer("404", "NotFound", "Nothing is found at this path: a path parameter does not fit, or names nothing."),
        Answer(
            "405",
            "MethodNotAllowed",
            "A more specific route takes this path and does not serve this method.",
            headers={"Allow": {"description": "The methods that path allows.", "schema": {"type": "string"}}},
        ),
        Answer("413", "ContentTooLarge", "The body is larger than the route's size limit."),
        Answer("415", "UnsupportedMediaType", "The body is not JSON (Content-Type application/json or */*+json)."),
        Answer("422", "ValidationFailed", "The query or body is well-formed but not valid.", validation=True),
        Answer("503", "ServiceUnavailable", "The handler took longer than the route's time limit."),
        Answer(
            "default",
            "Error",
            "Any other error: one the handler raised, a crash (500), or an overloaded server "
            "(503 with Retry-After).",
            headers={
                "Retry-After": {
                    "description": "Seconds to wait before retrying, on a 503 for overload.",
                    "schema": {"type": "string"},
                }
            },
        ),
    )
}


def is_type(spec: Any) -> bool:
    """Whether a route's ``query``/``body`` is a type (checked by the validator) rather than an extractor."""
    # The rule the core applies when it compiles the route.
    return isinstance(spec, type) or typing.get_origin(spec) is not None


def automatic_answers(
    route: Route, *, max_body_size: int | None, timeout: float | None, shadowed: bool
) -> list[Answer]:
    """The automatic error answers ``route`` can give, by status.

    ``max_body_size`` and ``timeout`` are the route's own or else the app's;
    ``shadowed`` says a more specific route takes some of its paths without serving the method.
    """
    query, body = route.query is not None, route.body is not None
    typed_query = query and is_type(route.query)
    typed_body = body and is_type(route.body)
    found = []
    if query or body:
        found.append(ANSWERS["BadRequest"])
    if route.param_names:
        found.append(ANSWERS["NotFound"])
    if shadowed:
        found.append(ANSWERS["MethodNotAllowed"])
    if body and max_body_size is not None:
        found.append(ANSWERS["ContentTooLarge"])
    if typed_body:
        found.append(ANSWERS["UnsupportedMediaType"])
    if typed_query or typed_body:
        found.append(ANSWERS["ValidationFailed"])
    if timeout is not None:
        found.append(ANSWERS["ServiceUnavailable"])
    found.append(ANSWERS["Error"])
    return found


def response_component(answer: Answer, problem: Schema, validation_problem: Schema) -> Schema:
    """The ``components/responses`` entry of ``answer``; the schemas are ``$ref`` objects."""
    schema = validation_problem if answer.validation else problem
    component: Schema = {"description": answer.description, "content": {PROBLEM_JSON: {"schema": schema}}}
    if answer.headers:
        component["headers"] = answer.headers
    return component
