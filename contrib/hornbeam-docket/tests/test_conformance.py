"""hornbeam's task-queue conformance kit against DocketTaskQueue on a real redis-server."""

from __future__ import annotations

import pytest

from hornbeam.testing.conformance.task_queue import QueueConfig, TaskQueueContract
from hornbeam_docket import DocketTaskQueue


class TestDocketQueue(TaskQueueContract):
    unbounded_reason = "Redis holds the tasks: no local bound, memory is Redis's (maxmemory) to limit"
    hands_back_at_shutdown = True

    @pytest.fixture(autouse=True)
    def _store(self, redis_url: str, queue_name: str) -> None:
        self.url, self.name = redis_url, queue_name

    def make_queue(self, config: QueueConfig) -> DocketTaskQueue:
        return DocketTaskQueue(
            url=self.url,
            name=self.name,
            concurrency=config.workers,
            max_attempts=config.max_attempts,
            backoff=config.backoff,
            backoff_max=config.backoff_max,
            timeout=config.timeout,
            shutdown_deadline=config.shutdown_deadline,
            redelivery_timeout=1.0,  # the handed-back task of the shutdown test runs again after it
            observer=config.observer,
        )
