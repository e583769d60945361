"""The ``json`` plugin: the JSON codec, backed by orjson.

orjson renders dataclasses, datetimes, UUIDs and enums natively; ``loads``
raises ``ValueError`` with the parser's message (which gives the position).
"""

from __future__ import annotations

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
        return orjson.dumps(obj, option=self._option)


@hookimpl(trylast=True)
def hornbeam_json_codec(app: App) -> OrjsonCodec:
    return OrjsonCodec()
