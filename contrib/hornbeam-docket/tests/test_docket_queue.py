"""DocketTaskQueue in one process on a real redis-server: retries, timeouts and the concurrency limit
seen through Redis-side timestamps, the plugin and its settings, backends, and the edges of the protocol.
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from docket import Docket
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError

from conftest import RedisServer, start_redis
from hornbeam import App, Request, TaskFailed, TaskQueueClosed, TaskStatus
from hornbeam.tasks import TaskError, TaskInfo, TaskObserver
from hornbeam.testing import TestClient
from hornbeam_docket import SETTINGS, DocketTaskQueue

T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    async def guarded() -> T:
        async with asyncio.timeout(60):  # a guard against a hang, never a measure
            return await main()

    return asyncio.run(guarded())


async def redis_time(redis: Redis) -> float:
    seconds, micros = await redis.time()
    return seconds + micros / 1e6


# Tasks: module level, so they pickle by reference; they write to Redis with Redis's clock.


async def stamp_then_fail(url: str, key: str, failures: int) -> int:
    async with Redis.from_url(url) as redis:
        calls = await redis.rpush(key, await redis_time(redis))
    if calls <= failures:
        raise ConnectionError(f"attempt {calls}")
    return calls


async def stamp_then_hang(url: str, key: str) -> None:
    async with Redis.from_url(url) as redis:
        await redis.rpush(f"{key}:start", await redis_time(redis))
        try:
            await asyncio.sleep(30)
        finally:
            await redis.rpush(f"{key}:stopped", await redis_time(redis))


async def stamp_window(url: str, key: str) -> None:
    """Record a start, wait for a token on the gate list, record the end."""
    async with Redis.from_url(url) as redis:
        await redis.rpush(f"{key}:start", await redis_time(redis))
        await redis.blpop([f"{key}:gate"], timeout=30)
        await redis.rpush(f"{key}:end", await redis_time(redis))


def stamp_sync(url: str, key: str, seconds: float) -> str:
    from redis import Redis as SyncRedis

    with SyncRedis.from_url(url) as redis:
        seconds_now, micros = redis.time()
        redis.rpush(f"{key}:start", seconds_now + micros / 1e6)
        time.sleep(seconds)
        seconds_now, micros = redis.time()
        redis.rpush(f"{key}:end", seconds_now + micros / 1e6)
    return f"slept {seconds}"


async def times(redis: Redis, key: str) -> list[float]:
    return [float(value) for value in await redis.lrange(key, 0, -1)]


class Delays(TaskObserver):
    def __init__(self) -> None:
        self.delays: list[float] = []

    def retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        self.delays.append(delay)


def test_retries_back_off_exponentially_by_redis_time(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        observer = Delays()
        queue = DocketTaskQueue(
            url=redis_url, name=queue_name, max_attempts=4, backoff=0.2, backoff_max=0.5, observer=observer
        )
        await queue.start()
        try:
            handle = await queue.enqueue(stamp_then_fail, redis_url, f"{queue_name}:calls", 3)
            assert await handle == 4
            info = await handle.info()
            assert (info.status, info.attempts, info.last_error) == (TaskStatus.SUCCEEDED, 4, "ConnectionError: attempt 3")
        finally:
            await queue.shutdown()
        assert observer.delays == [0.2, 0.4, 0.5]  # backoff * 2**(n-1), capped; no jitter
        async with Redis.from_url(redis_url) as redis:
            starts = await times(redis, f"{queue_name}:calls")
        gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
        assert all(gap >= delay for gap, delay in zip(gaps, observer.delays)), gaps

    run(main)


def test_a_timeout_stops_the_attempt_no_sooner_than_it_says(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        queue = DocketTaskQueue(url=redis_url, name=queue_name)
        await queue.start()
        try:
            handle = await queue.options(timeout=0.3, max_attempts=1).enqueue(stamp_then_hang, redis_url, queue_name)
            with pytest.raises(TaskFailed) as failed:
                await handle
            assert isinstance(failed.value.__cause__, TimeoutError)
            info = await handle.info()
            assert info.last_error == "TimeoutError" and info.started_at is not None
        finally:
            await queue.shutdown()
        async with Redis.from_url(redis_url) as redis:
            [start], [stopped] = await times(redis, f"{queue_name}:start"), await times(redis, f"{queue_name}:stopped")
        # started_at is docket's claim, before the timeout's clock starts, on this host's clock,
        # which Redis on loopback shares; the task's own start is later than both.
        assert info.started_at <= start < stopped
        assert stopped - info.started_at >= 0.3

    run(main)


def test_the_concurrency_limit_by_redis_time(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        queue = DocketTaskQueue(url=redis_url, name=queue_name, concurrency=3)
        await queue.start()
        try:
            async with Redis.from_url(redis_url) as redis:
                handles = [await queue.enqueue(stamp_window, redis_url, queue_name) for _ in range(8)]
                while await redis.llen(f"{queue_name}:start") < 3:
                    await asyncio.sleep(0.01)
                await redis.rpush(f"{queue_name}:gate", *range(8))
                for handle in handles:
                    await handle
                starts, ends = await times(redis, f"{queue_name}:start"), await times(redis, f"{queue_name}:end")
        finally:
            await queue.shutdown()
        events = sorted([(at, 1) for at in starts] + [(at, -1) for at in ends], key=lambda e: (e[0], e[1]))
        running = peak = 0
        for _, change in events:
            running += change
            peak = max(peak, running)
        assert peak == 3

    run(main)


def test_a_sync_task_runs_in_a_thread_and_keeps_its_slot_past_its_timeout(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        queue = DocketTaskQueue(url=redis_url, name=queue_name, concurrency=1, max_attempts=1)
        await queue.start()
        try:
            stuck = await queue.options(timeout=0.05).enqueue(stamp_sync, redis_url, f"{queue_name}:stuck", 0.3)
            after = await queue.enqueue(stamp_sync, redis_url, f"{queue_name}:after", 0)
            with pytest.raises(TaskFailed) as failed:
                await stuck
            assert isinstance(failed.value.__cause__, TimeoutError)
            assert await after == "slept 0"
            async with Redis.from_url(redis_url) as redis:
                [stuck_end] = await times(redis, f"{queue_name}:stuck:end")
                [after_start] = await times(redis, f"{queue_name}:after:start")
            assert after_start >= stuck_end  # one slot: the thread held it until it returned
        finally:
            await queue.shutdown()

    run(main)


def test_tasks_wait_in_redis_until_a_worker_runs(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        web = DocketTaskQueue(url=redis_url, name=queue_name, worker=False)
        await web.start()
        try:
            handle = await web.enqueue(lambda: "a closure travels by value")
            assert (await handle.info()).status is TaskStatus.QUEUED
            await web.start_worker()
            await web.start_worker()  # idempotent
            assert await handle == "a closure travels by value"
        finally:
            await web.shutdown()

    run(main)


def test_lookups_edges(redis_url: str, queue_name: str) -> None:
    async def main() -> None:
        queue = DocketTaskQueue(url=redis_url, name=queue_name, result_ttl=1)
        with pytest.raises(TaskQueueClosed):
            await queue.enqueue(stamp_sync, redis_url, queue_name, 0)
        await queue.start()
        try:
            async with Docket(name=queue_name, url=redis_url) as docket:  # a task that is not hornbeam's
                foreign = await docket.add(asyncio.sleep, key="foreign")(0)
            assert await queue.get(foreign.key) is None
            handle = await queue.enqueue(stamp_sync, redis_url, queue_name, 0)
            assert await handle == "slept 0"
            assert not await handle.cancel()
            while await queue.get(handle.id) is not None:  # the result retention runs out
                await asyncio.sleep(0.1)
            with pytest.raises(TaskError, match="no longer known"):
                await handle.info()
        finally:
            await queue.shutdown()
        assert await queue.shutdown() is await queue.shutdown()
        with pytest.raises(TaskQueueClosed):
            await queue.enqueue(stamp_sync, redis_url, queue_name, 0)

    run(main)


def test_bad_options_are_refused() -> None:
    queue = DocketTaskQueue()
    bad: dict[str, Any]
    for bad in ({"max_attempts": 0}, {"timeout": 0.0}, {"timeout": -1.0}):
        with pytest.raises(ValueError):
            queue.options(**bad)
    with pytest.raises(TypeError):
        queue.options(retry_on=(int,))  # type: ignore[arg-type]
    wrong: dict[str, Any]
    for wrong in ({"concurrency": 0}, {"poll_interval": 0.0}, {"redelivery_timeout": 0.0}, {"result_ttl": 0.5}, {"backoff": -1.0}):
        with pytest.raises(ValueError):
            DocketTaskQueue(**wrong)
    assert queue.options(timeout=math.inf)._defaults.timeout is None


def test_the_memory_backend_needs_no_server(queue_name: str) -> None:
    async def main() -> None:
        queue = DocketTaskQueue(url="memory://", name=queue_name, max_attempts=1)
        await queue.start()
        try:
            assert await (await queue.enqueue(pow, 2, 10)) == 1024
            failing = await queue.enqueue(math.sqrt, -1)
            with pytest.raises(TaskFailed):
                await failing
            assert [info.id for info in await queue.dead_letters()] == [failing.id]
        finally:
            await queue.shutdown()

    run(main)


def test_a_password_protected_redis(tmp_path: Path, queue_name: str) -> None:
    server: RedisServer = start_redis(tmp_path, password="s3cret")

    async def main() -> None:
        queue = DocketTaskQueue(url=server.url, name=queue_name)
        await queue.start()
        try:
            assert await (await queue.enqueue(pow, 3, 3)) == 27
        finally:
            await queue.shutdown()
        refused = DocketTaskQueue(url=server.url.replace("s3cret", "wrong"), name=queue_name)
        with pytest.raises(AuthenticationError):
            await refused.start()

    try:
        run(main)
    finally:
        server.stop()


# The plugin, through an app.


def test_installed_it_serves_app_tasks_from_its_settings(redis_url: str, queue_name: str) -> None:
    app = App(settings={"docket_url": redis_url, "docket_queue": queue_name, "tasks_max_attempts": 2})

    @app.post("/square/{n:int}")
    async def square(request: Request[None, None], n: int) -> dict[str, Any]:
        handle = await app.tasks.enqueue(pow, n, 2)
        result = await handle
        info = await app.tasks.get(handle.id)
        assert info is not None
        return {"result": result, "max_attempts": info.max_attempts, "queue": repr(app.tasks)}

    with TestClient(app) as client:
        assert app.plugins.providers["hornbeam_task_queue"] == "docket"
        assert isinstance(app.tasks, DocketTaskQueue)
        assert client.post("/square/7").json() == {
            "result": 49, "max_attempts": 2, "queue": f"<DocketTaskQueue {queue_name!r} worker=True>"
        }
    assert {setting.name for setting in SETTINGS} == {
        "docket_url", "docket_queue", "docket_worker", "docket_concurrency", "docket_poll_interval",
        "docket_redelivery_timeout", "docket_result_ttl",
    }  # fmt: skip


def test_settings_come_from_the_environment(redis_url: str, queue_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_DOCKET_URL", redis_url)
    monkeypatch.setenv("HORNBEAM_DOCKET_QUEUE", queue_name)
    monkeypatch.setenv("HORNBEAM_DOCKET_WORKER", "0")
    app = App()
    with TestClient(app):
        assert repr(app.tasks) == f"<DocketTaskQueue {queue_name!r} worker=False>"


def test_the_plugins_command_names_it(redis_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HORNBEAM_")}
    report = subprocess.run(
        [sys.executable, "-m", "hornbeam", "plugins"], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "  docket  [entry point hornbeam_docket]  hornbeam-docket 0.1.0, third-party, loaded" in report
    # It wins over the built-in (trylast) without anyone disabling anything.
    assert "hornbeam_task_queue: docket first in line, asked at start-up (also implemented by tasks)" in report
