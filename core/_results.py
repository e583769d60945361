"""The one rule that turns what a handler returned into the Response that is sent.

- a ``Response`` is sent as it is;
- ``str`` is ``text/plain`` (UTF-8);
- ``bytes`` (and ``bytearray``, ``memoryview``) is ``application/octet-stream``;
- ``None`` is an empty answer: 204, or the route's declared ``status`` if it set one;
- anything else (dicts, lists, tuples, dataclasses, TypedDicts, enums, datetimes,
  UUIDs, Decimals, ...) is JSON, encoded here by the app's codec.

Every path that answers a handler (dispatch, middleware chains, exception
handlers) goes through ``to_response``.
"""

from __future__ import annotations

from typing import Any

from .components import JSONCodec
from .responses import JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, Response

__all__ = ["to_response"]

_OCTET_STREAM = (b"content-type", b"application/octet-stream")


def to_response(result: Any, codec: JSONCodec, status: int = 200) -> Response:
    """``result`` as a Response with ``status`` (a returned Response keeps its own).

    Raises whatever the codec raises for a value it cannot encode (``TypeError``
    for orjson), so the caller answers it as the handler's failure.
    """
    kind = type(result)
    # PERF: the common answers become a Response without the checks of its constructor.
    if kind is dict or kind is list:
        return Response.prepared(codec.dumps(result), [JSON_CONTENT_TYPE], status)
    if kind is str:
        return Response.prepared(result.encode(), [TEXT_CONTENT_TYPE], status)
    if isinstance(result, Response):
        return result
    if result is None:
        return Response.prepared(b"", [], 204 if status == 200 else status)
    if isinstance(result, str):
        return Response.prepared(str(result).encode(), [TEXT_CONTENT_TYPE], status)
    if isinstance(result, (bytes, bytearray, memoryview)):
        return Response.prepared(bytes(result), [_OCTET_STREAM], status)
    return Response.prepared(codec.dumps(result), [JSON_CONTENT_TYPE], status)
