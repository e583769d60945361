"""The components plugins provide, as protocols: what the core expects of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from .datastructures import QueryParams
    from .requests import Request
    from .responses import Response

__all__ = ["JSONCodec", "QueryParser", "Validator", "ErrorRenderer", "Source"]

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
    every error, each located from ``source``. ``compile`` raises ``TypeError``
    for a type it cannot handle.
    """

    def compile(self, tp: Any, source: Source) -> Callable[[Any], Any]: ...
