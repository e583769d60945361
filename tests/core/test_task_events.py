"""The host's task-event interface: only implemented events are overridden; failures are logged."""

from __future__ import annotations

import logging

import pytest

from hornbeam import App, TaskInfo, TaskObserver, TaskStatus, hookimpl
from hornbeam._task_events import task_events

INFO = TaskInfo(id="t1", name="job", status=TaskStatus.RUNNING, attempts=1, max_attempts=3, created_at=0.0)


def test_only_the_implemented_events_are_overridden() -> None:
    class OnlyFailures:
        @hookimpl
        def hornbeam_task_failed(self, info: TaskInfo, error: BaseException) -> None: ...

    app = App(plugins=[OnlyFailures()])
    app.freeze()
    events = task_events(app)
    overridden = {name for name in ("started", "succeeded", "retried", "failed", "cancelled", "abandoned")
                  if getattr(type(events), name) is not getattr(TaskObserver, name)}  # fmt: skip
    assert overridden == {"failed"}


def test_events_reach_every_implementation_with_their_arguments() -> None:
    seen: list[tuple[str, ...]] = []

    class Watcher:
        @hookimpl
        def hornbeam_task_retried(self, app: App, info: TaskInfo, error: BaseException, delay: float) -> None:
            seen.append(("retried", info.id, type(error).__name__, str(delay)))

        @hookimpl
        def hornbeam_task_cancelled(self, info: TaskInfo) -> None:
            seen.append(("cancelled", info.id))

    app = App(plugins=[Watcher()])
    app.freeze()
    events = task_events(app)
    events.retried(INFO, ValueError("x"), 0.5)
    events.cancelled(INFO)
    assert seen == [("retried", "t1", "ValueError", "0.5"), ("cancelled", "t1")]


def test_a_failing_hook_is_logged_naming_the_plugin_and_the_queue_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        hornbeam_plugin_name = "broken"

        @hookimpl
        def hornbeam_task_started(self, info: TaskInfo) -> None:
            raise RuntimeError("metrics down")

    app = App(plugins=[Broken()])
    app.freeze()
    with caplog.at_level(logging.ERROR, logger="hornbeam.tasks"):
        task_events(app).started(INFO)
    assert "task event hornbeam_task_started for task t1 failed" in caplog.text
    assert "plugin 'broken' failed in hook hornbeam_task_started: RuntimeError: metrics down" in caplog.text
