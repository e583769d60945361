"""The task-queue conformance kit against the built-in in-memory queue."""

from __future__ import annotations

from hornbeam.plugins.tasks import InMemoryTaskQueue
from hornbeam.testing.conformance.task_queue import QueueConfig, TaskQueueContract


class TestInMemoryQueue(TaskQueueContract):
    def make_queue(self, config: QueueConfig) -> InMemoryTaskQueue:
        return InMemoryTaskQueue(
            workers=config.workers,
            max_queued=config.max_queued,
            max_attempts=config.max_attempts,
            backoff=config.backoff,
            backoff_max=config.backoff_max,
            timeout=config.timeout,
            shutdown_deadline=config.shutdown_deadline,
            enqueue_timeout=0.05,
            observer=config.observer,
        )
