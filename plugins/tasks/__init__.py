"""The ``tasks`` plugin: the in-memory background task queue behind ``app.tasks``.

The queue is configured from ``app.settings``: ``tasks_workers`` (4),
``tasks_max_queued`` (1000), ``tasks_max_attempts`` (3), ``tasks_timeout``
(30 s per attempt), ``tasks_backoff`` (0.5 s), ``tasks_backoff_max`` (30 s),
``tasks_threads`` (4, for sync functions), ``tasks_enqueue_timeout`` (1 s),
``tasks_keep_finished`` (1000) and ``tasks_keep_dead`` (1000). Task events reach
the ``hornbeam_task_*`` hooks, and only those some plugin implements.
"""

from __future__ import annotations

from typing import Any

from hornbeam import App, hookimpl
from hornbeam.tasks import TaskObserver

from hornbeam.plugins.tasks.queue import InMemoryTaskQueue, TaskOptions

__all__ = ["InMemoryTaskQueue", "TaskOptions", "hornbeam_task_queue"]

_SETTINGS = {
    "workers": "tasks_workers",
    "max_queued": "tasks_max_queued",
    "max_attempts": "tasks_max_attempts",
    "timeout": "tasks_timeout",
    "backoff": "tasks_backoff",
    "backoff_max": "tasks_backoff_max",
    "threads": "tasks_threads",
    "enqueue_timeout": "tasks_enqueue_timeout",
    "keep_finished": "tasks_keep_finished",
    "keep_dead": "tasks_keep_dead",
}


def hook_observer(app: App) -> TaskObserver | None:
    """An observer forwarding task events to the implemented ``hornbeam_task_*`` hooks; None if none is."""
    hooks = app.plugins.manager.hook
    methods: dict[str, Any] = {}
    if app.plugins.implemented("hornbeam_task_started"):
        methods["started"] = lambda self, info: hooks.hornbeam_task_started(app=app, info=info)
    if app.plugins.implemented("hornbeam_task_succeeded"):
        methods["succeeded"] = lambda self, info: hooks.hornbeam_task_succeeded(app=app, info=info)
    if app.plugins.implemented("hornbeam_task_retried"):
        methods["retried"] = lambda self, info, error, delay: hooks.hornbeam_task_retried(
            app=app, info=info, error=error, delay=delay
        )
    if app.plugins.implemented("hornbeam_task_failed"):
        methods["failed"] = lambda self, info, error: hooks.hornbeam_task_failed(app=app, info=info, error=error)
    if app.plugins.implemented("hornbeam_task_abandoned"):
        methods["abandoned"] = lambda self, info: hooks.hornbeam_task_abandoned(app=app, info=info)
    if not methods:
        return None
    # The queue calls only the methods a subclass overrides, so absent hooks cost nothing.
    observer: TaskObserver = type("HookObserver", (TaskObserver,), methods)()
    return observer


@hookimpl(trylast=True)
def hornbeam_task_queue(app: App) -> InMemoryTaskQueue:
    options = {name: app.settings[key] for name, key in _SETTINGS.items() if key in app.settings}
    return InMemoryTaskQueue(observer=hook_observer(app), **options)
