"""The ASGI lifespan protocol: build the app, run start-up and shutdown code, report failures."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from .logs import configure_default_logging

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
    """Freeze the app, start its task queue, then run plugin hooks, the user's lifespan and handlers."""
    configure_default_logging()
    app.freeze()
    queue = app._tasks
    if queue is not None:
        if app.lifespans_served:
            queue = app._tasks = app._provide_task_queue()
        if queue is not None:
            await queue.start()
    app.lifespans_served += 1
    context = None
    try:
        await app.plugins.call_lifecycle("hornbeam_startup", app)
        if app.lifespan_context is not None:
            entering = app.lifespan_context(app)
            await entering.__aenter__()
            context = entering
        for handler in app.startup_handlers:
            await _call(handler)
    except BaseException as exc:
        # A half-started app must not leave its workers running or its lifespan open.
        if context is not None:
            await context.__aexit__(type(exc), exc, exc.__traceback__)
        if queue is not None:
            await queue.shutdown(0)
        raise
    return context


async def shutdown(app: App, context: AbstractAsyncContextManager[None] | None) -> None:
    """Drain the task queue first (tasks may need what the rest closes), then user code, then plugins.

    Every step runs even if an earlier one fails; the first error is raised at the end.
    """
    errors: list[BaseException] = []
    if app._tasks is not None:
        try:
            await app._tasks.shutdown(float(app.settings.get("tasks_shutdown_deadline", 10.0)))
        except Exception as exc:
            errors.append(exc)
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
