"""Path parameter converters: ``{name:int}`` turns a path segment into a typed value and back."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any, Protocol

from .parsers import parse_float, parse_int

__all__ = [
    "Converter",
    "StrConverter",
    "IntConverter",
    "FloatConverter",
    "UUIDConverter",
    "PathConverter",
    "DEFAULT_CONVERTERS",
]

_UUID_CHARS = frozenset("0123456789abcdefABCDEF-")


class Converter(Protocol):
    """Turns one decoded path segment into a value, and a value back into a segment.

    ``convert`` raises ``ValueError`` when the segment does not fit, and the router
    then tries the next candidate. ``catch_all`` converters take the rest of the
    path, slashes included. ``priority`` orders parameters at the same position:
    higher is tried first (typed converters before plain strings).
    """

    catch_all: bool
    priority: int

    def convert(self, segment: str) -> Any: ...

    def to_url(self, value: Any) -> str: ...


class StrConverter:
    """Any non-empty segment (the default)."""

    catch_all = False
    priority = 0

    def convert(self, segment: str) -> str:
        if not segment:
            raise ValueError("empty segment")
        return segment

    def to_url(self, value: Any) -> str:
        text = str(value)
        if not text:
            raise ValueError("an empty value cannot fill a path segment")
        return text


class IntConverter:
    """An integer as ``hornbeam.parsers.parse_int`` reads it: ``-?[0-9]+``, at most 100 digits."""

    catch_all = False
    priority = 20

    def convert(self, segment: str) -> int:
        return parse_int(segment)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an int")
        return str(value)


class FloatConverter:
    """A finite number as ``hornbeam.parsers.parse_float`` reads it: ``-?[0-9]+(.[0-9]+)?`` and an optional exponent."""

    catch_all = False
    priority = 10

    def convert(self, segment: str) -> float:
        return parse_float(segment)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        # repr() gives the shortest round-tripping form; Decimal spells it without an exponent.
        text = format(Decimal(repr(float(value))), "f")
        return text if "." in text else text + ".0"


class UUIDConverter:
    """The canonical 8-4-4-4-12 hex form; ``uuid.UUID`` alone would accept braces and URNs."""

    catch_all = False
    priority = 30

    def convert(self, segment: str) -> uuid.UUID:
        if len(segment) != 36 or segment.count("-") != 4 or not _UUID_CHARS.issuperset(segment):
            raise ValueError(f"{segment!r} is not a UUID")
        if (segment[8], segment[13], segment[18], segment[23]) != ("-", "-", "-", "-"):
            raise ValueError(f"{segment!r} is not a UUID")
        return uuid.UUID(segment)

    def to_url(self, value: Any) -> str:
        if isinstance(value, str):
            value = self.convert(value)
        if not isinstance(value, uuid.UUID):
            raise ValueError(f"{value!r} is not a UUID")
        return str(value)


class PathConverter:
    """The rest of the path, slashes included; never empty."""

    catch_all = True
    priority = 0

    def convert(self, segment: str) -> str:
        if not segment:
            raise ValueError("empty path")
        return segment

    def to_url(self, value: Any) -> str:
        text = str(value)
        if not text:
            raise ValueError("empty path")
        return text


DEFAULT_CONVERTERS: dict[str, Converter] = {
    "str": StrConverter(),
    "int": IntConverter(),
    "float": FloatConverter(),
    "uuid": UUIDConverter(),
    "path": PathConverter(),
}
