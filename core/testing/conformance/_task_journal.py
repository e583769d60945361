"""What the task-queue contract tests run: module-level task functions and the journals they write.

The functions live at module level and find their journal by a token argument,
so a queue that pickles tasks (by reference, as cloudpickle does for importable
functions) runs exactly these functions in its worker, and the test reads what
they did. That holds as long as the worker runs in the test's process.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field

from hornbeam.tasks import TaskInfo, TaskObserver

__all__ = ["Journal", "Recorder", "add", "multiply", "flaky", "hold"]

_journals: dict[str, Journal] = {}


@dataclass(eq=False)
class Journal:
    """One test's record of task attempts: entries, timestamps, the running count and its peak."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    calls: int = 0
    running: int = 0
    peak: int = 0
    starts: list[float] = field(default_factory=list)
    cancelled: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        _journals[self.token] = self

    def close(self) -> None:
        _journals.pop(self.token, None)

    async def entered(self, calls: int) -> None:
        """Wait until ``calls`` attempts have started."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.calls >= calls)

    async def _enter(self) -> int:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.starts.append(time.monotonic())
            calls = self.calls
        async with self._changed:
            self._changed.notify_all()
        return calls

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1


def _journal(token: str) -> Journal:
    return _journals[token]


async def add(token: str, a: int, b: int = 0) -> int:
    """Return ``a + b``."""
    journal = _journal(token)
    await journal._enter()
    journal._leave()
    return a + b


def multiply(a: int, b: int) -> int:
    """A sync task: queues run it in a thread."""
    return a * b


async def flaky(token: str, failures: int, error: type[Exception] = ValueError) -> str:
    """Fail the first ``failures`` attempts with ``error("attempt N")``, then return ``"ok"``."""
    journal = _journal(token)
    calls = await journal._enter()
    journal._leave()
    if calls <= failures:
        raise error(f"attempt {calls}")
    return "ok"


async def hold(token: str) -> str:
    """Wait for the journal's gate, counting itself as running meanwhile; a cancellation is recorded."""
    journal = _journal(token)
    await journal._enter()
    try:
        await journal.gate.wait()
    except asyncio.CancelledError:
        journal.cancelled += 1
        raise
    finally:
        journal._leave()
    return "released"


class Recorder(TaskObserver):
    """A task observer that keeps every event with the ``TaskInfo`` it came with."""

    def __init__(self) -> None:
        self.events: list[tuple[str, TaskInfo]] = []
        self.delays: list[float] = []
        self.errors: list[BaseException] = []

    def of(self, task_id: str) -> list[tuple[str, TaskInfo]]:
        """The events of one task, in order."""
        return [(event, info) for event, info in self.events if info.id == task_id]

    def started(self, info: TaskInfo) -> None:
        self.events.append(("started", info))

    def succeeded(self, info: TaskInfo) -> None:
        self.events.append(("succeeded", info))

    def retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        self.events.append(("retried", info))
        self.delays.append(delay)
        self.errors.append(error)

    def failed(self, info: TaskInfo, error: BaseException) -> None:
        self.events.append(("failed", info))
        self.errors.append(error)

    def cancelled(self, info: TaskInfo) -> None:
        self.events.append(("cancelled", info))

    def abandoned(self, info: TaskInfo) -> None:
        self.events.append(("abandoned", info))
