"""The host's task-event interface: a ``TaskObserver`` that fires the ``hornbeam_task_*`` hooks.

Whatever queue a plugin provides gets one from ``hornbeam_task_queue(app, events)``
and calls its methods; it never touches pluggy itself. Only the events some plugin
implements are overridden, so a queue that skips the others (as the built-in one
does) pays nothing for them; a hook that fails is logged naming the plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .tasks import TaskObserver

if TYPE_CHECKING:
    from .app import App

__all__ = ["task_events"]

logger = logging.getLogger("hornbeam.tasks")

# TaskObserver method -> (hook, names of the method's arguments after ``info``)
_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "started": ("hornbeam_task_started", ()),
    "succeeded": ("hornbeam_task_succeeded", ()),
    "retried": ("hornbeam_task_retried", ("error", "delay")),
    "failed": ("hornbeam_task_failed", ("error",)),
    "cancelled": ("hornbeam_task_cancelled", ()),
    "abandoned": ("hornbeam_task_abandoned", ()),
}


def task_events(app: App) -> TaskObserver:
    """A ``TaskObserver`` whose methods call the implemented ``hornbeam_task_*`` hooks through pluggy."""
    host = app.plugins
    methods: dict[str, Callable[..., None]] = {}
    for method, (hook, extra) in _EVENTS.items():
        if host.implemented(hook):
            methods[method] = _firing(app, hook, extra)
    events: TaskObserver = type("TaskEvents", (TaskObserver,), methods)()
    return events


def _firing(app: App, hook: str, extra: tuple[str, ...]) -> Callable[..., None]:
    def fire(self: TaskObserver, info: Any, *args: Any) -> None:
        try:
            app.plugins.call(hook, app=app, info=info, **dict(zip(extra, args)))
        except Exception:
            logger.exception("task event %s for task %s failed", hook, getattr(info, "id", "?"))

    fire.__name__ = hook
    return fire
