"""Contract tests for a ``hornbeam.TaskQueue``: subclass ``TaskQueueContract`` and build your queue.

```python
from hornbeam.testing.conformance.task_queue import QueueConfig, TaskQueueContract

class TestMyQueue(TaskQueueContract):
    def make_queue(self, config: QueueConfig) -> MyQueue:
        return MyQueue(concurrency=config.workers, ..., observer=config.observer)
```

The inherited tests check enqueue, statuses, results, retries with backoff, the
retry filter, timeouts, the exact concurrency limit, the bound (or, for a queue
without one, that it takes far more than its workers), idempotency keys,
cancellation, the shutdown deadline, counters and every event with its
``TaskInfo``. They run the queue's worker in the test's process and assert no
timings: order comes from events, and delays only as lower bounds between
timestamps the tasks took themselves. A test that hangs fails after
``test_timeout`` seconds instead.

Two class attributes describe what a queue does not do, and why:
``unbounded_reason`` (a queue with no local bound: the bounded test then checks
that nothing refuses a burst), and ``hands_back_at_shutdown`` (unfinished tasks
stay in the queue's store instead of being abandoned: the shutdown test then
checks that a second queue built by ``make_queue`` in the same test runs them).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from hornbeam.tasks import (
    TERMINAL_STATUSES,
    TaskCancelled,
    TaskFailed,
    TaskHandle,
    TaskInfo,
    TaskObserver,
    TaskQueue,
    TaskQueueClosed,
    TaskQueueFull,
    TaskStatus,
)

from ._task_journal import Journal, Recorder, add, flaky, hold, multiply

__all__ = ["QueueConfig", "TaskQueueContract"]

T = TypeVar("T")


@dataclass(frozen=True)
class QueueConfig:
    """The settings a test asks for; ``make_queue`` must honour each (``timeout`` None: no limit)."""

    workers: int = 2
    max_queued: int = 50
    max_attempts: int = 1
    backoff: float = 0.01
    backoff_max: float = 1.0
    timeout: float | None = 10.0
    shutdown_deadline: float = 5.0
    observer: TaskObserver | None = None


class TaskQueueContract:
    """The task-queue contract as pytest tests; subclass it (as ``Test...``) and implement ``make_queue``."""

    unbounded_reason: ClassVar[str | None] = None
    hands_back_at_shutdown: ClassVar[bool] = False
    test_timeout: ClassVar[float] = 60.0

    def make_queue(self, config: QueueConfig) -> TaskQueue:
        """A new, unstarted queue with these settings; a second call in one test shares the first one's store."""
        raise NotImplementedError

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        """Run ``main`` in a fresh event loop, failing it after ``test_timeout`` seconds."""

        async def guarded() -> T:
            async with asyncio.timeout(self.test_timeout):
                return await main()

        return asyncio.run(guarded())

    async def started(self, config: QueueConfig) -> TaskQueue:
        queue = self.make_queue(config)
        await queue.start()
        return queue

    # Enqueue, status, result.

    def test_enqueue_gives_the_result_and_a_snapshot(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig())
            try:
                handle = await queue.enqueue(add, journal.token, 2, b=3)
                product = await queue.enqueue(multiply, 6, 7)
                assert await handle == 5
                assert await product == 42
                info = await handle.info()
                assert (info.id, info.name, info.status) == (handle.id, "add", TaskStatus.SUCCEEDED)
                assert (info.attempts, info.max_attempts, info.result, info.last_error) == (1, 1, "5", None)
                assert info.started_at is not None and info.finished_at is not None
                assert info.created_at <= info.started_at <= info.finished_at
                assert await queue.get(handle.id) == info
                assert await queue.get("no-such-task") is None
            finally:
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_status_goes_from_queued_to_running_to_succeeded(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig(workers=1))
            try:
                running = await queue.enqueue(hold, journal.token)
                await journal.entered(1)
                waiting = await queue.enqueue(hold, journal.token)
                assert (await running.info()).status is TaskStatus.RUNNING
                assert (await running.info()).attempts == 1
                assert (await waiting.info()).status is TaskStatus.QUEUED
                assert (await waiting.info()).attempts == 0
                journal.gate.set()
                assert (await running, await waiting) == ("released", "released")
                assert (await waiting.info()).status is TaskStatus.SUCCEEDED
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()

        self.run(main)

    # Retries, backoff, timeouts.

    def test_retries_with_exponential_backoff(self) -> None:
        async def main() -> None:
            journal, recorder = Journal(), Recorder()
            config = QueueConfig(max_attempts=4, backoff=0.05, backoff_max=0.1, observer=recorder)
            queue = await self.started(config)
            try:
                handle = await queue.enqueue(flaky, journal.token, 3)
                assert await handle == "ok"
                info = await handle.info()
                assert (info.attempts, info.max_attempts, info.last_error) == (4, 4, "ValueError: attempt 3")
                nominal = [0.05, 0.1, 0.1]  # backoff * 2**(n-1), capped at backoff_max
                assert len(recorder.delays) == 3
                for delay, most in zip(recorder.delays, nominal):
                    assert most / 2 <= delay <= most + 1e-9, recorder.delays  # jitter may halve it
                gaps = [later - earlier for earlier, later in zip(journal.starts, journal.starts[1:])]
                for gap, delay in zip(gaps, recorder.delays):
                    assert gap >= delay - 0.005, (gaps, recorder.delays)  # never earlier than announced
            finally:
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_exhausted_attempts_fail_into_the_dead_letters(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig(max_attempts=2))
            try:
                handle = await queue.enqueue(flaky, journal.token, 5)
                try:
                    await handle
                except TaskFailed as failure:
                    assert isinstance(failure.__cause__, ValueError)
                    assert failure.info.status is TaskStatus.FAILED
                else:
                    raise AssertionError("awaiting a failed task must raise TaskFailed")
                info = await handle.info()
                assert (info.status, info.attempts, info.last_error) == (TaskStatus.FAILED, 2, "ValueError: attempt 2")
                assert [dead.id for dead in await queue.dead_letters()] == [handle.id]
                assert journal.calls == 2
            finally:
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_only_listed_exceptions_are_retried(self) -> None:
        async def main() -> None:
            journal, other = Journal(), Journal()
            queue = await self.started(QueueConfig())
            picky = queue.options(max_attempts=3, retry_on=(ConnectionError,))
            try:
                refused = await picky.enqueue(flaky, journal.token, 1, KeyError)
                retried = await picky.enqueue(flaky, other.token, 2, ConnectionError)
                assert await retried == "ok"
                await _settle(refused)
                assert (await refused.info()).status is TaskStatus.FAILED
                assert (journal.calls, other.calls) == (1, 3)
            finally:
                await queue.shutdown()
                journal.close()
                other.close()

        self.run(main)

    def test_a_timeout_fails_the_attempt_and_cancels_it(self) -> None:
        async def main() -> None:
            journal, patient = Journal(), Journal()
            queue = await self.started(QueueConfig(timeout=0.05))
            try:
                handle = await queue.enqueue(hold, journal.token)
                try:
                    await handle
                except TaskFailed as failure:
                    assert isinstance(failure.__cause__, TimeoutError)
                else:
                    raise AssertionError("an attempt past its timeout must fail")
                assert journal.cancelled == 1
                assert (await handle.info()).last_error is not None
                unlimited = await queue.options(timeout=math.inf).enqueue(hold, patient.token)
                await patient.entered(1)
                patient.gate.set()
                assert await unlimited == "released"
            finally:
                patient.gate.set()
                await queue.shutdown()
                journal.close()
                patient.close()

        self.run(main)

    # Limits.

    def test_the_concurrency_limit_is_exact(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig(workers=3))
            try:
                handles = [await queue.enqueue(hold, journal.token) for _ in range(7)]
                await journal.entered(3)
                statuses = [(await handle.info()).status for handle in handles]
                assert statuses.count(TaskStatus.RUNNING) == 3, statuses
                assert statuses.count(TaskStatus.QUEUED) == 4, statuses
                journal.gate.set()
                assert [await handle for handle in handles] == ["released"] * 7
                assert journal.peak == 3
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_the_queue_bound(self) -> None:
        async def main() -> None:
            journal = Journal()
            config = QueueConfig(workers=1, max_queued=2)
            queue = await self.started(config)
            try:
                burst = 3 * (config.workers + config.max_queued)
                handles: list[TaskHandle[str]] = []
                for _ in range(burst):
                    try:
                        handles.append(await queue.enqueue(hold, journal.token))
                    except TaskQueueFull:
                        assert self.unbounded_reason is None, "a queue without a bound refused a task"
                        break
                if self.unbounded_reason is None:
                    assert len(handles) == config.workers + config.max_queued
                else:
                    assert len(handles) == burst
                journal.gate.set()
                assert [await handle for handle in handles] == ["released"] * len(handles)
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()

        self.run(main)

    # Keys, cancellation, shutdown.

    def test_an_idempotency_key_runs_once(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig())
            try:
                key = f"order-{journal.token}"
                first = await queue.options(key=key).enqueue(add, journal.token, 1)
                second = await queue.options(key=key).enqueue(add, journal.token, 2)
                assert first.id == second.id == key
                assert (await first, await second) == (1, 1)
                third = await queue.options(key=key).enqueue(add, journal.token, 3)
                assert await third == 1
                assert journal.calls == 1
            finally:
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_cancel_a_running_a_queued_a_retrying_and_a_finished_task(self) -> None:
        async def main() -> None:
            journal, retrying_journal, recorder = Journal(), Journal(), Recorder()
            config = QueueConfig(workers=1, max_attempts=2, backoff=30.0, backoff_max=30.0, observer=recorder)
            queue = await self.started(config)
            try:
                running = await queue.enqueue(hold, journal.token)
                await journal.entered(1)
                queued = await queue.enqueue(hold, journal.token)
                assert await queued.cancel()
                assert await running.cancel()
                retrying = await queue.enqueue(flaky, retrying_journal.token, 1)
                await _until(retrying, TaskStatus.RETRYING)
                assert await retrying.cancel()
                for handle in (running, queued, retrying):
                    try:
                        await handle
                    except TaskCancelled as cancelled:
                        assert cancelled.info.status is TaskStatus.CANCELLED
                    else:
                        raise AssertionError("awaiting a cancelled task must raise TaskCancelled")
                assert journal.cancelled == 1 and journal.calls == 1 and retrying_journal.calls == 1
                done = await queue.enqueue(add, journal.token, 1)
                assert await done == 1
                assert not await done.cancel()
                assert (await done.info()).status is TaskStatus.SUCCEEDED
                cancelled_ids = [info.id for event, info in recorder.events if event == "cancelled"]
                assert sorted(cancelled_ids) == sorted([running.id, queued.id, retrying.id])
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()
                retrying_journal.close()

        self.run(main)

    def test_awaiting_is_not_owning(self) -> None:
        async def main() -> None:
            journal = Journal()
            queue = await self.started(QueueConfig())
            try:
                handle = await queue.enqueue(hold, journal.token)
                await journal.entered(1)
                waiter = asyncio.ensure_future(_settle(handle))
                await asyncio.sleep(0)
                waiter.cancel()
                await asyncio.wait([waiter])
                assert (await handle.info()).status is TaskStatus.RUNNING
                journal.gate.set()
                assert await handle == "released"
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()

        self.run(main)

    def test_shutdown_keeps_its_deadline(self) -> None:
        async def main() -> None:
            journal, recorder = Journal(), Recorder()
            config = QueueConfig(workers=2, shutdown_deadline=0.2, observer=recorder)
            queue = await self.started(config)
            successor: TaskQueue | None = None
            try:
                quick = await queue.enqueue(add, journal.token, 1)
                stuck = await queue.enqueue(hold, journal.token)
                await journal.entered(2)
                assert await quick == 1
                report = await queue.shutdown()  # the gate never opens: only the deadline ends this
                try:
                    await queue.enqueue(add, journal.token, 2)
                except TaskQueueClosed:
                    pass
                else:
                    raise AssertionError("a shut-down queue must refuse tasks")
                assert journal.cancelled == 1
                if not self.hands_back_at_shutdown:
                    assert [info.id for info in report.abandoned] == [stuck.id]
                    assert [info.id for event, info in recorder.events if event == "abandoned"] == [stuck.id]
                    assert report.abandoned[0].status is TaskStatus.CANCELLED
                    return
                assert [info.id for info in report.handed_back] == [stuck.id]
                assert report.abandoned == () and "abandoned" not in [event for event, _ in recorder.events]
                journal.gate.set()
                successor = await self.started(config)
                await journal.entered(3)  # the successor runs the task the first queue handed back
                info = await _until_done(successor, stuck.id)
                assert info.status is TaskStatus.SUCCEEDED
                assert info.attempts == 2  # the interrupted attempt counts
            finally:
                journal.gate.set()
                if successor is not None:
                    await successor.shutdown()
                journal.close()

        self.run(main)

    # Observation.

    def test_events_carry_the_right_info(self) -> None:
        async def main() -> None:
            journal, doomed_journal, recorder = Journal(), Journal(), Recorder()
            queue = await self.started(QueueConfig(max_attempts=2, observer=recorder))
            try:
                handle = await queue.enqueue(flaky, journal.token, 1)
                assert await handle == "ok"
                doomed = await queue.enqueue(flaky, doomed_journal.token, 5)
                await _settle(doomed)
            finally:
                await queue.shutdown()
                journal.close()
                doomed_journal.close()
            seen = [(event, info.status, info.attempts) for event, info in recorder.of(handle.id)]
            assert seen == [
                ("started", TaskStatus.RUNNING, 1),
                ("retried", TaskStatus.RETRYING, 1),
                ("started", TaskStatus.RUNNING, 2),
                ("succeeded", TaskStatus.SUCCEEDED, 2),
            ]
            retried = recorder.of(handle.id)[1][1]
            assert retried.last_error == "ValueError: attempt 1"
            succeeded = recorder.of(handle.id)[3][1]
            assert succeeded.result == "'ok'" and succeeded.finished_at is not None
            final = recorder.of(doomed.id)[-1]
            assert (final[0], final[1].status, final[1].attempts) == ("failed", TaskStatus.FAILED, 2)
            assert final[1].last_error == "ValueError: attempt 2"
            assert all(info.name == "flaky" for _, info in recorder.events)

        self.run(main)

    def test_counters_count_outcomes(self) -> None:
        async def main() -> None:
            journal, flaky_journal, doomed_journal = Journal(), Journal(), Journal()
            queue = await self.started(QueueConfig(max_attempts=2))
            try:
                await (await queue.enqueue(add, journal.token, 1))
                await (await queue.enqueue(flaky, flaky_journal.token, 1))
                await _settle(await queue.enqueue(flaky, doomed_journal.token, 9))
                waiting = await queue.enqueue(hold, journal.token)
                await journal.entered(2)
                assert await waiting.cancel()
                await _settle(waiting)
                counters = await queue.counters()
            finally:
                journal.gate.set()
                await queue.shutdown()
                journal.close()
                flaky_journal.close()
                doomed_journal.close()
            wanted = {"enqueued": 4, "succeeded": 2, "failed": 1, "retried": 2, "cancelled": 1, "abandoned": 0}
            assert {name: counters[name] for name in wanted} == wanted

        self.run(main)


async def _settle(handle: Awaitable[Any]) -> None:
    try:
        await handle
    except (TaskFailed, TaskCancelled):
        pass


async def _until(handle: TaskHandle[Any], status: TaskStatus) -> None:
    """Poll the handle until it reaches ``status``; failing if it ends in another."""
    while (current := (await handle.info()).status) is not status:
        assert current not in TERMINAL_STATUSES, f"task {handle.id} ended {current}, expected {status}"
        await asyncio.sleep(0.01)


async def _until_done(queue: TaskQueue, task_id: str) -> TaskInfo:
    """Poll ``queue`` until the task ends; its last snapshot."""
    while (info := await queue.get(task_id)) is None or info.status not in TERMINAL_STATUSES:
        await asyncio.sleep(0.01)
    return info
