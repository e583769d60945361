"""The ASGI lifespan protocol: build the app, run start-up and shutdown code, report failures."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import App
    from .requests import Receive
    from .responses import Send

logger = logging.getLogger("hornbeam")


async def _call(func: Callable[[], Any]) -> None:
    result = func()
    if inspect.isawaitable(result):
        await result


async def startup(app: App) -> AbstractAsyncContextManager[None] | None:
    """Freeze the app, then run plugin start-up hooks, the user's lifespan and start-up handlers."""
    app.freeze()
    await app.plugins.call_lifecycle("hornbeam_startup", app)
    context = None
    if app.lifespan_context is not None:
        context = app.lifespan_context(app)
        await context.__aenter__()
    for handler in app.startup_handlers:
        await _call(handler)
    return context


async def shutdown(app: App, context: AbstractAsyncContextManager[None] | None) -> None:
    """The reverse of start-up: user handlers, the user's lifespan, then plugin hooks.

    Every step runs even if an earlier one fails; the first error is raised at the end.
    """
    errors: list[BaseException] = []
    for handler in app.shutdown_handlers:
        try:
            await _call(handler)
        except Exception as exc:
            errors.append(exc)
    if context is not None:
        try:
            await context.__aexit__(None, None, None)
        except Exception as exc:
            errors.append(exc)
    try:
        await app.plugins.call_lifecycle("hornbeam_shutdown", app)
    except Exception as exc:
        errors.append(exc)
    if errors:
        raise errors[0]


async def run(app: App, receive: Receive, send: Send) -> None:
    """Serve one lifespan scope."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    try:
        context = await startup(app)
    except Exception as exc:
        logger.error("start-up failed", exc_info=exc)
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await shutdown(app, context)
    except Exception as exc:
        logger.error("shutdown failed", exc_info=exc)
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
