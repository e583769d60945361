"""The schemas the document is made of that no validator gives: path converters and problem documents."""

from __future__ import annotations

from typing import Any

from hornbeam.converters import Converter, FloatConverter, IntConverter, PathConverter, UUIDConverter

__all__ = [
    "Schema",
    "PROBLEM_JSON",
    "PROBLEM_SCHEMAS",
    "converter_schema",
    "problem_schemas",
]

Schema = dict[str, Any]

PROBLEM_JSON = "application/problem+json"

# The components this module adds, by the name they are given unless a route's own type took it.
PROBLEM_SCHEMAS = ("Problem", "ValidationProblem", "ValidationErrorItem")


def converter_schema(converter: Converter) -> Schema:
    """The JSON Schema of the values a path converter accepts.

    A converter of your own may say it with a ``schema`` attribute (a dict);
    without one it is documented as a non-empty string.
    """
    own = getattr(converter, "schema", None)
    if isinstance(own, dict):
        return dict(own)
    # Subclasses of the built-ins may accept more or less: only the classes themselves are known.
    kind = type(converter)
    if kind is IntConverter:
        return {"type": "integer"}
    if kind is FloatConverter:
        return {"type": "number"}
    if kind is UUIDConverter:
        return {"type": "string", "format": "uuid"}
    if kind is PathConverter:
        return {"type": "string", "minLength": 1, "description": "The rest of the path; it may hold '/'."}
    return {"type": "string", "minLength": 1}


def problem_schemas(names: dict[str, str]) -> dict[str, Schema]:
    """RFC 9457 problem details, and the 422 form with its ``errors`` list, under ``names`` (default -> final)."""
    ref = "#/components/schemas/"
    return {
        names["Problem"]: {
            "type": "object",
            "title": "Problem",
            "description": "An error, as RFC 9457 problem details (application/problem+json).",
            "properties": {
                "type": {"type": "string", "description": "A URI naming the kind of problem.", "default": "about:blank"},
                "title": {"type": "string", "description": "The status's reason phrase, or the kind's title."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": "What went wrong with this request."},
                "instance": {"type": "string", "description": "The path of the request."},
            },
            "required": ["type", "title", "status"],
        },
        names["ValidationProblem"]: {
            "title": "ValidationProblem",
            "description": "A 422 problem listing what failed validation, at most a bounded number of errors.",
            "allOf": [
                {"$ref": ref + names["Problem"]},
                {
                    "type": "object",
                    "properties": {
                        "status": {"const": 422},
                        "errors": {"type": "array", "items": {"$ref": ref + names["ValidationErrorItem"]}},
                        "errors_omitted": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "How many errors were found but not listed.",
                        },
                    },
                    "required": ["errors"],
                },
            ],
        },
        names["ValidationErrorItem"]: {
            "type": "object",
            "title": "ValidationErrorItem",
            "properties": {
                "loc": {
                    "type": "array",
                    "description": "Where: 'body', 'query' or 'path', then keys and indexes into it.",
                    "items": {"type": ["string", "integer"]},
                },
                "msg": {"type": "string"},
                "type": {"type": "string", "description": "A machine-readable kind, such as 'missing'."},
            },
            "required": ["loc", "msg", "type"],
        },
    }
