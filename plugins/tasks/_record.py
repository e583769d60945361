"""One task's mutable record, which doubles as the handle given to the caller."""

from __future__ import annotations

import asyncio
import contextvars
import reprlib
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from hornbeam.tasks import (
    TERMINAL_STATUSES,
    TaskCancelled,
    TaskFailed,
    TaskInfo,
    TaskStatus,
)

R = TypeVar("R")

_SUCCEEDED = TaskStatus.SUCCEEDED
_FAILED = TaskStatus.FAILED


@dataclass(frozen=True, slots=True)
class Settings:
    """Per-task settings after merging options with the queue defaults."""

    name: str | None
    max_attempts: int
    timeout: float | None
    retry_on: tuple[type[BaseException], ...]
    key: str | None = None


class _Owner(Protocol):
    def _cancel(self, task: Task[Any]) -> bool: ...


def describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__qualname__}: {text}" if text else type(error).__qualname__


def short_repr(value: object) -> str:
    # reprlib caps the length and already survives a __repr__ that raises.
    return reprlib.repr(value)


class Task(Generic[R]):
    """The queue's record of one task; as a ``TaskHandle`` it is what ``enqueue`` returns."""

    __slots__ = (
        "_id",
        "name",
        "_status",
        "attempts",
        "max_attempts",
        "timeout",
        "retry_on",
        "created_at",
        "started_at",
        "finished_at",
        "error",
        "last_error",
        "result",
        "func",
        "args",
        "kwargs",
        "is_async",
        "context",
        "cancel_requested",
        "attempt",
        "timer",
        "_done",
        "_owner",
    )

    def __init__(
        self,
        owner: _Owner,
        task_id: str,
        name: str,
        settings: Settings,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        is_async: bool,
        created_at: float,
    ) -> None:
        self._owner = owner
        self._id = task_id
        self.name = name
        self._status = TaskStatus.QUEUED
        self.attempts = 0
        self.max_attempts = settings.max_attempts
        self.timeout = settings.timeout
        self.retry_on = settings.retry_on
        self.created_at = created_at
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.error: BaseException | None = None
        self.last_error: str | None = None
        self.result: Any = None
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = is_async
        self.context: contextvars.Context | None = contextvars.copy_context()
        self.cancel_requested = False
        self.attempt: asyncio.Task[Any] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self._done = asyncio.Event()

    @property
    def id(self) -> str:
        return self._id

    @property
    def status(self) -> TaskStatus:
        return self._status

    def set_status(self, status: TaskStatus) -> None:
        self._status = status

    def done(self) -> bool:
        return self._status in TERMINAL_STATUSES

    def mark_done(self) -> None:
        self._done.set()

    async def info(self) -> TaskInfo:
        """A snapshot of the task (the in-memory queue also offers ``snapshot()``, without awaiting)."""
        return self.snapshot()

    def snapshot(self) -> TaskInfo:
        """The task's ``TaskInfo`` now; call it from the event loop thread."""
        return TaskInfo(
            id=self._id,
            name=self.name,
            status=self._status,
            attempts=self.attempts,
            max_attempts=self.max_attempts,
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            last_error=self.last_error,
            result=short_repr(self.result) if self._status is _SUCCEEDED else None,
        )

    async def cancel(self) -> bool:
        """Request cancellation; False when the task already finished or just returned."""
        return self._owner._cancel(self)

    def cancel_nowait(self) -> bool:
        """``cancel`` without awaiting, for code outside a coroutine on the loop thread."""
        return self._owner._cancel(self)

    def __await__(self) -> Generator[Any, None, R]:
        return self._wait().__await__()

    async def _wait(self) -> R:
        # Event.wait, unlike awaiting a shared future, is not cancelled along with
        # the awaiting coroutine, so the task survives its awaiter being cancelled.
        await self._done.wait()
        if self._status is _SUCCEEDED:
            result: R = self.result
            return result
        if self._status is _FAILED:
            raise TaskFailed(self.snapshot()) from self.error
        raise TaskCancelled(self.snapshot())

    def __repr__(self) -> str:
        return f"<Task {self._id} {self.name!r} {self._status}>"
