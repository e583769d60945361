"""The in-memory asyncio task queue behind the `tasks` plugin: retries, backoff, timeouts, bounded.

Limits that hold at all times:

- at most ``workers`` attempts run at once, retries included: a task waiting out its
  backoff holds no worker and re-enters the queue when the delay ends;
- at most ``workers + max_queued`` unfinished tasks exist (queued, running or waiting
  to retry); ``enqueue`` then waits up to ``enqueue_timeout`` seconds for room and
  raises ``TaskQueueFull``, ``enqueue_nowait`` raises it at once;
- sync functions run in the queue's own pool of ``threads`` threads. A thread cannot
  be interrupted, so an attempt that times out or is cancelled keeps its worker until
  the thread returns; its result is then dropped and the attempt fails with
  ``TimeoutError`` (or the task ends cancelled). Only shutdown stops waiting for such
  a thread, which then runs on unobserved.

Awaiting a handle gives the result, or raises ``TaskFailed`` (``__cause__`` is the last
attempt's exception) or ``TaskCancelled``. Call everything from the event loop thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import math
import random
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hornbeam.plugins.tasks._admission import Admission, Enqueuer, TaskOptions
from hornbeam.plugins.tasks._record import Settings, Task, describe
from hornbeam.tasks import (
    ShutdownReport,
    TaskInfo,
    TaskObserver,
    TaskStatus,
)

__all__ = ["InMemoryTaskQueue", "TaskOptions"]

logger = logging.getLogger("hornbeam.tasks")

# Time given to cancelled tasks to unwind after the shutdown deadline.
_CANCEL_GRACE = 1.0

_RUNNING = TaskStatus.RUNNING
_RETRYING = TaskStatus.RETRYING
_SUCCEEDED = TaskStatus.SUCCEEDED
_FAILED = TaskStatus.FAILED
_CANCELLED = TaskStatus.CANCELLED

_NEW, _STARTED, _CLOSING = range(3)

_Callback = Callable[..., None]


def _is_async(func: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # objects with an async __call__
    return not inspect.isroutine(func) and inspect.iscoroutinefunction(call)


def _hook(observer: object | None, name: str) -> _Callback | None:
    if observer is None:
        return None
    method = getattr(type(observer), name, None)
    if method is None or method is getattr(TaskObserver, name):
        return None
    bound: _Callback = getattr(observer, name)
    return bound


def _timeout(value: float | None) -> float | None:
    if value is None or math.isinf(value):
        return None
    if not value > 0:
        raise ValueError(f"timeout must be > 0 (math.inf for none), got {value!r}")
    return float(value)


def _retry_on(value: tuple[type[BaseException], ...]) -> tuple[type[BaseException], ...]:
    if not all(isinstance(t, type) and issubclass(t, BaseException) for t in value):
        raise TypeError(f"retry_on must be a tuple of exception types, got {value!r}")
    return tuple(value)


def _returned(attempt: asyncio.Task[Any] | None) -> bool:
    return (
        attempt is not None
        and attempt.done()
        and not attempt.cancelled()
        and attempt.exception() is None
    )


def _consume(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class InMemoryTaskQueue(Enqueuer):
    """A bounded in-process task queue run by ``workers`` coroutines.

    ``timeout`` (seconds per attempt, None for no limit), ``max_attempts`` and
    ``retry_on`` are defaults that ``options()`` overrides per task. The delay before
    retry *n* is ``backoff * 2**(n-1)`` capped at ``backoff_max``, scaled by a random
    factor in [0.5, 1) when ``jitter`` is on. ``keep_finished`` finished tasks (with their
    results, for lookups and repeated idempotency keys) and ``keep_dead`` dead letters
    are kept, oldest dropped first.
    """

    def __init__(
        self,
        *,
        workers: int = 4,
        max_queued: int = 1000,
        max_attempts: int = 3,
        timeout: float | None = 30.0,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        jitter: bool = True,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        keep_finished: int = 1000,
        keep_dead: int = 1000,
        threads: int = 4,
        enqueue_timeout: float = 1.0,
        shutdown_deadline: float = 10.0,
        observer: TaskObserver | None = None,
    ) -> None:
        if workers < 1 or threads < 1 or max_attempts < 1:
            raise ValueError("workers, threads and max_attempts must be at least 1")
        if min(max_queued, keep_finished, keep_dead) < 0:
            raise ValueError("max_queued, keep_finished and keep_dead must not be negative")
        if backoff < 0 or backoff_max < 0 or enqueue_timeout < 0:
            raise ValueError("backoff, backoff_max and enqueue_timeout must not be negative")
        self._settings = Settings(None, max_attempts, _timeout(timeout), _retry_on(retry_on))
        self._workers_wanted = workers
        self._threads = threads
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._jitter = jitter
        self._keep_finished = keep_finished
        self._shutdown_deadline = shutdown_deadline
        self._slots = Admission(workers + max_queued, enqueue_timeout)
        # Every queued task holds a slot, so put_nowait never meets a full queue.
        self._queue: asyncio.Queue[Task[Any]] = asyncio.Queue(self._slots.capacity)
        self._live: dict[str, Task[Any]] = {}
        # Finished records, not snapshots: a repeated idempotency key gets the handle back.
        self._finished: OrderedDict[str, Task[Any]] = OrderedDict()
        self._dead: deque[TaskInfo] = deque(maxlen=keep_dead)
        self._counters = dict.fromkeys(
            ("enqueued", "succeeded", "failed", "retried", "cancelled", "abandoned"), 0
        )
        self._state = _NEW
        self._abandoning = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._drained: asyncio.Future[None] | None = None
        self._report: ShutdownReport | None = None
        self._on_started = _hook(observer, "started")
        self._on_succeeded = _hook(observer, "succeeded")
        self._on_retried = _hook(observer, "retried")
        self._on_failed = _hook(observer, "failed")
        self._on_cancelled = _hook(observer, "cancelled")
        self._on_abandoned = _hook(observer, "abandoned")

    def _target(self) -> tuple[InMemoryTaskQueue, Settings]:
        return self, self._settings

    def options(
        self,
        *,
        name: str | None = None,
        max_attempts: int | None = None,
        timeout: float | None = None,
        retry_on: tuple[type[BaseException], ...] | None = None,
        key: str | None = None,
    ) -> TaskOptions:
        """An enqueuer with per-task settings; None keeps the queue default.

        ``timeout=math.inf`` removes the time limit. Build it once and reuse it,
        unless it carries ``key``, an idempotency key that becomes the task's id:
        while the queue still holds that task (unfinished, or among the last
        ``keep_finished``), enqueueing with the key again returns its handle.
        """
        base = self._settings
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        return TaskOptions(
            self,
            Settings(
                name,
                base.max_attempts if max_attempts is None else max_attempts,
                base.timeout if timeout is None else _timeout(timeout),
                base.retry_on if retry_on is None else _retry_on(retry_on),
                key,
            ),
        )

    async def get(self, task_id: str) -> TaskInfo | None:
        """The task's snapshot, or None when unknown or dropped from history."""
        task = self._known(task_id)
        return task.snapshot() if task is not None else None

    async def dead_letters(self) -> Sequence[TaskInfo]:
        """Tasks that failed for good, oldest first."""
        return tuple(self._dead)

    async def counters(self) -> Mapping[str, int]:
        """Outcome counts: enqueued, succeeded, failed, retried, cancelled, abandoned."""
        return dict(self._counters)

    def _known(self, task_id: str) -> Task[Any] | None:
        return self._live.get(task_id) or self._finished.get(task_id)

    async def start(self) -> None:
        """Start the workers; tasks enqueued before this wait for it."""
        if self._state != _NEW:
            raise RuntimeError("task queue was already started")
        self._state = _STARTED
        loop = self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="hornbeam-task")
        self._workers = [
            loop.create_task(self._work(), name=f"hornbeam-task-worker-{i}")
            for i in range(self._workers_wanted)
        ]

    async def shutdown(self, deadline: float | None = None) -> ShutdownReport:
        """Refuse new tasks, run what is queued for up to ``deadline`` seconds, abandon the rest.

        ``deadline`` None means the queue's ``shutdown_deadline``.

        Each abandoned task is cancelled, logged with its id on ``hornbeam.tasks`` and
        passed to the observer's ``abandoned``; the report lists them. Calling it again
        returns the first report.
        """
        if self._report is not None:
            return self._report
        if self._state == _CLOSING:
            raise RuntimeError("task queue shutdown already in progress")
        if deadline is None:
            deadline = self._shutdown_deadline
        was_started = self._state == _STARTED
        self._state = _CLOSING
        self._slots.close()
        before = self._finished_count()
        try:
            if was_started and self._live:
                self._drained = asyncio.get_running_loop().create_future()
                try:
                    async with asyncio.timeout(deadline):
                        await self._drained
                except TimeoutError:
                    pass
        finally:
            drained = self._finished_count() - before
            abandoned, attempts = self._abandon()
            report = self._report = ShutdownReport(drained, abandoned)
            await self._reap(attempts)
        return report

    def _finished_count(self) -> int:
        c = self._counters
        return c["succeeded"] + c["failed"] + c["cancelled"] + c["abandoned"]

    def _abandon(self) -> tuple[tuple[TaskInfo, ...], list[asyncio.Task[Any]]]:
        self._abandoning = True
        abandoned = []
        attempts = []
        for task in list(self._live.values()):
            if task.attempt is not None and _returned(task.attempt):
                task.result = task.attempt.result()  # done in time, just not yet recorded
                self._finish(task, _SUCCEEDED)
                continue
            if task.timer is not None:
                task.timer.cancel()
                task.timer = None
            if task.attempt is not None:
                task.attempt.cancel()
                task.attempt.add_done_callback(_consume)
                attempts.append(task.attempt)
            info = self._finish(task, _CANCELLED, abandoned=True)
            logger.warning("task %s (%s) abandoned at shutdown", task.id, task.name)
            abandoned.append(info)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._slots.used = 0
        return tuple(abandoned), attempts

    async def _reap(self, attempts: list[asyncio.Task[Any]]) -> None:
        for worker in self._workers:
            worker.cancel()
        pending = [*self._workers, *attempts]
        if pending:
            _, stuck = await asyncio.wait(pending, timeout=_CANCEL_GRACE)
            for task in stuck:
                logger.warning("task queue coroutine %r ignored cancellation", task)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _push(
        self,
        settings: Settings,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> Task[Any]:
        if settings.key is not None:
            known = self._known(settings.key)
            if known is not None:
                self._slots.release()  # the key's task exists: this enqueue adds nothing
                return known
        name = settings.name or getattr(func, "__qualname__", None) or repr(func)
        task: Task[Any] = Task(
            self, settings.key or uuid.uuid4().hex, name, settings, func, args, kwargs, _is_async(func), time.time()
        )
        self._live[task.id] = task
        self._counters["enqueued"] += 1
        self._queue.put_nowait(task)
        return task

    # Running.

    async def _work(self) -> None:
        get = self._queue.get
        while True:
            task = await get()
            if task.finished_at is not None:  # cancelled while it sat in the queue
                self._slots.release()
                continue
            try:
                await self._run(task)
            except Exception:  # a bug here must not silently shrink the pool
                logger.exception("task queue worker failed on task %s", task.id)

    async def _run(self, task: Task[Any]) -> None:
        task.set_status(_RUNNING)
        task.attempts += 1
        task.started_at = time.time()
        if self._on_started is not None:
            self._notify(self._on_started, task.snapshot())
        context = task.context.copy() if task.context is not None else None
        assert self._loop is not None
        attempt = self._loop.create_task(self._attempt(task), context=context)
        task.attempt = attempt
        # wait() rather than await: cancelling the task's attempt must not look
        # like cancelling this worker, and the other way round.
        await asyncio.wait((attempt,))
        task.attempt = None
        if task.finished_at is not None:  # abandoned by shutdown meanwhile
            return
        if attempt.cancelled():
            self._finish(task, _CANCELLED)
        elif (error := attempt.exception()) is not None:
            self._attempt_failed(task, error)
        else:
            task.result = attempt.result()
            self._finish(task, _SUCCEEDED)
        if task.timer is None:
            self._slots.release()

    async def _attempt(self, task: Task[Any]) -> Any:
        async with asyncio.timeout(task.timeout):
            if task.is_async:
                return await task.func(*task.args, **task.kwargs)
            result = await self._in_thread(task)
            if inspect.iscoroutine(result):  # e.g. a lambda wrapping a coroutine function
                result = await result
            return result

    async def _in_thread(self, task: Task[Any]) -> Any:
        assert self._executor is not None
        run = contextvars.copy_context().run
        thread_future = self._executor.submit(run, task.func, *task.args, **task.kwargs)
        future = asyncio.wrap_future(thread_future)
        try:
            return await asyncio.shield(future)
        except BaseException:
            if not thread_future.cancel():
                await self._outlive(future)
            raise

    async def _outlive(self, future: asyncio.Future[Any]) -> None:
        # A thread cannot be stopped: until it returns, its attempt keeps the worker,
        # whatever further cancellations (timeout, cancel()) arrive; only shutdown
        # stops waiting.
        while not future.done():
            if self._abandoning:
                future.cancel()
                raise asyncio.CancelledError
            try:
                await asyncio.wait((future,))
            except asyncio.CancelledError:
                if self._abandoning:
                    future.cancel()
                    raise
        if not future.cancelled():
            future.exception()  # shield dropped its callback, so mark it retrieved here

    def _attempt_failed(self, task: Task[Any], error: BaseException) -> None:
        task.error = error
        task.last_error = describe(error)
        if task.cancel_requested:
            self._finish(task, _CANCELLED)
        elif task.attempts < task.max_attempts and isinstance(error, task.retry_on):
            delay = self._delay(task.attempts)
            task.set_status(_RETRYING)
            assert self._loop is not None
            task.timer = self._loop.call_later(delay, self._requeue, task)
            self._counters["retried"] += 1
            logger.debug(
                "task %s (%s) retries in %.3fs: %s", task.id, task.name, delay, task.last_error
            )
            if self._on_retried is not None:
                self._notify(self._on_retried, task.snapshot(), error, delay)
        else:
            self._finish(task, _FAILED)

    def _delay(self, attempts: int) -> float:
        delay = min(self._backoff_max, self._backoff * 2.0 ** min(attempts - 1, 64))
        return delay * random.uniform(0.5, 1.0) if self._jitter else delay

    def _requeue(self, task: Task[Any]) -> None:
        task.timer = None
        self._queue.put_nowait(task)

    def _cancel(self, task: Task[Any]) -> bool:
        attempt = task.attempt
        if task.finished_at is not None or _returned(attempt):
            return False  # finished, or returned and only waiting to be recorded
        task.cancel_requested = True
        if attempt is not None:
            attempt.cancel()  # the worker records the outcome once the attempt stops
        elif task.timer is not None:
            task.timer.cancel()
            task.timer = None
            self._finish(task, _CANCELLED)
            self._slots.release()
        else:
            # Still in the queue: its slot frees when a worker drops it.
            self._finish(task, _CANCELLED)
        return True

    def _finish(self, task: Task[Any], status: TaskStatus, abandoned: bool = False) -> TaskInfo:
        task.set_status(status)
        task.finished_at = time.time()
        task.args, task.kwargs, task.context = (), {}, None
        del self._live[task.id]
        info = task.snapshot()
        if self._keep_finished:
            finished = self._finished
            finished[task.id] = task
            if len(finished) > self._keep_finished:
                finished.popitem(last=False)
        counters = self._counters
        callback: _Callback | None
        args: tuple[object, ...] = (info,)
        if status is _SUCCEEDED:
            counters["succeeded"] += 1
            callback = self._on_succeeded
        elif status is _FAILED:
            counters["failed"] += 1
            self._dead.append(info)
            logger.error(
                "task %s (%s) failed after %d attempt(s): %s",
                task.id, task.name, task.attempts, task.last_error, exc_info=task.error,
            )
            callback, args = self._on_failed, (info, task.error)
        elif abandoned:
            counters["abandoned"] += 1
            callback = self._on_abandoned
        else:
            counters["cancelled"] += 1
            callback = self._on_cancelled
        task.mark_done()
        if callback is not None:
            self._notify(callback, *args)
        if self._drained is not None and not self._live and not self._drained.done():
            self._drained.set_result(None)
        return info

    def _notify(self, callback: _Callback, *args: object) -> None:
        try:
            callback(*args)
        except Exception:
            logger.exception("task observer callback %r failed", callback)
