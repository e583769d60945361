"""The text parsers behind typed request data: one set of rules for paths, queries and validation.

Path converters (``{n:int}``, ``{x:float}``), ``QueryParams.get_int/get_float/get_bool``
and the validator's query and path coercion all parse with these, so a value means the
same wherever it is written. Each raises ``ValueError`` (with a message that quotes at
most the first 40 characters of the text) for text it refuses; a path converter's
refusal means the route does not match (404), a query helper's is a 400, the validator's
a 422.

- Integers: ASCII digits with an optional leading ``-``, at most ``MAX_INT_DIGITS`` (100)
  digits; leading zeros are allowed (``007`` is 7).
- Numbers (floats and decimals): an integer as above, an optional fraction (``.`` then
  digits) and an optional exponent (``e`` or ``E``, an optional sign, digits) — JSON's
  number grammar, leading zeros allowed; the value must be finite, so ``nan``, ``inf``
  and anything that overflows to infinity (``1e999``) are refused.
- Booleans: ``true/false``, ``1/0``, ``yes/no``, ``on/off`` in any ASCII case, and the
  blank value, which is true: ``?verbose`` (present without a value) means "on".

Everywhere refused: a leading ``+`` (in a query string ``+`` is a space, so ``?n=+3``
arrives as `` 3``; one rule for every place is that no sign but ``-`` is written), any
whitespace or padding around the value, ``_`` separators, and digits other than ASCII
``0-9`` (``int()`` alone would take ``" +1_0 "`` and Arabic-Indic or fullwidth digits).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = [
    "MAX_INT_DIGITS",
    "INT_PATTERN",
    "NUMBER_PATTERN",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "parse_int",
    "parse_float",
    "parse_decimal",
    "parse_bool",
]

MAX_INT_DIGITS = 100
"""The most digits ``parse_int`` takes (Python's own limit is 4300; an ID or count needs far fewer)."""

INT_PATTERN = rf"^-?[0-9]{{1,{MAX_INT_DIGITS}}}$"
"""What ``parse_int`` accepts, as a regular expression (for JSON Schema ``pattern``)."""

NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
"""The spelling ``parse_float`` and ``parse_decimal`` accept, as a regular expression (the value must also be finite)."""

TRUE_WORDS = frozenset({"", "true", "1", "yes", "on"})
"""Spellings of true for ``parse_bool``, lower case (it ignores ASCII case)."""

FALSE_WORDS = frozenset({"false", "0", "no", "off"})
"""Spellings of false for ``parse_bool``, lower case (it ignores ASCII case)."""

_NUMBER = re.compile(NUMBER_PATTERN)
_WORDS = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)


def _quote(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


def parse_int(text: str) -> int:
    """``text`` as an int: ``-?[0-9]+``, at most ``MAX_INT_DIGITS`` digits.

    Raises ValueError for anything else.
    """
    # PERF: isdigit() and isascii() are C-level scans; together they mean [0-9]+ exactly.
    # Unsigned text, the usual case, is tested before any slicing.
    if text.isdigit() and text.isascii() and len(text) <= MAX_INT_DIGITS:
        return int(text)
    digits = text[1:] if text[:1] == "-" else text
    if digits.isdigit() and digits.isascii() and len(digits) <= MAX_INT_DIGITS:
        return int(text)
    if len(digits) > MAX_INT_DIGITS and digits.isdigit() and digits.isascii():
        raise ValueError(f"integer {_quote(text)} has more than {MAX_INT_DIGITS} digits")
    raise ValueError(f"{_quote(text)} is not an integer (ASCII digits with an optional leading '-')")


def _number(text: str, what: str) -> None:
    if not text.isascii() or _NUMBER.fullmatch(text) is None:
        raise ValueError(f"{_quote(text)} is not {what} (digits, an optional '-', fraction and exponent)")


def parse_float(text: str) -> float:
    """``text`` as a finite float, from the number grammar in the module docstring.

    Raises ValueError for another spelling, and for a value too large for a float.
    """
    _number(text, "a number")
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{_quote(text)} is too large for a float")
    return value


def parse_decimal(text: str) -> Decimal:
    """``text`` as a Decimal, from the same number grammar as ``parse_float`` (no NaN or infinity).

    Raises ValueError for another spelling.
    """
    _number(text, "a decimal number")
    return Decimal(text)


def parse_bool(text: str) -> bool:
    """``text`` as a bool: ``true/1/yes/on`` or blank for True, ``false/0/no/off`` for False (any ASCII case).

    Raises ValueError for anything else.
    """
    value = _WORDS.get(text)
    if value is None and len(text) <= 5 and text.isascii():
        value = _WORDS.get(text.lower())
    if value is None:
        raise ValueError(f"{_quote(text)} is not a boolean (true/false, 1/0, yes/no, on/off)")
    return value
