"""hornbeam-docket: ``app.tasks`` on Redis or Valkey through docket, found by its entry point.

Installed, it provides ``hornbeam_task_queue`` (not ``trylast``, so it wins over
the built-in ``tasks`` plugin without disabling it): the app's code does not
change. It reads its own ``docket_*`` settings (below) and the per-task
defaults the app already gives the built-in queue: ``tasks_max_attempts``,
``tasks_timeout``, ``tasks_backoff``, ``tasks_backoff_max``, ``tasks_threads``,
``tasks_keep_dead`` and ``tasks_shutdown_deadline`` (their built-in defaults
apply when the ``tasks`` plugin is disabled).
"""

from __future__ import annotations

from typing import Any

from hornbeam import App, Setting, hookimpl
from hornbeam.tasks import TaskObserver

from .queue import DocketOptions, DocketTaskQueue

__all__ = ["DocketTaskQueue", "DocketOptions", "SETTINGS", "hornbeam_settings", "hornbeam_task_queue"]

SETTINGS = (
    Setting("docket_url", str, "redis://localhost:6379/0",
            "Redis or Valkey URL: redis://, rediss:// (TLS), unix://; memory:// keeps tasks in this process (tests)."),
    Setting("docket_queue", str, "hornbeam", "Queue name, the prefix of its Redis keys: processes sharing it share tasks."),
    Setting("docket_worker", bool, True,
            "Run a worker in this process, in the app's lifespan (off: only enqueue; `hornbeam worker` runs one anyway)."),
    Setting("docket_concurrency", int, 10, "Tasks one worker process runs at once."),
    Setting("docket_poll_interval", float, 0.05,
            "Seconds an idle worker waits on Redis per read, and a busy one before it looks for free slots again."),
    Setting("docket_redelivery_timeout", float, 60.0,
            "Seconds without a lease renewal after which another worker runs a task again (its worker died)."),
    Setting("docket_result_ttl", float, 900.0,
            "Seconds a finished task's status, result and idempotency key stay in Redis."),
)  # fmt: skip

# The built-in tasks plugin's defaults, for when that plugin is disabled.
_TASK_DEFAULTS: dict[str, Any] = {
    "tasks_max_attempts": 3,
    "tasks_timeout": 30.0,
    "tasks_backoff": 0.5,
    "tasks_backoff_max": 30.0,
    "tasks_threads": 4,
    "tasks_keep_dead": 1000,
    "tasks_shutdown_deadline": 10.0,
}


@hookimpl
def hornbeam_settings() -> tuple[Setting, ...]:
    return SETTINGS


@hookimpl
def hornbeam_task_queue(app: App, events: TaskObserver) -> DocketTaskQueue:
    settings = app.settings

    def task_default(name: str) -> Any:
        return settings.get(name, _TASK_DEFAULTS[name])

    return DocketTaskQueue(
        url=settings["docket_url"],
        name=settings["docket_queue"],
        worker=settings["docket_worker"],
        concurrency=settings["docket_concurrency"],
        poll_interval=settings["docket_poll_interval"],
        redelivery_timeout=settings["docket_redelivery_timeout"],
        result_ttl=settings["docket_result_ttl"],
        max_attempts=task_default("tasks_max_attempts"),
        timeout=task_default("tasks_timeout"),
        backoff=task_default("tasks_backoff"),
        backoff_max=task_default("tasks_backoff_max"),
        threads=task_default("tasks_threads"),
        keep_dead=task_default("tasks_keep_dead"),
        shutdown_deadline=task_default("tasks_shutdown_deadline"),
        observer=events,
    )
