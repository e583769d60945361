"""The one docket task every hornbeam task runs through, and the retry policy docket applies to it.

docket runs registered functions by name, so a worker could only run what its
process registered. Instead, each process registers ``Runner.run`` under one
name (``hornbeam``); the task's own function travels as the first argument's
``func`` (cloudpickle: an importable function by reference, anything else by
value), so any worker of the app runs any task with no registration by the app.

Mapping onto docket: retries are docket's ``ExponentialRetry`` (its reschedule
with a generation check), configured per task from the ``TaskSpec`` instead of
per function; the timeout is ``asyncio.timeout`` around each attempt, like
docket's ``Timeout``, raising ``TimeoutError`` that counts as a failure.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from docket import Docket, Execution, ExponentialRetry
from docket.dependencies import TaskOutcome, current_execution
from hornbeam.tasks import TaskInfo, TaskObserver, TaskStatus

from ._counters import Counters
from ._records import ERROR_FIELD, REDELIVERIES_FIELD, dead_letters_key
from ._spec import TaskSpec, describe, short_repr

__all__ = ["TASK_NAME", "Runner", "HornbeamRetry", "hook", "notify", "snapshot"]

logger = logging.getLogger("hornbeam.tasks")

TASK_NAME = "hornbeam"

_Callback = Callable[..., None]


def hook(observer: TaskObserver | None, name: str) -> _Callback | None:
    """The observer's method, or None when it is TaskObserver's own no-op (then it is never called)."""
    if observer is None or getattr(type(observer), name) is getattr(TaskObserver, name):
        return None
    bound: _Callback = getattr(observer, name)
    return bound


def notify(callback: _Callback | None, *args: object) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        logger.exception("task observer callback %r failed", callback)


def snapshot(
    execution: Execution, spec: TaskSpec, status: TaskStatus, started_at: float | None,
    finished_at: float | None = None, result: str | None = None,
) -> TaskInfo:  # fmt: skip
    """The ``TaskInfo`` a worker knows of a task without asking Redis (for events)."""
    return TaskInfo(
        id=execution.key, name=spec.name, status=status, attempts=execution.attempt + spec.redeliveries,
        max_attempts=spec.max_attempts, created_at=spec.created_at, started_at=started_at,
        finished_at=finished_at, last_error=spec.last_error, result=result,
    )  # fmt: skip


class HornbeamRetry(ExponentialRetry):
    """docket's exponential retry with the attempts, backoff and retry filter of each task's ``TaskSpec``.

    A worker-level dependency of the workers this plugin starts (not a parameter
    of ``Runner.run``: docket binds every task's arguments to its signature for
    its strike checks, and a defaulted parameter makes that dearer), so failures
    are counted and observed by the ``runner`` of the worker's process.
    """

    runner: Runner | None = None

    async def __aenter__(self) -> HornbeamRetry:
        execution = current_execution.get()
        spec: TaskSpec = execution.args[0]
        retry = HornbeamRetry(attempts=spec.max_attempts)
        retry.runner = self.runner
        retry.attempt = execution.attempt
        retry.delay = timedelta(seconds=spec.delay(execution.attempt))
        return retry

    async def handle_failure(self, execution: Execution, outcome: TaskOutcome) -> bool:
        """Record the failure, then let docket reschedule the task if its policy allows another attempt."""
        error = outcome.exception
        assert error is not None
        spec: TaskSpec = execution.args[0]
        runner = self.runner
        spec.last_error = describe(error)
        retry = isinstance(error, spec.retry_on) and execution.attempt < spec.max_attempts
        if runner is not None:
            await runner.record_failure(execution, spec, final=not retry)
        if retry:
            info = snapshot(execution, spec, TaskStatus.RETRYING, spec.started_at)  # before docket counts the next attempt
            if await super().handle_failure(execution, outcome):
                if runner is not None:
                    runner.counters.add("retried")
                    notify(runner.on_retried, info, error, self.delay.total_seconds())
                return True
        if runner is not None:
            runner.counters.add("failed")
            notify(runner.on_failed, snapshot(execution, spec, TaskStatus.FAILED, spec.started_at, time.time()), error)
        logger.error(
            "task %s (%s) failed after %d attempt(s): %s", execution.key, spec.name,
            execution.attempt + spec.redeliveries, spec.last_error,
        )  # fmt: skip
        return False


class Runner:
    """Runs attempts for one queue in this process: the function, its timeout, events and counts."""

    def __init__(
        self, docket: Docket, counters: Counters, observer: TaskObserver | None, threads: int, result_ttl: float
    ) -> None:
        self.docket = docket
        self.counters = counters
        self.result_ttl = result_ttl
        self.closing = False
        # key -> the attempt's asyncio task and what its TaskInfo needs, for shutdown.
        self.running: dict[str, tuple[asyncio.Task[Any], Execution, TaskSpec, float]] = {}
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="hornbeam-docket")
        self.on_started = hook(observer, "started")
        self.on_succeeded = hook(observer, "succeeded")
        self.on_retried = hook(observer, "retried")
        self.on_failed = hook(observer, "failed")
        self.on_cancelled = hook(observer, "cancelled")

    def close(self) -> None:
        # A thread cannot be stopped: one still running goes on unobserved.
        self._executor.shutdown(wait=False, cancel_futures=True)

    def retry_policy(self) -> HornbeamRetry:
        """The worker-level dependency that applies each task's retry policy (see ``HornbeamRetry``)."""
        policy = HornbeamRetry()
        policy.runner = self
        return policy

    async def run(self, spec: TaskSpec, *args: Any, **kwargs: Any) -> Any:
        """The docket task: one attempt of ``spec.func(*args, **kwargs)``."""
        execution = current_execution.get()
        key = execution.key
        if execution.redelivered:
            spec.redeliveries = await self._count_redelivery(key)
        started = spec.started_at = time.time()
        task = asyncio.current_task()
        assert task is not None
        self.running[key] = (task, execution, spec, started)
        if self.on_started is not None:
            notify(self.on_started, snapshot(execution, spec, TaskStatus.RUNNING, started))
        try:
            result = await self._attempt(spec, args, kwargs)
        except asyncio.CancelledError:
            if not self.closing:  # docket.cancel(); at shutdown the task is handed back instead
                self.counters.add("cancelled")
                notify(self.on_cancelled, snapshot(execution, spec, TaskStatus.CANCELLED, started, time.time()))
            raise
        finally:
            self.running.pop(key, None)
        if spec.idempotent:
            await self._remember(key)
        self.counters.add("succeeded")
        if self.on_succeeded is not None:
            info = snapshot(execution, spec, TaskStatus.SUCCEEDED, started, time.time(), short_repr(result))
            notify(self.on_succeeded, info)
        return result

    async def _attempt(self, spec: TaskSpec, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        func = spec.func
        if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "__call__", None)):
            async with asyncio.timeout(spec.timeout):
                return await func(*args, **kwargs)
        loop = asyncio.get_running_loop()
        call = contextvars.copy_context().run
        future = loop.run_in_executor(self._executor, lambda: call(func, *args, **kwargs))
        try:
            async with asyncio.timeout(spec.timeout):
                result = await asyncio.shield(future)
        except TimeoutError:
            # The thread cannot be interrupted: the attempt keeps its slot until it returns.
            await asyncio.wait([future])
            if not future.cancelled():
                future.exception()  # retrieved: the attempt already failed by its timeout
            raise
        if inspect.iscoroutine(result):  # e.g. a lambda around a coroutine function
            async with asyncio.timeout(spec.timeout):
                result = await result
        return result

    # The writes below are bookkeeping around the task, never its outcome: when Redis
    # refuses one, it is logged and the task goes on (a raise here would fail a task
    # that succeeded, or stop docket's worker loop from inside a failure handler).

    async def _count_redelivery(self, key: str) -> int:
        try:
            async with self.docket.redis() as redis:
                count: int = await redis.hincrby(self.docket.runs_key(key), REDELIVERIES_FIELD, 1)
        except Exception:
            logger.warning("could not count the redelivery of task %s", key, exc_info=True)
            return 1
        logger.warning("task %s runs again: the worker of its previous attempt stopped (redelivery %d)", key, count)
        return count

    async def _remember(self, key: str) -> None:
        # docket's add() treats a key whose runs hash has 'known' as scheduled, and claiming
        # a task clears it; setting it back makes the idempotency key hold after the task
        # ends, for as long as the record lives (the result retention).
        try:
            async with self.docket.redis() as redis:
                await redis.hset(self.docket.runs_key(key), "known", str(time.time()))
        except Exception:
            logger.warning("could not keep the idempotency key of task %s", key, exc_info=True)

    async def record_failure(self, execution: Execution, spec: TaskSpec, final: bool) -> None:
        """Write the failure where ``get`` reads it: the runs hash, and the dead letters when ``final``."""
        try:
            await self._write_failure(execution, spec, final)
        except Exception:
            logger.warning("could not record the failure of task %s", execution.key, exc_info=True)

    async def _write_failure(self, execution: Execution, spec: TaskSpec, final: bool) -> None:
        runs_key = self.docket.runs_key(execution.key)
        async with self.docket.redis() as redis, redis.pipeline() as pipe:
            pipe.hset(runs_key, ERROR_FIELD, spec.last_error or "")
            if final:
                # A sorted set by failure time (the commands docket's memory:// backend has too);
                # entries older than the retention point at expired records and go.
                now = time.time()
                pipe.zadd(dead_letters_key(self.docket), {execution.key: now})
                pipe.zremrangebyscore(dead_letters_key(self.docket), "-inf", now - self.result_ttl)
            if final and spec.idempotent:
                pipe.hset(runs_key, "known", str(time.time()))
            await pipe.execute()
