from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import hornbeam.plugins.tasks.queue as queue_module
import hornbeam.tasks as tasks_contract
from hornbeam.plugins.tasks import InMemoryTaskQueue
from hornbeam.tasks import (
    TERMINAL_STATUSES,
    TaskCancelled,
    TaskFailed,
    TaskInfo,
    TaskObserver,
    TaskQueue,
    TaskQueueClosed,
    TaskQueueFull,
    TaskStatus,
)

T = TypeVar("T")
Factory = Callable[..., InMemoryTaskQueue]


async def wait_until(condition: Callable[[], bool], limit: float = 30.0) -> None:
    # A hang guard, not a speed check: generous, so that a busy machine never trips it.
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached after {limit} s")
        await asyncio.sleep(0.002)


def run(main: Callable[[], Awaitable[T]]) -> T:
    async def wrapper() -> T:
        return await main()

    return asyncio.run(wrapper())


class Recorder(TaskObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.delays: list[float] = []
        self.infos: dict[str, list[TaskInfo]] = {}

    def _add(self, event: str, info: TaskInfo) -> None:
        self.events.append((event, info.id))
        self.infos.setdefault(event, []).append(info)

    def started(self, info: TaskInfo) -> None:
        self._add("started", info)

    def succeeded(self, info: TaskInfo) -> None:
        self._add("succeeded", info)

    def retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        self._add("retried", info)
        self.delays.append(delay)

    def failed(self, info: TaskInfo, error: BaseException) -> None:
        self._add("failed", info)

    def cancelled(self, info: TaskInfo) -> None:
        self._add("cancelled", info)

    def abandoned(self, info: TaskInfo) -> None:
        self._add("abandoned", info)

    def of(self, task_id: str) -> list[str]:
        return [event for event, tid in self.events if tid == task_id]


class Flaky:
    """Fails ``failures`` times with ``error``, then returns ``value``."""

    def __init__(
        self, failures: int, error: type[Exception] = ValueError, value: str = "ok"
    ) -> None:
        self.failures = failures
        self.error = error
        self.value = value
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"attempt {self.calls}")
        return self.value


async def add(a: int, b: int = 0) -> int:
    await asyncio.sleep(0)
    return a + b


def multiply(a: int, b: int) -> tuple[int, str]:
    return a * b, threading.current_thread().name


@pytest.fixture
def queue_factory() -> Iterator[Factory]:
    def make(**kwargs: Any) -> InMemoryTaskQueue:
        kwargs.setdefault("backoff", 0.001)
        kwargs.setdefault("timeout", 2.0)
        return InMemoryTaskQueue(**kwargs)

    yield make


# Basics


def test_async_and_sync_functions_give_results() -> None:
    async def main() -> None:
        queue = InMemoryTaskQueue()
        await queue.start()
        h1 = await queue.enqueue(add, 2, b=3)
        h2 = queue.enqueue_nowait(multiply, 6, 7)
        assert await h1 == 5
        product, thread = await h2
        assert product == 42
        assert thread.startswith("hornbeam-task")  # the queue's own pool, not the loop's
        info = h1.snapshot()
        assert info.status is TaskStatus.SUCCEEDED and h1.status is TaskStatus.SUCCEEDED
        assert h1.done() and info.attempts == 1 and info.result == "5"
        assert info.name == "add" and len(h1.id) == 32
        assert info.created_at <= (info.started_at or 0) <= (info.finished_at or 0)
        assert await queue.get(h1.id) == info
        assert await queue.get("nope") is None
        report = await queue.shutdown(1)
        assert report.abandoned == ()
        counters = (await queue.counters())
        assert counters["enqueued"] == 2 and counters["succeeded"] == 2
        assert counters["failed"] == counters["retried"] == counters["abandoned"] == 0

    run(main)


def test_contract_is_satisfied_and_has_no_hornbeam_imports() -> None:
    queue: TaskQueue = InMemoryTaskQueue()
    assert asyncio.run(queue.counters())["enqueued"] == 0
    source = Path(tasks_contract.__file__).read_text()
    assert "import hornbeam" not in source and "from hornbeam" not in source
    assert set(TERMINAL_STATUSES) == {"succeeded", "failed", "cancelled"}


def test_get_while_queued_and_lambda_wrapping_a_coroutine() -> None:
    async def main() -> None:
        queue = InMemoryTaskQueue()
        handle = await queue.enqueue(lambda: add(1, 1))
        assert handle.status is TaskStatus.QUEUED
        assert await queue.get(handle.id) == handle.snapshot()
        await queue.start()
        assert await handle == 2
        await queue.shutdown(1)

    run(main)


def test_an_idempotency_key_runs_its_task_once(queue_factory: Factory) -> None:
    calls: list[int] = []

    async def charge(n: int) -> int:
        calls.append(n)
        return n

    async def main() -> None:
        queue = queue_factory(workers=1, max_queued=1, enqueue_timeout=0, keep_finished=2)
        first = await queue.options(key="order-7").enqueue(charge, 1)
        assert first.id == "order-7"
        filler = queue.enqueue_nowait(charge, 0)
        # The queue is full now, yet the same key is answered at once: nothing new is queued.
        assert queue.options(key="order-7").enqueue_nowait(charge, 2) is first
        assert await queue.options(key="order-7").enqueue(charge, 3) is first
        await queue.start()
        assert (await first, await filler) == (1, 0)
        assert await (await queue.options(key="order-7").enqueue(charge, 4)) == 1
        other = await queue.enqueue(charge, 5)  # pushes order-7 out of a two-task history
        await other
        assert await queue.get("order-7") is None
        assert await (await queue.options(key="order-7").enqueue(charge, 6)) == 6
        assert calls == [1, 0, 5, 6]
        assert (await queue.counters())["enqueued"] == 4
        await queue.shutdown(1)

    run(main)


def test_async_callable_object_runs_on_the_loop() -> None:
    async def main() -> None:
        queue = InMemoryTaskQueue()
        await queue.start()
        flaky = Flaky(0)
        assert await (await queue.enqueue(flaky)) == "ok"
        await queue.shutdown(1)

    run(main)


def test_context_variables_follow_the_task() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")

    def read_sync() -> str:
        return request_id.get()

    async def read_async() -> str:
        return request_id.get()

    async def main() -> None:
        queue = InMemoryTaskQueue()
        await queue.start()
        request_id.set("r-1")
        h1 = await queue.enqueue(read_sync)
        h2 = await queue.enqueue(read_async)
        assert (await h1, await h2) == ("r-1", "r-1")
        await queue.shutdown(1)

    run(main)


def test_result_repr_is_short_and_never_raises() -> None:
    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    async def unprintable() -> Unprintable:
        return Unprintable()

    async def long_text() -> str:
        return "x" * 10_000

    async def main() -> None:
        queue = InMemoryTaskQueue()
        await queue.start()
        h1 = await queue.enqueue(unprintable)
        h2 = await queue.enqueue(long_text)
        await h1
        await h2
        assert (h1.snapshot().result or "").startswith("<Unprintable instance")
        assert len(h2.snapshot().result or "") < 100
        assert h1.id in repr(h1) and "succeeded" in repr(h1)
        await queue.shutdown(1)

    run(main)


# Retries, timeouts, failures


def test_retries_with_exponential_backoff(queue_factory: Factory) -> None:
    recorder = Recorder()

    async def main() -> None:
        # The loop is asked to wait out each delay: a clock-free check that the delays are kept.
        loop = asyncio.get_running_loop()
        waits: list[float] = []
        call_later = loop.call_later

        def recording(delay: float, callback: Any, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
            waits.append(delay)
            return call_later(delay, callback, *args, **kwargs)

        loop.call_later = recording  # type: ignore[method-assign]
        queue = queue_factory(
            max_attempts=4, backoff=0.01, backoff_max=0.03, jitter=False, observer=recorder
        )
        await queue.start()
        flaky = Flaky(3)
        handle = await queue.enqueue(flaky)
        assert await handle == "ok"
        assert handle.snapshot().attempts == 4
        assert handle.snapshot().last_error == "ValueError: attempt 3"
        assert recorder.delays == [0.01, 0.02, 0.03]
        assert [w for w in waits if w in (0.01, 0.02, 0.03)] == [0.01, 0.02, 0.03]
        assert (await queue.counters())["retried"] == 3
        assert recorder.of(handle.id) == ["started", "retried"] * 3 + ["started", "succeeded"]
        await queue.shutdown(1)

    run(main)


def test_jitter_keeps_delay_between_half_and_full() -> None:
    queue = InMemoryTaskQueue(backoff=1.0, backoff_max=4.0)
    delays = [queue._delay(n) for n in (1, 2, 3, 4, 5) for _ in range(20)]
    assert all(0.5 <= d <= 4.0 for d in delays)
    assert max(queue._delay(10) for _ in range(20)) <= 4.0


def test_exhausted_retries_fail_and_go_to_dead_letters(
    queue_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()

    async def main() -> str:
        queue = queue_factory(max_attempts=2, observer=recorder)
        await queue.start()
        handle = await queue.enqueue(Flaky(5))
        with pytest.raises(TaskFailed) as caught:
            await handle
        assert isinstance(caught.value.__cause__, ValueError)
        assert caught.value.info.status is TaskStatus.FAILED
        assert caught.value.info.attempts == 2
        assert [d.id for d in (await queue.dead_letters())] == [handle.id]
        assert (await queue.dead_letters())[0].last_error == "ValueError: attempt 2"
        assert recorder.of(handle.id)[-1] == "failed"
        await queue.shutdown(1)
        return handle.id

    with caplog.at_level(logging.ERROR, logger="hornbeam.tasks"):
        task_id = run(main)
    assert any(task_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_only_listed_exceptions_are_retried(queue_factory: Factory) -> None:
    async def main() -> None:
        queue = queue_factory(max_attempts=5, retry_on=(ConnectionError,))
        await queue.start()
        not_retried = Flaky(1, KeyError)
        retried = Flaky(2, ConnectionError)
        h1 = await queue.enqueue(not_retried)
        h2 = await queue.enqueue(retried)
        with pytest.raises(TaskFailed):
            await h1
        assert await h2 == "ok"
        assert (not_retried.calls, retried.calls) == (1, 3)
        await queue.shutdown(1)

    run(main)


def test_per_task_options_override_defaults(queue_factory: Factory) -> None:
    async def slow() -> None:
        await asyncio.sleep(1)

    async def main() -> None:
        queue = queue_factory(max_attempts=1)
        await queue.start()
        patient = queue.options(max_attempts=3, name="patient")
        handle = await patient.enqueue(Flaky(2))
        assert await handle == "ok"
        assert handle.snapshot().name == "patient" and handle.snapshot().max_attempts == 3
        picky = queue.options(retry_on=(KeyError,), max_attempts=3)
        picky_task = Flaky(1, ValueError)
        with pytest.raises(TaskFailed):
            await picky.enqueue_nowait(picky_task)
        assert picky_task.calls == 1
        hurried = await queue.options(timeout=0.02).enqueue(slow)
        with pytest.raises(TaskFailed) as caught:
            await hurried
        assert isinstance(caught.value.__cause__, TimeoutError)
        unlimited = queue.options(timeout=math.inf)
        assert unlimited._settings.timeout is None
        await queue.shutdown(1)

    run(main)


def test_options_reject_bad_values() -> None:
    queue = InMemoryTaskQueue()
    with pytest.raises(ValueError):
        queue.options(max_attempts=0)
    with pytest.raises(ValueError):
        queue.options(timeout=0)
    with pytest.raises(TypeError):
        queue.options(retry_on=(int,))  # type: ignore[arg-type]
    for bad in ({"workers": 0}, {"max_queued": -1}, {"backoff": -1.0}, {"threads": 0}):
        with pytest.raises(ValueError):
            InMemoryTaskQueue(**bad)


def test_timed_out_attempt_is_cancelled_and_retried(
    queue_factory: Factory,
) -> None:
    cleaned = []
    calls = []

    async def hang_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            try:
                await asyncio.sleep(10)
            finally:
                cleaned.append(True)
        return "second"

    async def main() -> None:
        queue = queue_factory(timeout=0.02, max_attempts=2)
        await queue.start()
        handle = await queue.enqueue(hang_once)
        assert await handle == "second"
        assert cleaned == [True]
        assert handle.snapshot().last_error == "TimeoutError"
        await queue.shutdown(1)

    run(main)


def test_sync_timeout_keeps_the_worker_until_the_thread_returns(
    queue_factory: Factory,
) -> None:
    log: list[str] = []

    def stuck() -> None:
        log.append("stuck start")
        time.sleep(0.15)
        log.append("stuck end")

    async def after() -> None:
        log.append("after")

    async def main() -> None:
        queue = queue_factory(workers=1, timeout=0.03, max_attempts=1)
        await queue.start()
        h1 = await queue.enqueue(stuck)
        h2 = await queue.enqueue(after)
        with pytest.raises(TaskFailed) as caught:
            await h1
        assert isinstance(caught.value.__cause__, TimeoutError)
        await h2
        assert log == ["stuck start", "stuck end", "after"]
        await queue.shutdown(1)

    run(main)


def test_a_second_cancellation_does_not_free_a_worker_held_by_a_thread(
    queue_factory: Factory,
) -> None:
    log: list[str] = []
    started = threading.Event()

    def stuck() -> None:
        started.set()
        log.append("stuck start")
        time.sleep(0.15)
        log.append("stuck end")

    async def after() -> None:
        log.append("after")

    async def main() -> None:
        queue = queue_factory(workers=1, timeout=0.03)
        await queue.start()
        h1 = await queue.enqueue(stuck)
        h2 = await queue.enqueue(after)
        await asyncio.to_thread(started.wait, 1)
        await asyncio.sleep(0.05)  # the timeout has cancelled the attempt once
        assert h1.cancel_nowait()
        with pytest.raises(TaskCancelled):
            await h1
        await h2
        assert log == ["stuck start", "stuck end", "after"]
        await queue.shutdown(1)

    run(main)


# Concurrency


def test_running_never_exceeds_workers_even_with_retries(
    queue_factory: Factory,
) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def enter() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)

    def leave() -> None:
        nonlocal running
        with lock:
            running -= 1

    async def job(n: int) -> int:
        enter()
        try:
            await asyncio.sleep(0.002)
            if n % 3 == 0 and n not in seen:
                seen.add(n)
                raise ValueError(n)
            return n
        finally:
            leave()

    def sync_job(n: int) -> int:
        enter()
        try:
            time.sleep(0.002)
            return n
        finally:
            leave()

    seen: set[int] = set()

    async def main() -> None:
        queue = queue_factory(workers=3, threads=8, backoff=0.0)
        await queue.start()
        handles = [await queue.enqueue(job, n) for n in range(30)]
        handles += [await queue.enqueue(sync_job, n) for n in range(15)]
        results = [await h for h in handles]
        assert results == [*range(30), *range(15)]
        await queue.shutdown(1)

    run(main)
    assert peak == 3


def test_task_waiting_for_backoff_frees_its_worker(
    queue_factory: Factory,
) -> None:
    order: list[str] = []

    async def first() -> None:
        order.append("first")
        if order.count("first") == 1:
            raise ValueError

    async def second() -> None:
        order.append("second")

    async def main() -> None:
        queue = queue_factory(workers=1, backoff=0.2, jitter=False)
        await queue.start()
        h1 = await queue.enqueue(first)
        await wait_until(lambda: h1.status is TaskStatus.RETRYING)
        h2 = await queue.enqueue(second)
        await h2
        await h1
        assert order == ["first", "second", "first"]
        await queue.shutdown(1)

    run(main)


# Bounded queue


def test_full_queue_rejects_nowait_and_times_out_enqueue(
    queue_factory: Factory,
) -> None:
    async def main() -> None:
        queue = queue_factory(workers=1, max_queued=1, enqueue_timeout=0.03)
        await queue.enqueue(add, 1)
        queue.enqueue_nowait(add, 2)
        with pytest.raises(TaskQueueFull):
            queue.enqueue_nowait(add, 3)
        waiting = asyncio.ensure_future(queue.enqueue(add, 3))
        await asyncio.sleep(0)
        assert not waiting.done()  # it waits for room before giving up
        with pytest.raises(TaskQueueFull):
            await waiting
        assert (await queue.counters())["enqueued"] == 2
        await queue.shutdown(0)

    run(main)


def test_enqueue_waits_for_room_then_gets_in(queue_factory: Factory) -> None:
    async def main() -> None:
        release = asyncio.Event()

        async def blocker() -> None:
            await release.wait()

        queue = queue_factory(workers=1, max_queued=0, enqueue_timeout=1.0)
        await queue.start()
        h1 = await queue.enqueue(blocker)
        waiting = asyncio.ensure_future(queue.enqueue(add, 1))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        with pytest.raises(TaskQueueFull):
            queue.enqueue_nowait(add, 2)  # no jumping ahead of a waiting enqueue
        release.set()
        await h1
        assert await (await waiting) == 1
        await queue.shutdown(1)

    run(main)


def test_zero_enqueue_timeout_fails_at_once_and_cancelled_waiter_frees_nothing(
    queue_factory: Factory,
) -> None:
    async def main() -> None:
        queue = queue_factory(workers=1, max_queued=0, enqueue_timeout=0)
        await queue.enqueue(add, 1)
        with pytest.raises(TaskQueueFull):
            await queue.enqueue(add, 2)
        patient = queue_factory(workers=1, max_queued=0, enqueue_timeout=5)
        await patient.enqueue(add, 1)
        waiter = asyncio.ensure_future(patient.enqueue(add, 2))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert patient._slots.used == 1 and not patient._slots._waiters
        await queue.shutdown(0)
        await patient.shutdown(0)

    run(main)


# Independence and cancellation


def test_cancelling_the_enqueuing_coroutine_never_cancels_the_task(
    queue_factory: Factory,
) -> None:
    finished: list[str] = []

    async def job(name: str) -> str:
        await asyncio.sleep(0.03)
        finished.append(name)
        return name

    async def main() -> None:
        queue = queue_factory(workers=2)
        await queue.start()
        handles: list[Any] = []

        async def request(name: str) -> None:
            handle = await queue.enqueue(job, name)
            handles.append(handle)
            await handle  # the request waits for its task, then is cancelled

        requests = [asyncio.ensure_future(request(n)) for n in ("a", "b")]
        await wait_until(lambda: len(handles) == 2)
        for r in requests:
            r.cancel()
        await asyncio.gather(*requests, return_exceptions=True)
        assert all(r.cancelled() for r in requests)
        assert [await h for h in handles] == ["a", "b"]
        assert sorted(finished) == ["a", "b"]
        assert (await queue.counters())["cancelled"] == 0
        await queue.shutdown(1)

    run(main)


def test_handle_cancel_in_each_state(queue_factory: Factory) -> None:
    recorder = Recorder()

    async def forever() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        queue = queue_factory(workers=1, backoff=10.0, jitter=False, observer=recorder)
        await queue.start()
        running = await queue.enqueue(forever)
        queued = await queue.enqueue(add, 1)
        await wait_until(lambda: running.status is TaskStatus.RUNNING)
        assert queued.status is TaskStatus.QUEUED
        assert queued.cancel_nowait()
        assert queued.snapshot().status is TaskStatus.CANCELLED
        assert running.cancel_nowait()
        with pytest.raises(TaskCancelled):
            await running
        with pytest.raises(TaskCancelled):
            await queued
        retrying = await queue.enqueue(Flaky(1))
        await wait_until(lambda: retrying.status is TaskStatus.RETRYING)
        assert retrying.cancel_nowait()
        assert retrying.snapshot().status is TaskStatus.CANCELLED
        done = await queue.enqueue(add, 2)
        assert await done == 2
        assert not done.cancel_nowait() and not retrying.cancel_nowait()
        counters = (await queue.counters())
        assert counters["cancelled"] == 3 and counters["succeeded"] == 1
        assert queue._slots.used == 0
        assert sorted(i.id for i in recorder.infos["cancelled"]) == sorted(
            h.id for h in (running, queued, retrying)
        )
        await queue.shutdown(1)

    run(main)


def test_cancelling_a_sync_task_waits_for_its_thread(
    queue_factory: Factory,
) -> None:
    started = threading.Event()

    def slow() -> str:
        started.set()
        time.sleep(0.05)
        return "too late"

    async def main() -> None:
        queue = queue_factory(workers=1)
        await queue.start()
        handle = await queue.enqueue(slow)
        await asyncio.to_thread(started.wait, 1)
        assert handle.cancel_nowait()
        assert handle.status is TaskStatus.RUNNING  # the thread cannot be stopped
        with pytest.raises(TaskCancelled):
            await handle
        await queue.shutdown(1)

    run(main)


def test_cancel_is_final_even_if_the_task_raises_while_stopping(queue_factory: Factory) -> None:
    async def stubborn() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    async def main() -> None:
        queue = queue_factory(max_attempts=3)
        await queue.start()
        handle = await queue.enqueue(stubborn)
        await wait_until(lambda: handle.status is TaskStatus.RUNNING)
        await asyncio.sleep(0)
        assert handle.cancel_nowait()
        with pytest.raises(TaskCancelled):
            await handle
        assert handle.snapshot().attempts == 1
        assert handle.snapshot().last_error == "RuntimeError: cleanup failed"
        await queue.shutdown(1)

    run(main)


# Shutdown


def test_shutdown_drains_then_refuses(queue_factory: Factory) -> None:
    done: list[int] = []

    async def job(n: int) -> None:
        await asyncio.sleep(0.01)
        done.append(n)

    async def main() -> None:
        queue = queue_factory(workers=2)
        await queue.start()
        for n in range(6):
            await queue.enqueue(job, n)
        report = await queue.shutdown(2)
        assert sorted(done) == list(range(6))
        assert report.drained == 6 and report.abandoned == ()
        with pytest.raises(TaskQueueClosed):
            await queue.enqueue(job, 7)
        with pytest.raises(TaskQueueClosed):
            queue.enqueue_nowait(job, 7)
        assert await queue.shutdown(1) is report
        with pytest.raises(RuntimeError):
            await queue.start()

    run(main)


def test_shutdown_abandons_what_misses_the_deadline(
    queue_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    cleaned: list[bool] = []
    release = threading.Event()
    returned: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    def stuck() -> None:
        release.wait(30)
        returned.append(True)

    async def main() -> list[str]:
        queue = queue_factory(workers=3, backoff=10.0, observer=recorder)
        await queue.start()
        # forever and stuck hold two workers; the third runs add, then Flaky
        # (which fails and waits out a long backoff), then forever again, so the
        # last add never leaves the queue.
        handles = [
            await queue.enqueue(forever),
            await queue.enqueue(stuck),
            await queue.enqueue(add, 1),
            await queue.enqueue(Flaky(1)),
            await queue.enqueue(forever),
            await queue.enqueue(add, 2),
        ]
        expected = ["running", "running", "succeeded", "retrying", "running", "queued"]
        await wait_until(lambda: [h.status for h in handles] == expected)
        report = await queue.shutdown(0.05)
        assert returned == []  # not held up by the thread, which is still inside stuck()
        abandoned = sorted(i.id for i in report.abandoned)
        unfinished = handles[:2] + handles[3:]
        assert abandoned == sorted(h.id for h in unfinished)
        assert report.drained == 0
        assert await handles[2] == 1
        for handle in unfinished:
            assert handle.status is TaskStatus.CANCELLED
            with pytest.raises(TaskCancelled):
                await handle
        assert sorted(i.id for i in recorder.infos["abandoned"]) == abandoned
        assert (await queue.counters())["abandoned"] == 5
        assert cleaned == [True, True]
        return abandoned

    try:
        with caplog.at_level(logging.WARNING, logger="hornbeam.tasks"):
            abandoned = run(main)
    finally:
        release.set()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert all(task_id in logged for task_id in abandoned)


def test_shutdown_before_start_abandons_queued_tasks_and_wakes_waiters(
    queue_factory: Factory,
) -> None:
    async def main() -> None:
        queue = queue_factory(workers=1, max_queued=0, enqueue_timeout=5)
        handle = await queue.enqueue(add, 1)
        waiter = asyncio.ensure_future(queue.enqueue(add, 2))
        await asyncio.sleep(0)
        report = await queue.shutdown(5)
        assert [i.id for i in report.abandoned] == [handle.id]
        with pytest.raises(TaskQueueClosed):
            await waiter

    run(main)


def test_shutdown_does_not_wait_for_a_timed_out_thread(queue_factory: Factory) -> None:
    release = threading.Event()
    returned: list[bool] = []

    def stuck() -> None:
        release.wait(30)
        returned.append(True)

    async def main() -> None:
        queue = queue_factory(workers=1, timeout=0.02)
        await queue.start()
        handle = await queue.enqueue(stuck)
        await asyncio.sleep(0.06)  # past the timeout: the worker waits for the thread
        assert handle.status is TaskStatus.RUNNING
        report = await queue.shutdown(0)
        assert returned == []  # shutdown returned while the thread is still inside stuck()
        assert [i.id for i in report.abandoned] == [handle.id]

    try:
        run(main)
    finally:
        release.set()


def test_shutdown_gives_up_on_tasks_that_ignore_cancellation(
    queue_factory: Factory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "_CANCEL_GRACE", 0.05)

    finished: list[bool] = []

    async def deaf() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(30)
            finished.append(True)

    async def main() -> None:
        queue = queue_factory()
        await queue.start()
        handle = await queue.enqueue(deaf)
        await wait_until(lambda: handle.status is TaskStatus.RUNNING)
        await asyncio.sleep(0)
        closing = asyncio.ensure_future(queue.shutdown(0.01))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError):
            await queue.shutdown(1)  # one shutdown at a time
        report = await closing
        assert finished == []  # shutdown gave up on it after the grace, without waiting it out
        assert [i.id for i in report.abandoned] == [handle.id]

    with caplog.at_level(logging.WARNING, logger="hornbeam.tasks"):
        run(main)
    assert any("ignored cancellation" in r.getMessage() for r in caplog.records)


def test_history_limits_drop_the_oldest(queue_factory: Factory) -> None:
    async def main() -> None:
        queue = queue_factory(workers=1, keep_finished=3, keep_dead=2, max_attempts=1)
        await queue.start()
        ok = [await queue.enqueue(add, n) for n in range(5)]
        bad = [await queue.enqueue(Flaky(1)) for _ in range(3)]
        for h in ok + bad:
            try:
                await h
            except TaskFailed:
                pass
        assert [d.id for d in (await queue.dead_letters())] == [h.id for h in bad[1:]]
        assert await queue.get(ok[0].id) is None
        assert all([await queue.get(h.id) is not None for h in bad])
        await queue.shutdown(1)

    logging.getLogger("hornbeam.tasks").disabled = True
    try:
        run(main)
    finally:
        logging.getLogger("hornbeam.tasks").disabled = False


# Observation


def test_absent_callbacks_are_never_looked_up(
    queue_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    class OnlySuccess(TaskObserver):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def succeeded(self, info: TaskInfo) -> None:
            self.seen.append(info.id)
            raise RuntimeError("observer bug")

    observer = OnlySuccess()
    queue = queue_factory(observer=observer)
    assert queue._on_succeeded is not None
    assert queue._on_started is queue._on_failed is queue._on_abandoned is None
    bare = queue_factory()
    assert bare._on_succeeded is None

    async def main() -> None:
        await queue.start()
        handle = await queue.enqueue(add, 1)
        assert await handle == 1  # the observer's exception is logged, not raised
        assert observer.seen == [handle.id]
        await queue.shutdown(1)

    with caplog.at_level(logging.ERROR, logger="hornbeam.tasks"):
        run(main)
    assert any("observer" in r.getMessage() for r in caplog.records)


# The state machine


WORKERS = 2
MAX_ATTEMPTS = 3
plans = st.lists(st.sampled_from(["ok", "fail", "hang"]), min_size=1, max_size=MAX_ATTEMPTS)
TIMEOUT = 0.02


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.recorder = Recorder()
        self.queue = InMemoryTaskQueue(
            workers=WORKERS,
            max_queued=4,
            max_attempts=MAX_ATTEMPTS,
            timeout=TIMEOUT,
            backoff=0.001,
            backoff_max=0.004,
            enqueue_timeout=0,
            observer=self.recorder,
        )
        self.loop.run_until_complete(self.queue.start())
        self.handles: list[Any] = []
        self.plans: dict[str, list[str]] = {}
        self.entered: dict[str, int] = {}
        self.cancel_requested: set[str] = set()
        self.returned_before_cancel: set[str] = set()
        self.abandoned: set[str] = set()
        self.closed = False
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def _enter(self, key: str) -> str:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            attempt = self.entered.get(key, 0)
            self.entered[key] = attempt + 1
        plan = self.plans[key]
        return plan[attempt] if attempt < len(plan) else "ok"

    def _leave(self) -> None:
        with self.lock:
            self.running -= 1

    async def _async_job(self, key: str) -> str:
        step = self._enter(key)
        try:
            if step == "hang":
                await asyncio.sleep(10)
            await asyncio.sleep(0.001)
            if step == "fail":
                raise ValueError(key)
            return key
        finally:
            self._leave()

    def _sync_job(self, key: str) -> str:
        step = self._enter(key)
        try:
            time.sleep(TIMEOUT * 3 if step == "slow" else 0.001)
            if step == "fail":
                raise ValueError(key)
            return key
        finally:
            self._leave()

    @rule(batch=st.lists(st.tuples(plans, st.booleans()), min_size=1, max_size=4))
    def enqueue(self, batch: list[tuple[list[str], bool]]) -> None:
        for plan, sync in batch:
            key = f"k{len(self.plans)}"
            # A thread cannot be interrupted, so a sync job "hangs" by outliving its
            # timeout, which must keep its worker busy until the thread returns.
            self.plans[key] = [("slow" if s == "hang" else s) for s in plan] if sync else plan
            job = self._sync_job if sync else self._async_job
            try:
                handle = self.queue.enqueue_nowait(job, key)
            except TaskQueueClosed:
                assert self.closed
                continue
            except TaskQueueFull:
                assert not self.closed
                # Cancelled tasks still in the queue keep their slot until a worker drops them.
                assert self.queue._slots.used == self.queue._slots.capacity
                continue
            assert not self.closed
            self.handles.append((key, handle))

    def _counters(self) -> dict[str, int]:
        # Read directly: awaiting counters() would run the loop, and tasks with it, mid-check.
        return self.queue._counters

    def _finished(self) -> int:
        counters = self._counters()
        return sum(counters[k] for k in ("succeeded", "failed", "cancelled", "abandoned"))

    @rule(seconds=st.sampled_from([0.0, 0.002, 0.01, 0.04]))
    def advance(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    # Draws must not depend on timing (which tasks the full queue refused), or
    # hypothesis cannot replay a failure; hence an index instead of sampled_from.
    @precondition(lambda self: bool(self.plans))
    @rule(index=st.integers(min_value=0, max_value=50))
    def cancel(self, index: int) -> None:
        if not self.handles:
            return
        key, handle = self.handles[index % len(self.handles)]
        was_done = handle.done()
        if handle.cancel_nowait():
            assert not was_done
            self.cancel_requested.add(handle.id)
        elif not was_done:
            self.returned_before_cancel.add(handle.id)

    @precondition(lambda self: not self.closed and len(self.plans) > 3)
    @rule(deadline=st.sampled_from([0.0, 0.01, 0.05]))
    def shutdown(self, deadline: float) -> None:
        report = self.loop.run_until_complete(self.queue.shutdown(deadline))
        self.closed = True
        self.abandoned |= {info.id for info in report.abandoned}
        assert all(handle.done() for _, handle in self.handles)

    @invariant()
    def limits_hold(self) -> None:
        assert self.peak <= WORKERS
        for _, handle in self.handles:
            assert handle.snapshot().attempts <= MAX_ATTEMPTS
        assert self._counters()["enqueued"] == len(self.handles)
        unfinished = len(self.handles) - self._finished()
        assert unfinished <= self.queue._slots.used <= WORKERS + 4 or self.closed
        assert self._finished() == sum(1 for _, handle in self.handles if handle.done())

    def teardown(self) -> None:
        try:
            if not self.closed:
                self.shutdown(0.03)
            self._check_outcomes()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def _check_outcomes(self) -> None:
        failed_ids = {info.id for info in self.queue._dead}
        counters = self._counters()
        assert counters["retried"] == len(self.recorder.infos.get("retried", []))
        for key, handle in self.handles:
            info = handle.snapshot()
            assert info.status in TERMINAL_STATUSES
            events = self.recorder.of(handle.id)
            terminal = [e for e in events if e in {"succeeded", "failed", "cancelled", "abandoned"}]
            assert len(terminal) == 1, events
            assert events.count("started") == info.attempts
            assert self.entered.get(key, 0) <= info.attempts
            outcome = terminal[0]
            assert (outcome == "abandoned") == (handle.id in self.abandoned)
            assert (outcome == "failed") == (handle.id in failed_ids)
            if outcome == "cancelled":
                assert handle.id in self.cancel_requested
            if handle.id in self.cancel_requested:
                assert outcome in {"cancelled", "abandoned"}
            plan = self.plans[key] + ["ok"] * MAX_ATTEMPTS
            if handle.id in self.returned_before_cancel:
                assert outcome == "succeeded"
            if outcome == "succeeded":
                # On a loaded machine an "ok" attempt may still time out, a sync
                # attempt may time out before a thread picks it up (never entering
                # the job) and a "slow" one may beat a timer the starved loop runs
                # late, so check only the last attempt to run.
                assert info.status is TaskStatus.SUCCEEDED
                assert plan[self.entered[key] - 1] in {"ok", "slow"}
                assert self.loop.run_until_complete(self._result(handle)) == key
            elif outcome == "failed":
                assert info.status is TaskStatus.FAILED
                assert info.attempts == MAX_ATTEMPTS and info.last_error
            else:
                assert info.status is TaskStatus.CANCELLED

    async def _result(self, handle: Any) -> Any:
        return await handle


TestQueueMachine = QueueMachine.TestCase
TestQueueMachine.settings = settings(
    max_examples=40,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# Static typing of enqueue


GOOD = """\
from hornbeam.plugins.tasks import InMemoryTaskQueue
from hornbeam.tasks import TaskHandle, TaskQueue


async def fetch(url: str, *, retries: int = 0) -> bytes:
    return url.encode()


def crunch(n: int) -> float:
    return n / 2


async def main() -> None:
    queue: TaskQueue = InMemoryTaskQueue()
    h1: TaskHandle[bytes] = await queue.enqueue(fetch, "x", retries=2)
    h2: TaskHandle[float] = await queue.enqueue(crunch, 3)
    h3 = await queue.options(max_attempts=5, name="f", key="fetch-y").enqueue(fetch, "y")
    concrete = InMemoryTaskQueue()
    h4 = await concrete.options(timeout=1.0).enqueue(crunch, n=4)
    body: bytes = await h1
    half: float = await h2
    more: bytes = await h3
    quarter: float = await h4
    print(body, half, more, quarter)
"""

BAD = """\
from hornbeam.plugins.tasks import InMemoryTaskQueue


async def fetch(url: str, *, retries: int = 0) -> bytes:
    return url.encode()


def crunch(n: int) -> float:
    return n / 2


async def main() -> None:
    queue = InMemoryTaskQueue()
    await queue.enqueue(fetch, 1)  # E
    await queue.enqueue(fetch, "x", retry=2)  # E
    queue.enqueue_nowait(crunch)  # E
    await queue.options(name="n").enqueue(crunch, "3")  # E
    handle = await queue.enqueue(crunch, 3)
    wrong: str = await handle  # E
    print(wrong)
"""


def test_enqueue_arguments_are_type_checked(mypy_rejects_exactly: Callable[[str, str], None]) -> None:
    mypy_rejects_exactly(GOOD, BAD)
