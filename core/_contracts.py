"""Start-up checks of the components plugins provide: each says what is wrong, or None.

A component that breaks its contract stops start-up with a PluginError naming
the plugin (see ``PluginHost.provide``), instead of surfacing later as an
anonymous 500 on some request.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from .errors import HTTPError, NotFound
from .responses import Response

__all__ = ["check_codec", "check_renderer", "check_query_parser", "check_validator", "check_task_queue", "QUEUE_METHODS"]

_SAMPLE = {"text": "é", "list": [1, 2.5, True, None], "nested": {"a": "b"}}

QUEUE_METHODS = ("start", "shutdown", "enqueue", "options", "get", "dead_letters", "counters")
# Lookups are coroutines since the protocol let queues keep tasks outside the process;
# a queue still written against the old, synchronous lookups is refused at start-up.
_QUEUE_COROUTINES = ("start", "shutdown", "enqueue", "get", "dead_letters", "counters")
_ENQUEUER_METHODS = ("enqueue",)


def _lacks(component: Any, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not callable(getattr(component, name, None))]


def check_codec(codec: Any) -> str | None:
    """``loads`` and ``dumps`` exist, ``dumps`` gives bytes, and ``loads`` refuses malformed JSON with ValueError."""
    missing = _lacks(codec, ("loads", "dumps"))
    if missing:
        return f"returned {codec!r}, which lacks {' and '.join(f'{m}()' for m in missing)}"
    try:
        encoded = codec.dumps(_SAMPLE)
    except Exception as exc:
        return f"its dumps() failed on {_SAMPLE!r}: {type(exc).__name__}: {exc}"
    if not isinstance(encoded, bytes):
        return f"its dumps() returned {type(encoded).__name__}, not bytes"
    try:
        codec.loads(b"{")
    except ValueError:
        return None
    except Exception as exc:
        return f"its loads() raised {type(exc).__name__} on malformed JSON; it must raise ValueError"
    return "its loads() accepted malformed JSON (b'{'); it must raise ValueError"


def check_renderer(renderer: Any) -> str | None:
    """The renderer is callable and gives a Response with the error's status for a sample error."""
    if not callable(renderer):
        return f"returned {renderer!r}, which is not callable"
    sample = NotFound(detail="a sample error, rendered at start-up to check the renderer")
    try:
        response = renderer(None, sample)
    except Exception as exc:
        return f"its renderer failed on a sample 404: {type(exc).__name__}: {exc}"
    if not isinstance(response, Response):
        return f"its renderer returned {type(response).__name__} for a sample 404, not a hornbeam.Response"
    if response.status != 404:
        return f"its renderer answered a sample 404 with status {response.status}"
    return None


def check_query_parser(parser: Any) -> str | None:
    """The parser is callable and gives a multi-dict (a Mapping with ``getlist``) for a sample query."""
    if not callable(parser):
        return f"returned {parser!r}, which is not callable"
    try:
        params = parser(b"a=1")
    except HTTPError:
        return None  # refusing a query (with a 4xx) is the parser's right
    except Exception as exc:
        return f"its parser failed on b'a=1': {type(exc).__name__}: {exc}"
    getlist = getattr(params, "getlist", None)
    if not isinstance(params, Mapping) or not callable(getlist):
        return f"its parser returned {type(params).__name__}; it must be a Mapping with getlist() (QueryParams)"
    if not all(isinstance(getlist(key), list) for key in params):
        return "its parser's getlist() does not return lists"
    return None


def check_validator(validator: Any) -> str | None:
    """``compile`` exists and gives a callable that accepts a valid value."""
    if not callable(getattr(validator, "compile", None)):
        return f"returned {validator!r}, which lacks compile(tp, source)"
    try:
        check = validator.compile(int, "body")
    except Exception as exc:
        return f"its compile(int, 'body') failed: {type(exc).__name__}: {exc}"
    return check_compiled(check) or _accepts(check)


def check_compiled(check: Any) -> str | None:
    """What ``Validator.compile`` returned is callable."""
    if not callable(check):
        return f"its compile() returned {check!r}, which is not callable"
    return None


def _accepts(check: Any) -> str | None:
    try:
        value = check(3)
    except Exception as exc:
        return f"its validator for int refused 3: {type(exc).__name__}: {exc}"
    return None if value == 3 else f"its validator for int turned 3 into {value!r}"


def check_task_queue(queue: Any) -> str | None:
    """Every method of the ``TaskQueue`` protocol exists, lookups are async, and ``options()`` gives an enqueuer."""
    missing = _lacks(queue, QUEUE_METHODS)
    if missing:
        return f"returned {queue!r}, which lacks {', '.join(missing)} (see hornbeam.TaskQueue)"
    sync = [name for name in _QUEUE_COROUTINES if not inspect.iscoroutinefunction(getattr(queue, name))]
    if sync:
        return (
            f"returned {queue!r}, whose {', '.join(f'{name}()' for name in sync)} "
            "must be async def (see hornbeam.TaskQueue: lookups are awaited)"
        )
    try:
        enqueuer = queue.options(max_attempts=1)
    except Exception as exc:
        return f"its options(max_attempts=1) failed: {type(exc).__name__}: {exc}"
    missing = _lacks(enqueuer, _ENQUEUER_METHODS)
    if missing:
        return f"its options() returned {enqueuer!r}, which lacks {', '.join(missing)}"
    return None
