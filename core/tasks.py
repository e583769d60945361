"""The background task queue contract: statuses, snapshots, handles, queues, observers.

This module holds no implementation; the built-in in-memory queue lives in
``hornbeam.plugins.tasks`` and any replacement only has to satisfy these protocols.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar, overload

__all__ = [
    "TaskStatus",
    "TERMINAL_STATUSES",
    "TaskInfo",
    "ShutdownReport",
    "TaskError",
    "TaskQueueFull",
    "TaskQueueClosed",
    "TaskFailed",
    "TaskCancelled",
    "TaskHandle",
    "TaskEnqueuer",
    "TaskQueue",
    "WorkerTaskQueue",
    "TaskObserver",
]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class TaskStatus(enum.StrEnum):
    """Where a task is in its life; the last three are terminal."""

    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset({TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """An immutable snapshot of one task; timestamps are ``time.time()`` seconds.

    ``attempts`` counts every attempt that started (a durable queue counts one
    cut short by a crash too, so it may exceed ``max_attempts``, which bounds
    failed attempts); ``started_at`` is when the latest attempt began.
    ``last_error`` is ``"ExceptionType: message"`` of the latest failed attempt;
    ``result`` is a shortened ``repr`` of the return value, or None.
    """

    id: str
    name: str
    status: TaskStatus
    attempts: int
    max_attempts: int
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    last_error: str | None = None
    result: str | None = None


@dataclass(frozen=True, slots=True)
class ShutdownReport:
    """What ``TaskQueue.shutdown`` did: tasks finished while draining, tasks abandoned.

    ``handed_back`` lists running tasks a durable queue stopped at the deadline
    and left in its store, where another worker runs them again.
    """

    drained: int
    abandoned: tuple[TaskInfo, ...]
    handed_back: tuple[TaskInfo, ...] = ()


class TaskError(Exception):
    """Base class of every task queue error."""


class TaskQueueFull(TaskError):
    """The queue stayed full for longer than the enqueue timeout."""


class TaskQueueClosed(TaskError):
    """The queue is shutting down or shut down and accepts no more tasks."""


class TaskFailed(TaskError):
    """A task used up its attempts; the last attempt's exception is ``__cause__``."""

    def __init__(self, info: TaskInfo) -> None:
        super().__init__(f"task {info.id} ({info.name}) failed: {info.last_error}")
        self.info = info


class TaskCancelled(TaskError):
    """A task was cancelled, or abandoned because shutdown reached its deadline."""

    def __init__(self, info: TaskInfo) -> None:
        super().__init__(f"task {info.id} ({info.name}) was cancelled")
        self.info = info


class TaskHandle(Protocol[R_co]):
    """A reference to an enqueued task; ``await handle`` gives its result.

    Awaiting raises ``TaskFailed`` (cause: the last exception) or ``TaskCancelled``.
    Cancelling the awaiting coroutine never cancels the task itself. Lookups are
    coroutines because a queue may keep its tasks elsewhere (Redis, say): each
    answer is fresh, never a copy kept in this process.
    """

    @property
    def id(self) -> str: ...

    async def info(self) -> TaskInfo:
        """A fresh snapshot of the task.

        Raises ``TaskError`` when the queue no longer knows the task (its
        history or retention has dropped it).
        """
        ...

    async def cancel(self) -> bool:
        """Request cancellation; False when the task already finished.

        A running attempt is cancelled; the status turns ``cancelled`` once it stops.
        """
        ...

    def __await__(self) -> Generator[Any, None, R_co]: ...


class TaskEnqueuer(Protocol):
    """Something tasks can be submitted to: a queue, or a queue with per-task options."""

    @overload
    async def enqueue(
        self, func: Callable[P, Coroutine[Any, Any, R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[R]: ...

    @overload
    async def enqueue(
        self, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[R]: ...

    async def enqueue(
        self, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[Any]:
        """Submit ``func(*args, **kwargs)``; returns once the queue holds the task.

        Coroutine functions run on the event loop, anything else in a thread pool.
        Raises ``TaskQueueFull`` when a bounded queue has no room in time,
        ``TaskQueueClosed`` after shutdown began.
        """
        ...


class TaskQueue(TaskEnqueuer, Protocol):
    """A background task queue, started and shut down by the app's lifespan.

    Lookups (``get``, ``dead_letters``, ``counters`` and a handle's ``info``)
    are coroutines: a queue that keeps its tasks in another process answers
    them from there, without blocking the event loop. Such a queue answers only
    while it runs (between ``start`` and ``shutdown``) and raises
    ``TaskQueueClosed`` otherwise; the in-memory queue answers at any time.
    """

    async def start(self) -> None: ...

    async def shutdown(self, deadline: float | None = None) -> ShutdownReport:
        """Stop accepting tasks and drain for up to ``deadline`` seconds (None: the queue's own setting).

        What is unfinished then is abandoned (an in-memory queue) or handed back
        to the queue's store for another worker (a durable queue); the report says which.
        """
        ...

    def options(
        self,
        *,
        name: str | None = None,
        max_attempts: int | None = None,
        timeout: float | None = None,
        retry_on: tuple[type[BaseException], ...] | None = None,
        key: str | None = None,
    ) -> TaskEnqueuer:
        """An enqueuer whose tasks use these settings instead of the queue's defaults.

        ``None`` keeps the queue default; ``timeout=math.inf`` means no time limit.
        ``key`` is an idempotency key and becomes the task's id: enqueueing with
        a key the queue still knows (queued, running, or finished and still in
        its history) returns that task's handle and runs nothing again.
        """
        ...

    async def get(self, task_id: str) -> TaskInfo | None:
        """The task's snapshot, or None when unknown or dropped from history."""
        ...

    async def dead_letters(self) -> Sequence[TaskInfo]:
        """Tasks that failed for good, oldest first, within the configured limit."""
        ...

    async def counters(self) -> Mapping[str, int]:
        """Outcome counts: enqueued, succeeded, failed, retried, cancelled, abandoned."""
        ...


class WorkerTaskQueue(TaskQueue, Protocol):
    """A queue whose tasks live outside the process, so a process can run only its worker.

    ``hornbeam worker module:app`` calls ``start_worker`` after the lifespan
    start-up: the process then runs tasks whatever the queue's own setting
    says (idempotent). A queue without it cannot serve dedicated workers.
    """

    async def start_worker(self) -> None: ...


class TaskObserver:
    """Callbacks for task events; subclass and override only what you need.

    Methods left as they are here are never called: the queue looks once, when it is
    built, at which ones were overridden. A callback that raises is logged and ignored.
    """

    def started(self, info: TaskInfo) -> None:
        """An attempt began (``info.attempts`` counts it)."""

    def succeeded(self, info: TaskInfo) -> None:
        """The task returned."""

    def retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        """An attempt failed and another runs after ``delay`` seconds."""

    def failed(self, info: TaskInfo, error: BaseException) -> None:
        """The task failed for good and went to the dead letters."""

    def cancelled(self, info: TaskInfo) -> None:
        """The task was cancelled through its handle."""

    def abandoned(self, info: TaskInfo) -> None:
        """Shutdown reached its deadline before the task finished."""
