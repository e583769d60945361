"""Path parameter converters: ``{name:int}`` turns a path segment into a typed value and back."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any, Protocol

__all__ = [
    "Converter",
    "StrConverter",
    "IntConverter",
    "FloatConverter",
    "UUIDConverter",
    "PathConverter",
    "DEFAULT_CONVERTERS",
]

_DIGITS = frozenset("0123456789")
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
    """ASCII digits, optionally negative: ``-?[0-9]+``."""

    catch_all = False
    priority = 20

    def convert(self, segment: str) -> int:
        digits = segment[1:] if segment[:1] == "-" else segment
        # int() alone would accept "+1", " 1", "1_0" and non-ASCII digits.
        if not digits or not _DIGITS.issuperset(digits):
            raise ValueError(f"{segment!r} is not an integer")
        return int(segment)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an int")
        return str(value)


class FloatConverter:
    """A finite decimal number without exponent: ``-?[0-9]+(.[0-9]+)?``."""

    catch_all = False
    priority = 10

    def convert(self, segment: str) -> float:
        body = segment[1:] if segment[:1] == "-" else segment
        whole, dot, frac = body.partition(".")
        if not whole or not _DIGITS.issuperset(whole) or (dot and (not frac or not _DIGITS.issuperset(frac))):
            raise ValueError(f"{segment!r} is not a decimal number")
        return float(segment)

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
