"""The task queue through the app: lifespan, handlers, Response.add_task, settings, hooks, replacement."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any

import pytest

import hornbeam.plugins.tasks as tasks_plugin
from hornbeam import App, ConfigurationError, Request, Response, hookimpl
from hornbeam.plugins.tasks import InMemoryTaskQueue
from hornbeam.tasks import ShutdownReport, TaskInfo, TaskStatus
from hornbeam.testing import AsyncTestClient, LifespanFailed, TestClient

ASGIMessage = dict[str, Any]


def info_json(info: TaskInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {"id": info.id, "name": info.name, "status": str(info.status), "attempts": info.attempts,
            "max_attempts": info.max_attempts, "last_error": info.last_error}


def with_status_route(app: App) -> None:
    @app.get("/status/{task_id}")
    async def status(request: Request[None, None], task_id: str) -> dict[str, Any]:
        return {"task": info_json(await app.tasks.get(task_id))}


def counters(app: App) -> Mapping[str, int]:
    """The queue's counters from sync test code (the in-memory queue answers without its loop)."""
    return asyncio.run(app.tasks.counters())


def wait_for(client: TestClient, task_id: str, limit: float = 30.0) -> dict[str, Any]:
    """Poll the status route until the task reaches a terminal status.

    ``limit`` is a hang guard, not a speed check: generous, so a busy machine never trips it.
    """
    deadline = time.monotonic() + limit
    while True:
        task = client.get(f"/status/{task_id}").json()["task"]
        if task is not None and task["status"] in ("succeeded", "failed", "cancelled"):
            return dict(task)
        if time.monotonic() > deadline:
            pytest.fail(f"task {task_id} still {task} after {limit} s")
        time.sleep(0.01)


def test_app_tasks_is_the_builtin_queue_once_started() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="while the app's lifespan runs"):
        app.tasks
    with TestClient(app):
        assert isinstance(app.tasks, InMemoryTaskQueue)
        assert app.plugins.providers["hornbeam_task_queue"] == "tasks"


def test_enqueue_from_a_handler_and_read_the_status() -> None:
    app = App(settings={"tasks_backoff": 0.01})
    done: list[str] = []
    flaky_calls = itertools.count(1)

    async def deliver(to: str, *, subject: str) -> str:
        if next(flaky_calls) == 1:
            raise ConnectionError("smtp down")
        done.append(f"{to}:{subject}")
        return "sent"

    @app.post("/mail")
    async def mail(request: Request[None, None]) -> dict[str, Any]:
        handle = await app.tasks.enqueue(deliver, "ann@example.com", subject="hi")
        return {"task_id": handle.id, "status": str(handle.status)}

    with_status_route(app)
    with TestClient(app) as client:
        answer = client.post("/mail").json()
        assert answer["status"] == "queued"
        task = wait_for(client, answer["task_id"])
        assert client.get("/status/nope").json() == {"task": None}
    assert task == {
        "id": answer["task_id"], "name": "test_enqueue_from_a_handler_and_read_the_status.<locals>.deliver",
        "status": "succeeded", "attempts": 2, "max_attempts": 3, "last_error": "ConnectionError: smtp down",
    }
    assert done == ["ann@example.com:hi"]


def test_response_tasks_run_after_the_response_was_sent() -> None:
    app = App()
    events: list[str] = []

    async def audit(action: str, *, user: str) -> None:
        events.append(f"task {action} by {user}")

    def log_sync(message: str) -> None:  # sync functions go through the queue's threads
        events.append(f"sync {message}")

    @app.get("/")
    async def index(request: Request[None, None]) -> Response:
        response = Response("ok")
        response.add_task(audit, "read", user="ann")
        response.add_task(log_sync, "read")
        events.append("handler")
        return response

    async def recording(scope: ASGIMessage, receive: Any, send: Any) -> None:
        async def send_then_record(message: ASGIMessage) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # A task enqueued before the send would run during this pause and come first.
                await asyncio.sleep(0.05)
                events.append("sent")

        await app(scope, receive, send_then_record)

    with TestClient(recording) as client:
        assert client.get("/").text == "ok"
        deadline = time.monotonic() + 30  # a hang guard, not a speed check
        while counters(app)["succeeded"] < 2:
            if time.monotonic() > deadline:
                pytest.fail(f"tasks not done after 30 s: {events}")
            time.sleep(0.01)
    assert events[:2] == ["handler", "sent"]
    assert sorted(events[2:]) == ["sync read", "task read by ann"]


def test_add_task_runs_once_unless_asked_for_more() -> None:
    app = App(settings={"tasks_backoff": 0.001})  # the queue's default is 3 attempts
    calls = {"once": 0, "thrice": 0}

    async def flaky(label: str) -> None:
        calls[label] += 1
        raise ConnectionError(label)

    @app.get("/")
    async def index(request: Request[None, None]) -> Response:
        response = Response("ok")
        response.add_task(flaky, "once")
        response.add_task_with(app.tasks.options(max_attempts=3, name="thrice"), flaky, "thrice")
        return response

    with TestClient(app) as client:
        assert client.get("/").text == "ok"
        deadline = time.monotonic() + 30  # a hang guard, not a speed check
        while counters(app)["failed"] < 2:
            if time.monotonic() > deadline:
                pytest.fail(f"tasks not done after 30 s: {calls}")
            time.sleep(0.01)
        dead = asyncio.run(app.tasks.dead_letters())
    assert calls == {"once": 1, "thrice": 3}
    assert sorted((info.name, info.attempts, info.max_attempts) for info in dead) == [
        ("test_add_task_runs_once_unless_asked_for_more.<locals>.flaky", 1, 1),
        ("thrice", 3, 3),
    ]


def test_a_queue_with_sync_lookups_is_refused_at_start_up() -> None:
    class OldQueue(ListQueue):
        def get(self, task_id: str) -> TaskInfo | None:  # type: ignore[override]
            return None

    class OldPlugin:
        hornbeam_plugin_name = "old-queue"

        @hookimpl
        def hornbeam_task_queue(self) -> ListQueue:
            return OldQueue()

    app = App(plugins=[OldPlugin()])
    with pytest.raises(LifespanFailed, match=r"old-queue.*get\(\) must be async def"):
        with TestClient(app):
            pass


def test_settings_configure_the_queue() -> None:
    app = App(settings={"tasks_workers": 2, "tasks_max_attempts": 1, "tasks_max_queued": 10})
    running = 0
    peak = 0

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return n * n

    async def broken() -> None:
        raise ValueError("no")

    @app.post("/batch")
    async def batch(request: Request[None, None]) -> dict[str, Any]:
        handles = [await app.tasks.enqueue(work, n) for n in range(8)]
        failing = await app.tasks.enqueue(broken)
        results = [await handle for handle in handles]
        await asyncio.wait([asyncio.ensure_future(_settle(failing))])
        return {"results": results, "failed": info_json(await failing.info())}

    with TestClient(app) as client:
        answer = client.post("/batch").json()
    assert answer["results"] == [n * n for n in range(8)]
    assert peak == 2
    assert answer["failed"]["status"] == "failed"
    assert answer["failed"]["attempts"] == answer["failed"]["max_attempts"] == 1


async def _settle(handle: Awaitable[Any]) -> None:
    try:
        await handle
    except Exception:
        pass


class Watcher:
    """A plugin observing every task event through the hooks."""

    hornbeam_plugin_name = "watcher"

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    @hookimpl
    def hornbeam_task_started(self, info: TaskInfo) -> None:
        self.events.append(("started", info.name, info.attempts))

    @hookimpl
    def hornbeam_task_succeeded(self, app: App, info: TaskInfo) -> None:
        assert isinstance(app, App)
        self.events.append(("succeeded", info.name, info.attempts))

    @hookimpl
    def hornbeam_task_retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        assert isinstance(error, OSError) and 0 <= delay <= 0.01
        self.events.append(("retried", info.name, info.attempts))

    @hookimpl
    def hornbeam_task_failed(self, info: TaskInfo, error: BaseException) -> None:
        assert isinstance(error, OSError)
        self.events.append(("failed", info.name, info.attempts))


def test_task_hooks_are_called_when_implemented(caplog: pytest.LogCaptureFixture) -> None:
    watcher = Watcher()
    app = App(plugins=[watcher], settings={"tasks_backoff": 0.01, "tasks_max_attempts": 2})
    calls = itertools.count(1)

    async def flaky() -> None:
        if next(calls) == 1:
            raise OSError("once")

    async def doomed() -> None:
        raise OSError("always")

    @app.post("/run")
    async def run(request: Request[None, None]) -> str:
        first = await app.tasks.options(name="flaky").enqueue(flaky)
        await first
        second = await app.tasks.options(name="doomed").enqueue(doomed)
        await _settle(second)
        return "done"

    with caplog.at_level(logging.ERROR, logger="hornbeam.tasks"), TestClient(app) as client:
        assert client.post("/run").text == "done"
    assert watcher.events == [
        ("started", "flaky", 1), ("retried", "flaky", 1), ("started", "flaky", 2), ("succeeded", "flaky", 2),
        ("started", "doomed", 1), ("retried", "doomed", 1), ("started", "doomed", 2), ("failed", "doomed", 2),
    ]
    assert "doomed" in caplog.text  # dead letters are logged whether or not a hook listens


def test_task_hooks_are_not_wired_when_nobody_implements_them() -> None:
    app = App()
    with TestClient(app):
        queue = app.tasks
        assert isinstance(queue, InMemoryTaskQueue)
        callbacks = [queue._on_started, queue._on_succeeded, queue._on_retried, queue._on_failed,
                     queue._on_cancelled, queue._on_abandoned]
        assert callbacks == [None] * 6

    class OnlyFailures:
        @hookimpl
        def hornbeam_task_failed(self, info: TaskInfo, error: BaseException) -> None: ...

    app = App(plugins=[OnlyFailures()])
    with TestClient(app):
        queue = app.tasks
        assert isinstance(queue, InMemoryTaskQueue)
        assert queue._on_failed is not None
        assert queue._on_started is queue._on_succeeded is queue._on_abandoned is None


def test_tasks_abandoned_at_shutdown_are_reported_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    abandoned: list[TaskInfo] = []

    class Keeper:
        @hookimpl
        def hornbeam_task_abandoned(self, info: TaskInfo) -> None:
            abandoned.append(info)

    app = App(plugins=[Keeper()], settings={"tasks_workers": 1, "tasks_shutdown_deadline": 0.1})

    async def slow() -> None:
        await asyncio.sleep(30)

    @app.post("/slow")
    async def enqueue(request: Request[None, None]) -> list[str]:
        return [(await app.tasks.enqueue(slow)).id for _ in range(3)]

    with caplog.at_level(logging.WARNING, logger="hornbeam.tasks"), TestClient(app) as client:
        ids = client.post("/slow").json()
    assert sorted(info.id for info in abandoned) == sorted(ids)
    assert {info.status for info in abandoned} == {TaskStatus.CANCELLED}
    assert sorted(info.attempts for info in abandoned) == [0, 0, 1]  # one running, two queued
    logged = [r.getMessage() for r in caplog.records if r.name == "hornbeam.tasks" and "abandoned" in r.message]
    assert len(logged) == 3
    for task_id in ids:
        assert any(task_id in line for line in logged), (task_id, logged)
    assert counters(app)["abandoned"] == 3


class _Handle:
    """The handle of ``ListQueue``: a thin wrapper around an asyncio task."""

    def __init__(self, task_id: str, name: str, future: asyncio.Future[Any]) -> None:
        self.id = task_id
        self.name = name
        self.future = future

    @property
    def status(self) -> TaskStatus:
        if not self.future.done():
            return TaskStatus.RUNNING
        if self.future.cancelled():
            return TaskStatus.CANCELLED
        return TaskStatus.FAILED if self.future.exception() is not None else TaskStatus.SUCCEEDED

    async def info(self) -> TaskInfo:
        return TaskInfo(self.id, self.name, self.status, 1, 1, 0.0)

    async def cancel(self) -> bool:
        return self.future.cancel()

    def __await__(self) -> Generator[Any, None, Any]:
        return asyncio.shield(self.future).__await__()


class ListQueue:
    """A toy queue: every task starts at once; enough of ``hornbeam.tasks.TaskQueue`` for an app."""

    def __init__(self) -> None:
        self.handles: dict[str, _Handle] = {}
        self.state = "new"

    async def start(self) -> None:
        self.state = "started"

    async def shutdown(self, deadline: float = 10.0) -> ShutdownReport:
        self.state = "closed"
        if self.handles:
            await asyncio.wait([h.future for h in self.handles.values()], timeout=deadline)
        return ShutdownReport(len(self.handles), ())

    async def enqueue(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> _Handle:
        handle = _Handle(uuid.uuid4().hex, func.__name__, asyncio.ensure_future(func(*args, **kwargs)))
        self.handles[handle.id] = handle
        return handle

    def options(self, **settings: Any) -> ListQueue:
        return self

    async def get(self, task_id: str) -> TaskInfo | None:
        handle = self.handles.get(task_id)
        return await handle.info() if handle is not None else None

    async def dead_letters(self) -> Sequence[TaskInfo]:
        return ()

    async def counters(self) -> Mapping[str, int]:
        return {"enqueued": len(self.handles)}


def test_a_user_plugin_replaces_the_builtin_queue() -> None:
    queues: list[ListQueue] = []

    class MyQueue:
        hornbeam_plugin_name = "my-queue"

        @hookimpl
        def hornbeam_task_queue(self, app: App) -> ListQueue:
            queues.append(ListQueue())
            return queues[-1]

    app = App(plugins=[MyQueue()])
    seen: list[str] = []

    async def note(text: str) -> str:
        seen.append(text)
        return text

    @app.post("/note")
    async def post_note(request: Request[None, None]) -> Response:
        handle = await app.tasks.enqueue(note, "from handler")
        response = Response(handle.id)
        response.add_task(note, "after response")
        return response

    with_status_route(app)
    with TestClient(app) as client:
        assert app.tasks is queues[0] and queues[0].state == "started"
        assert app.plugins.providers["hornbeam_task_queue"] == "my-queue"
        assert "tasks" in [info.name for info in app.plugins.loaded()]  # replaced, not disabled
        task_id = client.post("/note").text
        assert wait_for(client, task_id)["status"] == "succeeded"
    assert queues[0].state == "closed"
    assert sorted(seen) == ["after response", "from handler"]


def test_disabling_the_tasks_plugin(caplog: pytest.LogCaptureFixture) -> None:
    app = App(disable_plugins=["tasks"])

    async def job() -> None: ...

    @app.post("/job")
    async def post_job(request: Request[None, None]) -> str:
        await app.tasks.enqueue(job)
        return "queued"

    @app.get("/later")
    async def later(request: Request[None, None]) -> Response:
        response = Response("answered")
        response.add_task(job)
        return response

    with caplog.at_level(logging.ERROR, logger="hornbeam"), TestClient(app) as client:
        with pytest.raises(ConfigurationError, match="enable the built-in 'tasks' plugin"):
            app.tasks
        assert "hornbeam_task_queue" not in app.plugins.providers
        assert client.post("/job").status_code == 500
        assert client.get("/later").text == "answered"  # the client has its answer; the loss is logged
    assert "could not enqueue" in caplog.text


def test_each_lifespan_cycle_gets_a_fresh_queue() -> None:
    app = App()
    results: list[int] = []

    async def record(n: int) -> None:
        results.append(n)

    @app.post("/record/{n:int}")
    async def post_record(request: Request[None, None], n: int) -> str:
        return (await app.tasks.enqueue(record, n)).id

    with_status_route(app)
    queues = []
    for cycle in (1, 2):
        with TestClient(app) as client:
            queues.append(app.tasks)
            task_id = client.post(f"/record/{cycle}").text
            assert wait_for(client, task_id)["status"] == "succeeded"
    assert queues[0] is not queues[1]
    assert results == [1, 2]
    assert counters(app)["succeeded"] == 1


# A request that goes away must not take its tasks with it.


def http_scope(path: str, method: str = "GET") -> ASGIMessage:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [], "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "state": {},
    }


@pytest.mark.parametrize("how", ["cancel-while-busy", "cancel-while-awaiting-handle", "disconnect"])
def test_a_request_going_away_never_cancels_its_task(how: str) -> None:
    app = App()
    handles: list[Any] = []

    async def job() -> str:
        await asyncio.sleep(0.05)
        return "done"

    @app.post("/work")
    async def work(request: Request[None, None]) -> str:
        handle = await app.tasks.enqueue(job)
        handles.append(handle)
        if how == "cancel-while-busy":
            await asyncio.sleep(30)
        elif how == "cancel-while-awaiting-handle":
            await handle
        else:
            await request.body()  # the client is gone: ClientDisconnect ends the request
        return "unreachable"

    async def main() -> None:
        sent: list[ASGIMessage] = []

        async def receive() -> ASGIMessage:
            if how == "disconnect":
                return {"type": "http.disconnect"}
            await asyncio.sleep(30)
            raise AssertionError("not reached")

        async def send(message: ASGIMessage) -> None:
            sent.append(message)

        async with AsyncTestClient(app):
            request = asyncio.create_task(app(http_scope("/work", "POST"), receive, send))
            while not handles and not request.done():
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.01)  # the job is running now
            if how == "disconnect":
                await request
            else:
                request.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await request
            assert await handles[0] == "done"
            assert handles[0].status is TaskStatus.SUCCEEDED
            assert (await app.tasks.counters())["cancelled"] == 0
        assert sent == []

    asyncio.run(main())


# Static typing of Response.add_task


ADD_TASK_GOOD = """\
from hornbeam import Response, TaskQueue


async def notify(item_id: int, *, channel: str = "email") -> None:
    pass


def log_line(message: str) -> None:
    pass


def build(queue: TaskQueue) -> Response:
    response = Response(b"")
    response.add_task(notify, 1)
    response.add_task(notify, 1, channel="sms")
    response.add_task(log_line, "x")
    response.add_task(log_line, message="x")
    response.add_task_with(queue.options(max_attempts=3), notify, 2, channel="sms")
    return response
"""

ADD_TASK_BAD = """\
from hornbeam import Response, TaskQueue


async def notify(item_id: int, *, channel: str = "email") -> None:
    pass


def log_line(message: str) -> None:
    pass


def build(queue: TaskQueue) -> Response:
    response = Response(b"")
    response.add_task(notify, "1")  # E
    response.add_task(notify, 1, chanel="sms")  # E
    response.add_task(notify, 1, channel=2)  # E
    response.add_task(notify, 1, "sms")  # E
    response.add_task(log_line)  # E
    response.add_task(log_line, b"x")  # E
    response.add_task_with(queue.options(max_attempts=3), notify, "2")  # E
    response.add_task_with(queue, log_line)  # E
    return response
"""


def test_add_task_arguments_are_type_checked(mypy_rejects_exactly: Callable[[str, str], None]) -> None:
    mypy_rejects_exactly(ADD_TASK_GOOD, ADD_TASK_BAD)
