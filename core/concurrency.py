"""How hornbeam decides what is async: one rule for handlers, middleware, observers and tasks."""

from __future__ import annotations

import functools
import inspect
from typing import Any

__all__ = ["is_async_callable"]


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` gives a coroutine: an ``async def`` function or method, a
    ``functools.partial`` of one, or an object whose ``__call__`` is ``async def``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if inspect.iscoroutinefunction(obj):
        return True
    return not inspect.isroutine(obj) and inspect.iscoroutinefunction(getattr(obj, "__call__", None))
