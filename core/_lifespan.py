"""The ASGI lifespan protocol: start the task queue, run start-up and shutdown code, report failures."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from ._contracts import check_task_queue
from ._task_events import task_events

if TYPE_CHECKING:
    from ._runtime import Runtime
    from .requests import Receive
    from .responses import Send
    from .tasks import TaskQueue

logger = logging.getLogger("hornbeam")


async def _call(func: Callable[[], Any]) -> None:
    result = func()
    if inspect.isawaitable(result):
        await result


def _provide_queue(runtime: Runtime) -> TaskQueue | None:
    # A queue lives as long as one lifespan: one that was shut down cannot restart.
    app = runtime.app
    queue: TaskQueue | None = app.plugins.provide(
        "hornbeam_task_queue", check_task_queue, app=app, events=task_events(app)
    )
    return queue


async def startup(runtime: Runtime) -> AbstractAsyncContextManager[None] | None:
    """Start the task queue, then run plugin hooks, the user's lifespan and start-up handlers."""
    app = runtime.app
    queue = _provide_queue(runtime)
    if queue is not None:
        await queue.start()
    runtime.tasks = queue
    runtime.lifespans += 1
    context = None
    try:
        await app.plugins.call_async("hornbeam_startup", app=app)
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
        runtime.tasks = None
        raise
    return context


async def shutdown(runtime: Runtime, context: AbstractAsyncContextManager[None] | None) -> None:
    """Drain the task queue first (tasks may need what the rest closes), then user code, then plugins.

    Every step runs even if an earlier one fails; the first error is raised at the end.
    """
    app = runtime.app
    errors: list[BaseException] = []
    queue = runtime.tasks
    if queue is not None:
        try:
            await queue.shutdown()
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
        await app.plugins.call_async("hornbeam_shutdown", app=app)
    except Exception as exc:
        errors.append(exc)
    if errors:
        raise errors[0]


async def refuse(exc: Exception, receive: Receive, send: Send) -> None:
    """Answer a lifespan scope when the app could not even be built: start-up failed, saying why."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    logger.error("start-up failed", exc_info=exc)
    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})


async def run(runtime: Runtime, receive: Receive, send: Send) -> None:
    """Serve one lifespan scope."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    try:
        context = await startup(runtime)
    except Exception as exc:
        logger.error("start-up failed", exc_info=exc)
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await shutdown(runtime, context)
    except Exception as exc:
        logger.error("shutdown failed", exc_info=exc)
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
