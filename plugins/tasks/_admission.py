"""Admission control and the typed ``enqueue`` front shared by a queue and its option sets."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar, overload

from hornbeam.plugins.tasks._record import Settings, Task
from hornbeam.tasks import TaskHandle, TaskQueueClosed, TaskQueueFull

P = ParamSpec("P")
R = TypeVar("R")


class Admission:
    """Counts one slot per unfinished task and hands freed slots to waiters in order."""

    __slots__ = ("capacity", "timeout", "used", "closed", "_waiters")

    def __init__(self, capacity: int, timeout: float) -> None:
        self.capacity = capacity
        self.timeout = timeout
        self.used = 0
        self.closed = False
        self._waiters: deque[asyncio.Future[bool]] = deque()

    def full_error(self) -> TaskQueueFull:
        return TaskQueueFull(f"task queue is full ({self.capacity} unfinished tasks)")

    def try_acquire(self) -> bool:
        if self.closed:
            raise TaskQueueClosed("task queue is shut down")
        if self.used < self.capacity and not self._waiters:
            self.used += 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        if self.timeout <= 0:
            raise self.full_error()
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.timeout):
                granted = await waiter
        except BaseException as error:
            granted = waiter.done() and not waiter.cancelled() and waiter.result()
            if not granted:
                self._drop(waiter)
            if not isinstance(error, TimeoutError):
                if granted:
                    self.release()
                raise
            if granted:
                return  # the slot arrived together with the timeout: keep it
            if self.closed:
                raise TaskQueueClosed("task queue is shut down") from None
            raise TaskQueueFull(
                f"task queue stayed full for {self.timeout}s ({self.capacity} unfinished tasks)"
            ) from None
        if not granted:
            raise TaskQueueClosed("task queue is shut down")

    def release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self.used -= 1

    def close(self) -> None:
        self.closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(False)

    def _drop(self, waiter: asyncio.Future[bool]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass


class _Queue(Protocol):
    _slots: Admission

    def _known(self, task_id: str) -> Task[Any] | None: ...

    def _push(
        self,
        settings: Settings,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> Task[Any]: ...


class Enqueuer:
    """``enqueue`` and ``enqueue_nowait``, typed so that checkers verify the arguments."""

    __slots__ = ()

    def _target(self) -> tuple[_Queue, Settings]:
        raise NotImplementedError

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
        """Submit ``func(*args, **kwargs)``, waiting up to ``enqueue_timeout`` for room.

        Raises ``TaskQueueFull`` when no room appeared in time and ``TaskQueueClosed``
        once shutdown began.
        """
        queue, settings = self._target()
        if settings.key is not None and (known := queue._known(settings.key)) is not None:
            return known  # no need to wait for room
        await queue._slots.acquire()
        return queue._push(settings, func, args, kwargs)

    @overload
    def enqueue_nowait(
        self, func: Callable[P, Coroutine[Any, Any, R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[R]: ...

    @overload
    def enqueue_nowait(
        self, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[R]: ...

    def enqueue_nowait(
        self, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> TaskHandle[Any]:
        """Submit without waiting; raises ``TaskQueueFull`` or ``TaskQueueClosed`` at once.

        Not part of ``hornbeam.TaskQueue``: a queue whose store is remote cannot
        accept a task without awaiting it. Call it from the event loop thread.
        """
        queue, settings = self._target()
        if settings.key is not None and (known := queue._known(settings.key)) is not None:
            return known
        if not queue._slots.try_acquire():
            raise queue._slots.full_error()
        return queue._push(settings, func, args, kwargs)


class TaskOptions(Enqueuer):
    """Enqueues into a queue with per-task settings; made by ``InMemoryTaskQueue.options``."""

    __slots__ = ("_queue", "_settings")

    def __init__(self, queue: _Queue, settings: Settings) -> None:
        self._queue = queue
        self._settings = settings

    def _target(self) -> tuple[_Queue, Settings]:
        return self._queue, self._settings
