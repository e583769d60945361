"""The public error report: at most ``max_errors`` items, and a document that stays small.

Whatever the input, the ``errors`` of one ValidationError fit in ``SIZE_LIMIT`` bytes of
JSON, so the whole problem document stays under 64 KiB: input keys in a ``loc`` are cut
to ``KEY_LIMIT`` characters, a ``loc`` to ``LOC_LIMIT`` parts (the error lies inside
what is left), a message to ``MSG_LIMIT`` characters. What does not fit is counted in
``errors_omitted``.
"""

from __future__ import annotations

from typing import Any

from hornbeam.errors import ValidationError

from ._nodes import Budget, Err

__all__ = ["MAX_ERRORS", "SIZE_LIMIT", "KEY_LIMIT", "LOC_LIMIT", "MSG_LIMIT", "report", "shorten"]

MAX_ERRORS = 100
SIZE_LIMIT = 56 * 1024
KEY_LIMIT = 100
LOC_LIMIT = 32
MSG_LIMIT = 300


def shorten(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters (the last an ellipsis) when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _json_size(text: str) -> int:
    # An upper bound for any JSON encoder: ASCII escapes to at most two bytes
    # (\" \\) unless it is a control character; anything else to at most 12 (\ud83d\ude00).
    if text.isascii() and text.isprintable():
        return 2 * len(text) + 3
    return 12 * len(text) + 3


def _item(loc: list[Any], type_: str, msg: str, source: str) -> tuple[dict[str, Any], int]:
    parts: list[Any] = [source]
    size = 60 + _json_size(type_)
    for part in reversed(loc):
        if len(parts) == LOC_LIMIT:
            break
        if isinstance(part, str):
            part = shorten(part, KEY_LIMIT)
            size += _json_size(part)
        else:
            size += len(str(part)) + 1
        parts.append(part)
    msg = shorten(msg, MSG_LIMIT)
    return {"loc": parts, "msg": msg, "type": type_}, size + _json_size(msg)


def report(errors: list[Err], budget: Budget, source: str, max_errors: int) -> ValidationError:
    """The ValidationError for ``errors`` found by a walk that spent ``budget``."""
    shown: list[dict[str, Any]] = []
    total = 0
    for loc, type_, msg in errors[:max_errors]:
        item, size = _item(loc, type_, msg, source)
        total += size
        if total > SIZE_LIMIT and shown:
            break
        shown.append(item)
    found = len(errors) + budget.counted
    omitted = found - len(shown)
    if not omitted:
        return ValidationError(shown)
    # A walk that stopped early left part of the input unexamined: there may be more.
    prefix = "at least " if budget.stopped else ""
    return ValidationError(shown, f"{prefix}{found} validation errors (first {len(shown)} shown)", omitted=omitted)
