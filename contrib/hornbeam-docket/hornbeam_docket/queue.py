"""``DocketTaskQueue``: the ``hornbeam.TaskQueue`` protocol on docket, tasks kept in Redis or Valkey.

Every process of an app that shares ``url`` and ``name`` shares one queue:
any of them enqueues, any worker among them runs the task, any of them
answers ``get``. A worker runs inside the app's lifespan unless ``worker`` is
False (then ``start_worker``, which ``hornbeam worker`` calls, starts one).

Delivery is at least once: a worker that dies mid-task stops renewing its
lease, and after ``redelivery_timeout`` another worker runs the task again
(``TaskInfo.attempts`` counts the lost attempt). At shutdown the worker stops
claiming, lets running tasks finish until the deadline, then stops them and
leaves them in Redis for the next worker; queued tasks are never touched.
Nothing is abandoned.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar, overload

from docket import Disposition, Docket, Worker
from hornbeam.tasks import (
    TERMINAL_STATUSES,
    ShutdownReport,
    TaskHandle,
    TaskInfo,
    TaskObserver,
    TaskQueueClosed,
    TaskStatus,
)

from ._counters import Counters
from ._handle import DocketHandle
from ._records import dead_letters_key, result_repr, task_info
from ._runner import TASK_NAME, Runner, hook, notify, snapshot
from ._spec import Defaults, TaskSpec, check_options, timeout_of

__all__ = ["DocketTaskQueue", "DocketOptions"]

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger("hornbeam.tasks")

_NEW, _STARTED, _CLOSING, _CLOSED = range(4)


class _Enqueuer:
    """The typed ``enqueue`` front shared by the queue and its option sets."""

    __slots__ = ()

    def _target(self) -> tuple[DocketTaskQueue, Defaults]:
        raise NotImplementedError

    @overload
    async def enqueue(
        self, func: Callable[P, Coroutine[Any, Any, R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[R]: ...

    @overload
    async def enqueue(self, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> TaskHandle[R]: ...

    async def enqueue(self, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> TaskHandle[Any]:
        """Store ``func(*args, **kwargs)`` in Redis for any worker of the queue; returns once Redis has it.

        Arguments and the function are pickled (cloudpickle). Raises
        ``TaskQueueClosed`` before start and after shutdown began, and redis-py's
        errors when Redis cannot be reached.
        """
        queue, defaults = self._target()
        return await queue._submit(defaults, func, args, kwargs)


class DocketOptions(_Enqueuer):
    """Enqueues with per-task settings; made by ``DocketTaskQueue.options``."""

    __slots__ = ("_queue", "_defaults")

    def __init__(self, queue: DocketTaskQueue, defaults: Defaults) -> None:
        self._queue = queue
        self._defaults = defaults

    def _target(self) -> tuple[DocketTaskQueue, Defaults]:
        return self._queue, self._defaults


class DocketTaskQueue(_Enqueuer):
    """A durable task queue on docket; see the module docstring for its delivery guarantees.

    ``poll_interval`` is how often an idle worker reads Redis, and a busy one
    looks for free slots. ``max_attempts``, ``timeout`` (None for none), ``retry_on``, ``backoff`` and
    ``backoff_max`` are per-task defaults (``options()`` overrides the first
    three); the delay before retry *n* is ``backoff * 2**(n-1)`` capped at
    ``backoff_max``, without jitter. ``result_ttl`` is how long a finished
    task's state, result and idempotency key stay in Redis; ``keep_dead`` how
    many failed task ids ``dead_letters`` keeps.
    """

    def __init__(
        self,
        *,
        url: str = "redis://localhost:6379/0",
        name: str = "hornbeam",
        worker: bool = True,
        concurrency: int = 10,
        poll_interval: float = 0.05,
        redelivery_timeout: float = 60.0,
        result_ttl: float = 900.0,
        max_attempts: int = 3,
        timeout: float | None = 30.0,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        threads: int = 4,
        keep_dead: int = 1000,
        shutdown_deadline: float = 10.0,
        observer: TaskObserver | None = None,
    ) -> None:
        check_options(max_attempts, timeout, retry_on)
        if concurrency < 1 or threads < 1:
            raise ValueError("concurrency and threads must be at least 1")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        if redelivery_timeout <= 0 or result_ttl < 1 or keep_dead < 0 or min(backoff, backoff_max) < 0:
            raise ValueError(
                "redelivery_timeout must be positive, result_ttl at least 1 s, keep_dead, backoff and backoff_max not negative"
            )
        self._url = url
        self._name = name
        self._worker_wanted = worker
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._redelivery_timeout = redelivery_timeout
        self._result_ttl = result_ttl
        self._defaults = Defaults(None, max_attempts, timeout_of(timeout), retry_on)
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._threads = threads
        self._keep_dead = keep_dead
        self._shutdown_deadline = shutdown_deadline
        self._observer = observer
        self._on_cancelled = hook(observer, "cancelled")
        self._state = _NEW
        self._docket: Docket | None = None
        self._runner: Runner | None = None
        self._counters: Counters | None = None
        self._worker: Worker | None = None
        self._work: asyncio.Task[None] | None = None
        self._report: ShutdownReport | None = None

    def __repr__(self) -> str:
        return f"<DocketTaskQueue {self._name!r} worker={self._worker is not None}>"

    @property
    def docket(self) -> Docket:
        """The underlying ``docket.Docket`` (while the queue runs), for what this protocol does not cover."""
        if self._docket is None:
            raise TaskQueueClosed("the task queue is not running")
        return self._docket

    def _target(self) -> tuple[DocketTaskQueue, Defaults]:
        return self, self._defaults

    def options(
        self,
        *,
        name: str | None = None,
        max_attempts: int | None = None,
        timeout: float | None = None,
        retry_on: tuple[type[BaseException], ...] | None = None,
        key: str | None = None,
    ) -> DocketOptions:
        """An enqueuer with per-task settings; None keeps the queue default, ``timeout=math.inf`` means none.

        ``key`` is an idempotency key and the task's id: while Redis holds the
        task (queued, running, or finished within ``result_ttl``), enqueueing
        the key again returns the same task and runs nothing.
        """
        check_options(max_attempts, timeout, retry_on)
        base = self._defaults
        return DocketOptions(
            self,
            Defaults(
                name,
                base.max_attempts if max_attempts is None else max_attempts,
                base.timeout if timeout is None else timeout_of(timeout),
                base.retry_on if retry_on is None else retry_on,
                key,
            ),
        )

    # Life cycle.

    async def start(self) -> None:
        """Connect to Redis and, unless ``worker`` is False, start this process's worker."""
        if self._state != _NEW:
            raise RuntimeError("task queue was already started")
        docket = Docket(name=self._name, url=self._url, execution_ttl=timedelta(seconds=self._result_ttl))
        await docket.__aenter__()
        try:
            # docket connects lazily: a wrong URL or password fails the start-up, not the first task.
            async with docket.redis() as redis:
                await redis.exists(docket.key("hornbeam:counters"))
        except BaseException:
            await docket.__aexit__(None, None, None)
            raise
        self._docket = docket
        self._counters = Counters(docket)
        self._runner = Runner(docket, self._counters, self._observer, self._threads, self._result_ttl)
        docket.register(self._runner.run, names=[TASK_NAME])
        self._counters.start()
        self._state = _STARTED
        if self._worker_wanted:
            await self.start_worker()

    async def start_worker(self) -> None:
        """Run tasks in this process from now on (idempotent); ``hornbeam worker`` calls it."""
        if self._state != _STARTED:
            raise TaskQueueClosed("the task queue is not running")
        if self._worker is not None:
            return
        assert self._runner is not None
        worker = Worker(
            self.docket,
            concurrency=self._concurrency,
            # docket's worker looks for free slots only this often once all are busy, so
            # short tasks run at most concurrency / interval per second (40/s at its 0.25 s
            # default); an idle worker reads Redis once per interval.
            minimum_check_interval=timedelta(seconds=self._poll_interval),
            redelivery_timeout=timedelta(seconds=self._redelivery_timeout),
            schedule_automatic_tasks=False,
            dependencies={"hornbeam_retry": self._runner.retry_policy()},
        )
        await worker.__aenter__()
        self._worker = worker
        self._work = asyncio.get_running_loop().create_task(worker.run_forever(), name=f"hornbeam-docket worker {self._name}")

    async def shutdown(self, deadline: float | None = None) -> ShutdownReport:
        """Stop claiming tasks, let running ones finish for ``deadline`` s, hand the rest back to Redis.

        Tasks still running at the deadline are stopped and stay in Redis,
        pending: another worker runs them again after the redelivery timeout
        (``report.handed_back``). Queued tasks stay queued. Calling it again
        returns the first report.
        """
        if self._report is not None:
            return self._report
        if self._state == _CLOSING:
            raise RuntimeError("task queue shutdown already in progress")
        if self._state == _NEW:
            self._state = _CLOSED
            self._report = ShutdownReport(0, ())
            return self._report
        self._state = _CLOSING
        runner, counters, docket = self._runner, self._counters, self._docket
        assert runner is not None and counters is not None and docket is not None
        handed_back: tuple[TaskInfo, ...] = ()
        drained = len(runner.running)
        try:
            if self._work is not None:
                handed_back = await self._stop_worker(runner, self._work, self._shutdown_deadline if deadline is None else deadline)
            drained -= len(handed_back)
        finally:
            try:
                await counters.stop()
            finally:
                runner.close()
                self._docket = None
                self._state = _CLOSED
                await docket.__aexit__(None, None, None)
        self._report = ShutdownReport(drained, (), handed_back)
        return self._report

    async def _stop_worker(self, runner: Runner, work: asyncio.Task[None], deadline: float) -> tuple[TaskInfo, ...]:
        # Cancelling the worker loop stops its claims; docket then waits for the running
        # tasks, and a task stopped after that stays pending in Redis for redelivery.
        work.cancel()
        done, _ = await asyncio.wait([work], timeout=max(deadline, 0))
        handed_back = []
        if not done:
            runner.closing = True
            for task, execution, spec, started in list(runner.running.values()):
                task.cancel()
                handed_back.append(snapshot(execution, spec, TaskStatus.RUNNING, started))
                logger.warning(
                    "task %s (%s) handed back at shutdown: it stays in Redis and runs again on a worker "
                    "after the redelivery timeout", execution.key, spec.name,
                )  # fmt: skip
            await asyncio.wait([work])
        if not work.cancelled() and work.exception() is not None:
            logger.error("the docket worker failed", exc_info=work.exception())
        assert self._worker is not None
        await self._worker.__aexit__(None, None, None)
        self._worker = self._work = None
        return tuple(handed_back)

    # Enqueueing.

    async def _submit(
        self, defaults: Defaults, func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> DocketHandle[Any]:
        if self._state != _STARTED:
            raise TaskQueueClosed("the task queue is not running" if self._state == _NEW else "the task queue is shut down")
        docket, counters = self._docket, self._counters
        assert docket is not None and counters is not None
        spec = TaskSpec(
            func, defaults.name or getattr(func, "__qualname__", None) or repr(func), defaults.max_attempts,
            defaults.timeout, defaults.retry_on, self._backoff, self._backoff_max, time.time(), defaults.key is not None,
        )  # fmt: skip
        execution = await docket.add(TASK_NAME, key=defaults.key)(spec, *args, **kwargs)
        if execution.disposition is Disposition.SCHEDULED:
            counters.add("enqueued")
        return DocketHandle(self, execution)

    # Lookups.

    async def get(self, task_id: str) -> TaskInfo | None:
        """The task's snapshot read from Redis, or None when unknown or past the result retention."""
        docket = self.docket
        async with docket.redis() as redis:
            data = await redis.hgetall(docket.runs_key(task_id))
        if not data:
            return None
        result = None
        if data.get(b"state") == b"completed":
            result_key = data.get(b"result_key")
            stored = await docket.result_storage.get(result_key.decode()) if result_key else None
            result = result_repr(stored)
        return task_info(task_id, data, result)

    async def dead_letters(self) -> Sequence[TaskInfo]:
        """Tasks that failed for good, oldest first: the last ``keep_dead`` still within the result retention."""
        docket = self.docket
        if not self._keep_dead:
            return ()
        async with docket.redis() as redis:
            keys = await redis.zrange(dead_letters_key(docket), -self._keep_dead, -1)
        infos = await asyncio.gather(*(self.get(key.decode()) for key in keys))
        return tuple(info for info in infos if info is not None and info.status is TaskStatus.FAILED)

    async def counters(self) -> Mapping[str, int]:
        """Outcome counts of every process on this queue (see ``Counters`` for how fresh they are)."""
        if self._counters is None or self._docket is None:
            raise TaskQueueClosed("the task queue is not running")
        return await self._counters.read()

    async def _cancel(self, task_id: str) -> bool:
        info = await self.get(task_id)
        if info is None or info.status in TERMINAL_STATUSES:
            return False
        await self.docket.cancel(task_id)
        if info.status is not TaskStatus.RUNNING:
            # No worker holds it, so nobody else reports it: this process does.
            assert self._counters is not None
            self._counters.add("cancelled")
            notify(self._on_cancelled, _cancelled(info))
        return True


def _cancelled(info: TaskInfo) -> TaskInfo:
    return TaskInfo(
        info.id, info.name, TaskStatus.CANCELLED, info.attempts, info.max_attempts, info.created_at,
        info.started_at, time.time(), info.last_error, None,
    )  # fmt: skip
