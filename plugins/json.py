"""The ``json`` plugin: the JSON codec, backed by orjson.

orjson renders dataclasses, datetimes, UUIDs and enums natively; this codec
adds ``Decimal`` (as a string, so no digit is lost: what pydantic and msgspec do
too) and sets (as arrays), and integers past 64 bits, which orjson refuses and the
validator accepts (up to 100 digits). ``loads`` raises ``ValueError`` with the
parser's message (which gives the position).
"""

from __future__ import annotations

import dataclasses
import enum
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
        try:
            # PERF: orjson calls _default only for the types it cannot encode itself.
            return orjson.dumps(obj, default=_default, option=self._option)
        except TypeError as exc:
            if _WIDE_INT not in str(exc):
                raise
        # PERF: the rare answer holding a wide integer is walked once more; no other answer pays for it.
        return orjson.dumps(_widened(obj, 0), default=_default, option=self._option)


# How orjson words its refusal of a wide integer, as a value and as a dict key.
_WIDE_INT = "64-bit range"
# orjson's own nesting limit: deeper data fails there, so the walk need not go further.
_MAX_DEPTH = 255


def _fits(value: int) -> bool:
    return -(2**63) <= value < 2**64


def _widened(obj: Any, depth: int) -> Any:
    """``obj`` with every integer past 64 bits as an ``orjson.Fragment`` of its digits, which orjson writes as is."""
    if depth > _MAX_DEPTH:
        raise TypeError("Recursion limit reached")
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj if _fits(obj) else orjson.Fragment(str(int(obj)).encode())
    if isinstance(obj, dict):
        return {
            (str(int(k)) if isinstance(k, int) and not _fits(k) else k): _widened(v, depth + 1) for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_widened(item, depth + 1) for item in obj]
    if isinstance(obj, enum.Enum):
        return _widened(obj.value, depth)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _widened(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)}
    return obj


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")


@hookimpl(trylast=True)
def hornbeam_json_codec(app: App) -> OrjsonCodec:
    return OrjsonCodec()
