"""No-op background tasks three ways in one run: hornbeam's in-memory queue, hornbeam-docket, docket itself.

Run: ``make bench-tasks`` (``.venv-docket/bin/python -m bench.tasks --docket``).
It starts a ``redis-server`` on a free loopback port (or uses ``--redis-url``)
and stops it by its process id. Per queue, three figures:

- **enqueue**: microseconds per enqueue of N no-op tasks with no worker
  running, so enqueueing is all that is timed (the in-memory queue's
  ``await enqueue``; hornbeam-docket's ``await app.tasks.enqueue``; docket's
  documented ``await docket.add(task)()``);
- **latency**: enqueue-to-done of one task at a time, awaited through the
  queue's own handle (hornbeam: ``await handle``; docket:
  ``await execution.get_result()``), median of M;
- **throughput**: N no-op tasks enqueued while the worker runs (concurrency
  10 everywhere, in the same process and event loop), until the last is done.

The two Redis queues run the same docket worker with the same settings, so the
difference is the plugin's own cost: its task spec, its runner and its
bookkeeping. Repetitions alternate between the queues and the figure is the
median, so drift on a shared machine lands on all three alike. Redis is
flushed between repetitions.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from docket import Docket, Worker
from redis.asyncio import Redis

from hornbeam.plugins.tasks import InMemoryTaskQueue
from hornbeam_docket import DocketTaskQueue

CONCURRENCY = 10
_done = [0]


async def noop() -> None:
    _done[0] += 1


@dataclass
class Figures:
    enqueue_us: list[float]
    latency_ms: list[float]
    tasks_per_s: list[float]


class Subject:
    """One queue under test: how to enqueue alone, one task end to end, and a batch with a worker."""

    name = ""

    def __init__(self, url: str) -> None:
        self.url = url

    async def enqueue_only(self, n: int) -> float:
        raise NotImplementedError

    async def latency(self, m: int) -> list[float]:
        raise NotImplementedError

    async def throughput(self, n: int) -> float:
        raise NotImplementedError


async def _wait_done(target: int) -> None:
    while _done[0] < target:
        await asyncio.sleep(0.001)


class InMemory(Subject):
    name = "InMemoryTaskQueue"

    def _queue(self) -> InMemoryTaskQueue:
        return InMemoryTaskQueue(workers=CONCURRENCY, max_queued=1_000_000, max_attempts=1)

    async def enqueue_only(self, n: int) -> float:
        queue = self._queue()  # not started: nothing runs while it is timed
        target = _done[0] + n
        start = time.perf_counter()
        for _ in range(n):
            await queue.enqueue(noop)
        elapsed = time.perf_counter() - start
        await queue.start()  # then run them, untimed, so the queue shuts down empty
        await _wait_done(target)
        await queue.shutdown(1)
        return elapsed / n

    async def latency(self, m: int) -> list[float]:
        queue = self._queue()
        await queue.start()
        samples = []
        for _ in range(m):
            start = time.perf_counter()
            await (await queue.enqueue(noop))
            samples.append(time.perf_counter() - start)
        await queue.shutdown(1)
        return samples

    async def throughput(self, n: int) -> float:
        queue = self._queue()
        await queue.start()
        target = _done[0] + n
        start = time.perf_counter()
        for _ in range(n):
            await queue.enqueue(noop)
        await _wait_done(target)
        elapsed = time.perf_counter() - start
        await queue.shutdown(1)
        return n / elapsed


class Plugin(Subject):
    name = "hornbeam-docket"

    def _queue(self, worker: bool) -> DocketTaskQueue:
        return DocketTaskQueue(
            url=self.url, name=f"bench-{uuid.uuid4().hex[:8]}", worker=worker, concurrency=CONCURRENCY, max_attempts=1
        )

    async def enqueue_only(self, n: int) -> float:
        queue = self._queue(worker=False)
        await queue.start()
        start = time.perf_counter()
        for _ in range(n):
            await queue.enqueue(noop)
        elapsed = time.perf_counter() - start
        await queue.shutdown()
        return elapsed / n

    async def latency(self, m: int) -> list[float]:
        queue = self._queue(worker=True)
        await queue.start()
        samples = []
        for _ in range(m):
            start = time.perf_counter()
            await (await queue.enqueue(noop))
            samples.append(time.perf_counter() - start)
        await queue.shutdown()
        return samples

    async def throughput(self, n: int) -> float:
        queue = self._queue(worker=True)
        await queue.start()
        target = _done[0] + n
        start = time.perf_counter()
        for _ in range(n):
            await queue.enqueue(noop)
        await _wait_done(target)
        elapsed = time.perf_counter() - start
        await queue.shutdown()
        return n / elapsed


class DocketItself(Subject):
    name = "docket"

    def _docket(self) -> Docket:
        return Docket(name=f"bench-{uuid.uuid4().hex[:8]}", url=self.url, execution_ttl=timedelta(seconds=900))

    def _worker(self, docket: Docket) -> Worker:
        # The worker hornbeam-docket starts, with the same settings (its poll interval included:
        # at docket's 0.25 s default, both would be capped at 40 no-op tasks/s).
        return Worker(
            docket, concurrency=CONCURRENCY, minimum_check_interval=timedelta(seconds=0.05),
            redelivery_timeout=timedelta(seconds=60), schedule_automatic_tasks=False,
        )  # fmt: skip

    async def enqueue_only(self, n: int) -> float:
        async with self._docket() as docket:
            start = time.perf_counter()
            for _ in range(n):
                await docket.add(noop)()
            return (time.perf_counter() - start) / n

    async def latency(self, m: int) -> list[float]:
        async with self._docket() as docket, self._worker(docket) as worker:
            running = asyncio.ensure_future(worker.run_forever())
            samples = []
            for _ in range(m):
                start = time.perf_counter()
                await (await docket.add(noop)()).get_result()
                samples.append(time.perf_counter() - start)
            running.cancel()
            await asyncio.wait([running])
        return samples

    async def throughput(self, n: int) -> float:
        async with self._docket() as docket, self._worker(docket) as worker:
            running = asyncio.ensure_future(worker.run_forever())
            target = _done[0] + n
            start = time.perf_counter()
            for _ in range(n):
                await docket.add(noop)()
            await _wait_done(target)
            elapsed = time.perf_counter() - start
            running.cancel()
            await asyncio.wait([running])
        return n / elapsed


async def measure(url: str, n: int, m: int, reps: int, log: Callable[[str], None]) -> dict[str, Figures]:
    subjects = [InMemory(url), Plugin(url), DocketItself(url)]
    figures = {s.name: Figures([], [], []) for s in subjects}
    async with Redis.from_url(url) as redis:

        async def each(step: Callable[[Subject], Awaitable[Any]], record: Callable[[Figures, Any], None]) -> None:
            for subject in subjects:
                gc.collect()
                record(figures[subject.name], await step(subject))
                await redis.flushdb()

        for rep in range(reps + 1):  # the first repetition warms up and is dropped
            subjects.append(subjects.pop(0))  # rotate who goes first
            before = {name: (len(f.enqueue_us), len(f.latency_ms), len(f.tasks_per_s)) for name, f in figures.items()}
            await each(lambda s: s.enqueue_only(n), lambda f, v: f.enqueue_us.append(v * 1e6))
            await each(lambda s: s.latency(m), lambda f, v: f.latency_ms.append(statistics.median(v) * 1e3))
            await each(lambda s: s.throughput(n), lambda f, v: f.tasks_per_s.append(v))
            if rep == 0:
                for name, f in figures.items():
                    e, la, t = before[name]
                    del f.enqueue_us[e:], f.latency_ms[la:], f.tasks_per_s[t:]
            else:
                log(f"  repetition {rep}/{reps} done")
    return figures


def report(figures: dict[str, Figures], n: int, m: int, reps: int) -> str:
    med = {name: (statistics.median(f.enqueue_us), statistics.median(f.latency_ms), statistics.median(f.tasks_per_s))
           for name, f in figures.items()}  # fmt: skip
    base = med["docket"]
    lines = [
        f"{n:,} no-op tasks (throughput, enqueue) and {m} one at a time (latency); concurrency {CONCURRENCY}; "
        f"median of {reps}; Python {sys.version.split()[0]}",
        f"{'queue':<20} {'enqueue us':>11} {'latency ms':>11} {'tasks/s':>9}   vs docket: enqueue  latency  throughput",
    ]
    for name, (enqueue, latency, rate) in med.items():
        versus = (f"{enqueue / base[0] - 1:+8.1%} {latency / base[1] - 1:+8.1%} {base[2] / rate - 1:+11.1%}"
                  if name != "docket" else "")  # fmt: skip
        lines.append(f"{name:<20} {enqueue:>11.1f} {latency:>11.2f} {rate:>9,.0f}   {' ' * 10}{versus}")
    lines.append("(vs docket: the extra cost per task; for throughput, the extra time per task)")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_redis(directory: str) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server") or shutil.which("valkey-server") or os.path.join(os.path.dirname(sys.executable), "redis-server")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    raise RuntimeError("redis-server did not start")


def run_comparison(redis_url: str | None, quick: bool = False) -> dict[str, Figures]:
    """Run the three-way comparison and print its table; ``quick`` uses tiny counts."""
    n, m, reps = (50, 5, 1) if quick else (2000, 200, 5)
    server = None
    with tempfile.TemporaryDirectory() as directory:
        if redis_url is None:
            server, redis_url = _start_redis(directory)
        try:
            print(f"tasks on {redis_url}: in-memory, hornbeam-docket, docket ({reps} repetitions after a warm-up)")
            figures = asyncio.run(measure(redis_url, n, m, reps, print))
        finally:
            if server is not None:
                os.kill(server.pid, signal.SIGTERM)
                server.wait()
    print(report(figures, n, m, reps))
    return figures
