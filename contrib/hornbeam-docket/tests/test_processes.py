"""Several real processes on one real Redis: a task outlives its process, and every process sees every task.

Timestamps come from Redis's clock (``TIME``), recorded by the tasks
themselves, so they compare across processes; they are only ever checked as
lower bounds or for order. Each ``until`` limit is a guard against a hang.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from servers import ROOT, Process, environment, start_server, start_worker, until

pytestmark = pytest.mark.e2e


@pytest.fixture
def journal(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


def records(journal: Redis, queue: str, kind: str, label: str) -> list[tuple[int, float]]:
    """``(pid, redis time)`` of each start or end of the task labelled ``label``, in order."""
    entries = journal.lrange(f"journal:{queue}:{kind}:{label}", 0, -1)
    return [(int(pid), float(at)) for pid, at in (text(entry).split() for entry in entries)]


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def finished(client: httpx.Client, task_id: str) -> dict[str, Any] | None:
    body: dict[str, Any] = client.get(f"/tasks/{task_id}").json()
    return body if body["status"] in ("succeeded", "failed", "cancelled") else None


def stop_all(*processes: Process) -> None:
    for process in processes:
        process.stop()


def test_the_sample_enqueues_on_a_runs_on_b_and_b_answers(
    redis_url: str, queue_name: str, tmp_path: Path, journal: Redis
) -> None:
    web = start_server("sample:app", tmp_path / "a.log", environment(redis_url, queue_name, docket_worker=False), ROOT)
    worker = start_server("sample:app", tmp_path / "b.log", environment(redis_url, queue_name), ROOT)
    try:
        with web.client() as a, worker.client() as b:
            item = a.post("/items", json={"name": "kettle", "price": 30}).json()
            task_id = a.post(f"/items/{item['id']}/notify").json()["task_id"]
            task = until(lambda: finished(b, task_id), 60, "the task's end, seen through B")
            assert task == {
                "id": task_id, "name": "notify_watchers", "status": "succeeded", "attempts": 2, "max_attempts": 3,
                "last_error": "ConnectionError: mail server busy", "result": f"'mailed about item {item['id']}'",
            }  # fmt: skip
            assert a.get(f"/tasks/{task_id}").json() == task  # A answers from Redis too
        ran_on = journal.hget(f"{queue_name}:runs:{task_id}", "worker")
        assert ran_on is not None and text(ran_on).endswith(f"#{worker.pid}")
    finally:
        stop_all(web, worker)


def test_sigkill_mid_task_runs_it_again_on_the_other_process(
    redis_url: str, queue_name: str, tmp_path: Path, journal: Redis
) -> None:
    env = environment(redis_url, queue_name, docket_redelivery_timeout=2)
    first = start_server("durable_app:app", tmp_path / "a.log", env)
    second = start_server("durable_app:app", tmp_path / "b.log", env)
    try:
        with first.client() as client:
            task_id = client.post("/pause/crash/3").json()["task_id"]
        started = until(lambda: records(journal, queue_name, "starts", "crash"), 30, "the first start")
        victim, survivor = (first, second) if started[0][0] == first.pid else (second, first)
        victim.signal(signal.SIGKILL)
        victim.wait()
        with survivor.client() as client:
            task = until(lambda: finished(client, task_id), 60, "the task's end on the survivor")
        assert task["status"] == "succeeded" and task["attempts"] == 2  # the killed attempt counts
        starts = records(journal, queue_name, "starts", "crash")
        assert [pid for pid, _ in starts] == [victim.pid, survivor.pid]
        assert [pid for pid, _ in records(journal, queue_name, "ends", "crash")] == [survivor.pid]
        # Redelivered only once the killed worker's lease had lapsed, never before.
        assert starts[1][1] - starts[0][1] >= 2.0
    finally:
        stop_all(first, second)


def test_sigterm_drains_hands_back_and_leaves_the_queue_alone(
    redis_url: str, queue_name: str, tmp_path: Path, journal: Redis
) -> None:
    settings: dict[str, Any] = {"docket_redelivery_timeout": 2, "docket_concurrency": 3, "tasks_shutdown_deadline": 2}
    worker = start_server("durable_app:app", tmp_path / "worker.log", environment(redis_url, queue_name, **settings))
    web = start_server("durable_app:app", tmp_path / "web.log", environment(redis_url, queue_name, docket_worker=False))
    successor: Process | None = None
    try:
        with web.client() as client:
            ids = {label: client.post(f"/pause/{label}/{seconds}").json()["task_id"]
                   for label, seconds in [("long1", 4), ("long2", 4), ("short", 1.5), ("queued1", 0.1), ("queued2", 0.1)]}  # fmt: skip
            for label in ("long1", "long2", "short"):
                until(lambda: records(journal, queue_name, "starts", label), 30, f"{label} starting")
            worker.signal(signal.SIGTERM)
            assert worker.wait() in (0, -signal.SIGTERM), worker.log
            log = worker.log
            assert records(journal, queue_name, "ends", "short")  # finished within the deadline
            for label in ("long1", "long2"):
                assert f"task {ids[label]} (pause) handed back at shutdown" in log, log
                assert not records(journal, queue_name, "ends", label)
                assert client.get(f"/tasks/{ids[label]}").json()["attempts"] == 1
            for label in ("queued1", "queued2"):  # never claimed: still queued for the next worker
                assert client.get(f"/tasks/{ids[label]}").json()["status"] == "queued"
                assert not records(journal, queue_name, "starts", label)
            assert "Traceback" not in log, log
            successor = start_worker("durable_app:app", tmp_path / "successor.log", environment(redis_url, queue_name, **settings))
            outcomes = {label: until(lambda: finished(client, task_id), 60, f"{label} done by the successor")
                        for label, task_id in ids.items()}  # fmt: skip
        assert {label: (task["status"], task["attempts"]) for label, task in outcomes.items()} == {
            "long1": ("succeeded", 2), "long2": ("succeeded", 2), "short": ("succeeded", 1),
            "queued1": ("succeeded", 1), "queued2": ("succeeded", 1),
        }  # fmt: skip
        for label in ("long1", "long2", "queued1", "queued2"):
            assert records(journal, queue_name, "ends", label)[-1][0] == successor.pid
        assert successor.stop() == 0, successor.log
    finally:
        stop_all(worker, web, *([successor] if successor else []))


def test_ten_thousand_tasks_across_two_processes(redis_url: str, queue_name: str, tmp_path: Path, journal: Redis) -> None:
    env = environment(redis_url, queue_name, docket_concurrency=20)
    first = start_server("durable_app:app", tmp_path / "a.log", env)
    second = start_server("durable_app:app", tmp_path / "b.log", env)
    try:
        with first.client() as a, second.client() as b, ThreadPoolExecutor(4) as pool:
            a.timeout = b.timeout = httpx.Timeout(120)
            bursts = [pool.submit(a.post, "/burst/0/5000"), pool.submit(b.post, "/burst/5000/5000")]
            # The same idempotency key, through both processes, while the bursts run.
            repeats = [pool.submit((a, b)[n % 2].post, "/once/receipt") for n in range(60)]
            assert [burst.result().json() for burst in bursts] == [{"enqueued": 5000}] * 2
            assert len({repeat.result().json()["task_id"] for repeat in repeats}) == 1
            done_key = f"journal:{queue_name}:done"
            until(lambda: journal.scard(done_key) == 10_000, 300, "all 10,000 tasks done")
            assert {int(n) for n in journal.smembers(done_key)} == set(range(10_000))  # none lost
            assert journal.get(f"journal:{queue_name}:runs:receipt") == b"1"  # ran once
            counted = until(lambda: (c := a.get("/counters").json())["succeeded"] == 10_001 and c, 30, "counters")
        assert {name: counted[name] for name in ("enqueued", "succeeded", "failed", "cancelled")} == {
            "enqueued": 10_001, "succeeded": 10_001, "failed": 0, "cancelled": 0,
        }
    finally:
        stop_all(first, second)
