"""The ``json`` plugin: the JSON codec, backed by orjson.

orjson renders dataclasses, datetimes, UUIDs and enums natively; this codec
adds ``Decimal`` (as a string, so no digit is lost: what pydantic and msgspec do
too) and sets (as arrays). ``loads`` raises ``ValueError`` with the parser's
message (which gives the position).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from hornbeam import App, hookimpl

__all__ = ["OrjsonCodec"]


class OrjsonCodec:
    """``loads``/``dumps`` with orjson; non-str dict keys are rendered as strings."""

    __slots__ = ("_option",)

    def __init__(self, option: int = orjson.OPT_NON_STR_KEYS) -> None:
        self._option = option

    def loads(self, data: bytes) -> Any:
        # orjson.JSONDecodeError subclasses ValueError, as the codec contract asks.
        return orjson.loads(data)

    def dumps(self, obj: Any) -> bytes:
        # PERF: orjson calls _default only for the types it cannot encode itself.
        return orjson.dumps(obj, default=_default, option=self._option)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")


@hookimpl(trylast=True)
def hornbeam_json_codec(app: App) -> OrjsonCodec:
    return OrjsonCodec()
