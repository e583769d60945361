"""The ``tasks`` plugin: the in-memory background task queue behind ``app.tasks``.

The queue is built at each lifespan start-up from this plugin's declared
settings (see ``SETTINGS``); task events go to the host's ``events`` interface,
which fires the ``hornbeam_task_*`` hooks that some plugin implements.
"""

from __future__ import annotations

from hornbeam import App, Setting, hookimpl
from hornbeam.tasks import TaskObserver

from hornbeam.plugins.tasks.queue import InMemoryTaskQueue, TaskOptions

__all__ = ["InMemoryTaskQueue", "TaskOptions", "SETTINGS", "hornbeam_settings", "hornbeam_task_queue"]

SETTINGS = (
    Setting("tasks_workers", int, 4, "Attempts that run at once, retries included: the exact concurrency limit."),
    Setting("tasks_max_queued", int, 1000, "Unfinished tasks beyond the running ones before enqueue waits."),
    Setting("tasks_enqueue_timeout", float, 1.0, "Seconds enqueue waits for room before raising TaskQueueFull."),
    Setting("tasks_max_attempts", int, 3, "Attempts per task (1 means no retry)."),
    Setting("tasks_timeout", float, 30.0, "Seconds per attempt; a timed-out attempt counts as a failure."),
    Setting("tasks_backoff", float, 0.5, "Seconds before the first retry; doubled for each further one."),
    Setting("tasks_backoff_max", float, 30.0, "The longest delay between two attempts, in seconds."),
    Setting("tasks_threads", int, 4, "Threads of the queue's own pool, for sync task functions."),
    Setting("tasks_keep_finished", int, 1000, "Finished tasks kept for lookups by id and repeated idempotency keys."),
    Setting("tasks_keep_dead", int, 1000, "Failed tasks kept in the dead letters."),
    Setting("tasks_shutdown_deadline", float, 10.0, "Seconds shutdown lets queued and running tasks finish."),
)


@hookimpl
def hornbeam_settings() -> tuple[Setting, ...]:
    return SETTINGS


@hookimpl(trylast=True)
def hornbeam_task_queue(app: App, events: TaskObserver) -> InMemoryTaskQueue:
    settings = app.settings
    return InMemoryTaskQueue(
        workers=settings["tasks_workers"],
        max_queued=settings["tasks_max_queued"],
        enqueue_timeout=settings["tasks_enqueue_timeout"],
        max_attempts=settings["tasks_max_attempts"],
        timeout=settings["tasks_timeout"],
        backoff=settings["tasks_backoff"],
        backoff_max=settings["tasks_backoff_max"],
        threads=settings["tasks_threads"],
        keep_finished=settings["tasks_keep_finished"],
        keep_dead=settings["tasks_keep_dead"],
        shutdown_deadline=settings["tasks_shutdown_deadline"],
        observer=events,
    )
