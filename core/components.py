"""The components plugins provide, as protocols: what the core expects of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from .datastructures import QueryParams
    from .requests import Request
    from .responses import Response

__all__ = ["JSONCodec", "QueryParser", "Validator", "SchemaValidator", "ErrorRenderer", "Source"]

Source = Literal["body", "query", "path"]


class JSONCodec(Protocol):
    """Provided by ``hornbeam_json_codec``; ``loads`` raises ``ValueError`` on malformed input."""

    def loads(self, data: bytes) -> Any: ...

    def dumps(self, obj: Any) -> bytes: ...


QueryParser = Callable[[bytes], "QueryParams"]
"""Provided by ``hornbeam_query_parser``: the raw query string to a multi-dict; raises HTTPError to refuse."""

ErrorRenderer = Callable[["Request[Any, Any] | None", Exception], "Response"]
"""Provided by ``hornbeam_error_renderer``: an ``HTTPError`` to the response the client gets."""


class Validator(Protocol):
    """Provided by ``hornbeam_validator``: turns a type into a checking function, once per route.

    ``compile(tp, source)`` returns ``check(data) -> value``. For ``"body"`` the
    data is decoded JSON; for ``"query"`` a ``QueryParams``; for ``"path"`` a
    dict of path parameters. ``check`` raises ``ValidationError`` (422) listing
    the errors, each located from ``source`` (a bounded number: ``omitted`` counts
    the rest). ``compile`` raises ``TypeError`` for a type it cannot handle.

    Optional capability: a validator may also provide ``schema``, below. It is not
    part of this protocol, so look for it (``getattr(validator, "schema", None)``)
    before use; the built-in validator and ``examples/hornbeam-pydantic`` have it.
    """

    def compile(self, tp: Any, source: Source) -> Callable[[Any], Any]: ...


class SchemaValidator(Validator, Protocol):
    """A ``Validator`` that can also describe what it accepts as JSON Schema.

    ``schema(tp, source="body", *, defs=None, ref_prefix="#/$defs/")`` returns the
    JSON Schema (2020-12, the dialect of OpenAPI 3.1) of what ``compile(tp, source)``
    accepts. Named types (dataclasses, TypedDicts, Enums, models) are written once
    into ``defs`` and referred to as ``{"$ref": ref_prefix + name}``; pass an
    OpenAPI document's ``components/schemas`` and ``"#/components/schemas/"`` to
    share them. Without ``defs`` they go into the result's own ``"$defs"``. For
    ``"query"`` and ``"path"`` the result is an object schema whose ``properties``
    are the parameters and whose ``required`` lists those that must be sent.
    Raises ``TypeError`` as ``compile`` does.
    """

    def schema(
        self, tp: Any, source: Source = "body", *, defs: dict[str, Any] | None = None, ref_prefix: str = "#/$defs/"
    ) -> dict[str, Any]: ...
