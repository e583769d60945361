"""The task-queue contract's value types: statuses, snapshots, errors, the no-op observer, typed enqueue."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from hornbeam.tasks import (
    TERMINAL_STATUSES,
    ShutdownReport,
    TaskCancelled,
    TaskError,
    TaskFailed,
    TaskInfo,
    TaskObserver,
    TaskQueueClosed,
    TaskQueueFull,
    TaskStatus,
)

INFO = TaskInfo(id="t1", name="send", status=TaskStatus.FAILED, attempts=3, max_attempts=3, created_at=1.0,
                last_error="ConnectionError: down")  # fmt: skip


def test_statuses_are_strings_and_three_are_terminal() -> None:
    assert [s.value for s in TaskStatus] == ["queued", "running", "retrying", "succeeded", "failed", "cancelled"]
    assert TERMINAL_STATUSES == {TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED}
    assert TaskStatus("running") == "running"


def test_a_snapshot_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        INFO.attempts = 4  # type: ignore[misc]
    assert ShutdownReport(drained=1, abandoned=(INFO,)).abandoned == (INFO,)


def test_errors_say_which_task_and_why() -> None:
    failed, cancelled = TaskFailed(INFO), TaskCancelled(INFO)
    assert str(failed) == "task t1 (send) failed: ConnectionError: down" and failed.info is INFO
    assert str(cancelled) == "task t1 (send) was cancelled"
    for error in (failed, cancelled, TaskQueueFull("full"), TaskQueueClosed("closed")):
        assert isinstance(error, TaskError)


def test_the_base_observer_ignores_every_event() -> None:
    observer = TaskObserver()
    events: list[Any] = [
        observer.started(INFO), observer.succeeded(INFO), observer.retried(INFO, ValueError(), 0.1),
        observer.failed(INFO, ValueError()), observer.cancelled(INFO), observer.abandoned(INFO),
    ]  # fmt: skip
    assert events == [None] * 6


def test_enqueue_is_checked_against_the_task_function(mypy_rejects_exactly: Any) -> None:
    header = (
        "from hornbeam import App\n"
        "from hornbeam.tasks import TaskHandle\n"
        "async def send(to: str, *, retries: int = 1) -> bool:\n"
        "    return True\n"
        "async def use(app: App) -> None:\n"
    )
    good = header + (
        "    handle: TaskHandle[bool] = await app.tasks.enqueue(send, 'a@b', retries=2)\n"
        "    ok: bool = await handle\n"
        "    await app.tasks.options(max_attempts=3, key='k').enqueue(send, 'a@b')\n"
    )
    bad = header + (
        "    await app.tasks.enqueue(send, 1)  # E\n"
        "    await app.tasks.enqueue(send, 'a@b', retry=2)  # E\n"
        "    handle: TaskHandle[str] = await app.tasks.enqueue(send, 'a@b')  # E\n"
    )
    mypy_rejects_exactly(good, bad)
