"""Observation hooks compiled, at start-up, into one plain function per hook.

Dispatch calls ``observe(request, ...)`` directly: no pluggy call per request,
and nothing at all when no plugin implements the hook (the function is None).
The generated function calls each implementation in hook order with the
arguments it asked for; it is ``async`` when any implementation is, and then
awaited by the caller. An implementation that raises is logged naming its
plugin. For the two per-request hooks on the hot path, a single implementation
taking every argument is used as it is, without a generated function around it;
dispatch calls those (and awaits an async one) inside ``try`` and hands a failure
to ``observer_failed``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["compile_observer", "observer_failed", "Observer"]

logger = logging.getLogger("hornbeam.plugins")

Observer = Callable[..., Any]


def compile_observer(
    hook: str,
    implementations: Sequence[tuple[str, Callable[..., Any], tuple[str, ...]]],
    params: tuple[str, ...],
    trace: bool = False,
    bare: bool = False,
) -> Observer | None:
    """One function ``observe(*params)`` calling every ``(plugin, function, argnames)``; None for none.

    Returns a coroutine function when any implementation is async. With
    ``bare``, a single implementation taking every argument comes back as it
    is: it may raise, and its caller catches (see ``observer_failed``).
    """
    if not implementations:
        return None
    if bare and len(implementations) == 1 and not trace:
        plugin, function, argnames = implementations[0]
        if argnames == params:
            # PERF: a frame (about 700 instructions), or a coroutine, fewer per request; the caller
            # awaits what an async one returns and catches for it.
            return function
    is_async = any(_is_async(function) for _, function, _ in implementations)
    namespace: dict[str, Any] = {"logger": logger, "trace": logger.info}
    lines = [f"{'async ' if is_async else ''}def observe({', '.join(params)}):"]
    for index, (plugin, function, argnames) in enumerate(implementations):
        unknown = [name for name in argnames if name not in params]
        if unknown:
            raise TypeError(f"{hook} has no argument {unknown[0]!r}")
        namespace[f"f{index}"] = function
        namespace[f"p{index}"] = plugin
        call = f"f{index}({', '.join(argnames)})"
        if _is_async(function):
            call = f"await {call}"
        if trace:
            lines.append(f"    trace('observer %s of plugin %r: %s', {hook!r}, p{index}, {params[0]})")
        lines += [
            "    try:",
            f"        {call}",
            "    except Exception:",
            f"        logger.exception('observer %s of plugin %r failed; the answer is unchanged', {hook!r}, p{index})",
        ]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<hornbeam observer {hook}>", "exec"), namespace)
    observe: Observer = namespace["observe"]
    return observe


def observer_failed(hook: str, plugins: Sequence[str]) -> None:
    """Log the exception being handled as the failure of ``hook``'s observer; the answer goes on unchanged."""
    logger.exception("observer %s of plugin %r failed; the answer is unchanged", hook, ", ".join(plugins))


def _is_async(function: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(getattr(function, "__call__", None))
