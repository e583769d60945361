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
    enqueue_cpu_us: list[float]
    latency_ms: list[float]
    tasks_per_s: list[float]
    task_cpu_us: list[float]


class Clock:
    """Wall and CPU time of this process since it was made; CPU time is what another load on the machine bends least."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def since(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class Subject:
    """One queue under test: how to enqueue alone, one task end to end, and a batch with a worker."""

    name = ""

    def __init__(self, url: str) -> None:
        self.url = url

    async def enqueue_only(self, n: int) -> tuple[float, float]:
        """(wall, CPU) seconds for ``n`` enqueues."""
        raise NotImplementedError

    async def latency(self, m: int) -> list[float]:
        raise NotImplementedError

    async def throughput(self, n: int) -> tuple[float, float]:
        """(wall, CPU) seconds from the first enqueue to the last task done."""
        raise NotImplementedError


async def _wait_done(target: int) -> None:
    while _done[0] < target:
        await asyncio.sleep(0.005)


class InMemory(Subject):
    name = "InMemoryTaskQueue"

    def _queue(self) -> InMemoryTaskQueue:
        return InMemoryTaskQueue(workers=CONCURRENCY, max_queued=1_000_000, max_attempts=1)

    async def enqueue_only(self, n: int) -> float:
        queue = self._queue()  # not started: nothing runs while it is timed
        target = _done[0] + n
        clock = Clock()
        for _ in range(n):
            await queue.enqueue(noop)
        elapsed = clock.since()
        await queue.start()  # then run them, untimed, so the queue shuts down empty
        await _wait_done(target)
        await queue.shutdown(1)
        return elapsed

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
        clock = Clock()
        for _ in range(n):
            await queue.enqueue(noop)
        await _wait_done(target)
        elapsed = clock.since()
        await queue.shutdown(1)
        return elapsed


class Plugin(Subject):
    name = "hornbeam-docket"

    def _queue(self, worker: bool) -> DocketTaskQueue:
        return DocketTaskQueue(
            url=self.url, name=f"bench-{uuid.uuid4().hex[:8]}", worker=worker, concurrency=CONCURRENCY, max_attempts=1
        )

    async def enqueue_only(self, n: int) -> float:
        queue = self._queue(worker=False)
        await queue.start()
        clock = Clock()
        for _ in range(n):
            await queue.enqueue(noop)
        elapsed = clock.since()
        await queue.shutdown()
        return elapsed

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
        clock = Clock()
        for _ in range(n):
            await queue.enqueue(noop)
        await _wait_done(target)
        elapsed = clock.since()
        await queue.shutdown()
        return elapsed


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
            clock = Clock()
            for _ in range(n):
                await docket.add(noop)()
            return clock.since()

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
            clock = Clock()
            for _ in range(n):
                await docket.add(noop)()
            await _wait_done(target)
            elapsed = clock.since()
            running.cancel()
            await asyncio.wait([running])
        return elapsed


async def measure(url: str, n: int, m: int, reps: int, log: Callable[[str], None]) -> dict[str, Figures]:
    subjects = [InMemory(url), Plugin(url), DocketItself(url)]
    figures = {s.name: Figures([], [], [], [], []) for s in subjects}
    async with Redis.from_url(url) as redis:

        async def each(step: Callable[[Subject], Awaitable[Any]], record: Callable[[Figures, Any], None]) -> None:
            for subject in subjects:
                gc.collect()
                record(figures[subject.name], await step(subject))
                await redis.flushdb()

        for rep in range(reps + 1):  # the first repetition warms up and is dropped
            subjects.append(subjects.pop(0))  # rotate who goes first
            def enqueued(f: Figures, v: tuple[float, float]) -> None:
                f.enqueue_us.append(v[0] / n * 1e6)
                f.enqueue_cpu_us.append(v[1] / n * 1e6)

            def ran(f: Figures, v: tuple[float, float]) -> None:
                f.tasks_per_s.append(n / v[0])
                f.task_cpu_us.append(v[1] / n * 1e6)

            await each(lambda s: s.enqueue_only(n), enqueued)
            await each(lambda s: s.latency(m), lambda f, v: f.latency_ms.append(statistics.median(v) * 1e3))
            await each(lambda s: s.throughput(n), ran)
            if rep == 0:  # the warm-up's figures go
                for name in figures:
                    figures[name] = Figures([], [], [], [], [])
            else:
                log(f"  repetition {rep}/{reps} done")
    return figures


def report(figures: dict[str, Figures], n: int, m: int, reps: int) -> str:
    columns = ("enqueue_us", "enqueue_cpu_us", "latency_ms", "tasks_per_s", "task_cpu_us")
    med = {name: [statistics.median(getattr(f, c)) for c in columns] for name, f in figures.items()}
    base = med["docket"]
    lines = [
        f"{n:,} no-op tasks (enqueue, throughput) and {m} one at a time (latency); concurrency {CONCURRENCY}; "
        f"median of {reps}; Python {sys.version.split()[0]}",
        f"{'queue':<18} {'enqueue us':>10} {'(cpu us)':>9} {'latency ms':>10} {'tasks/s':>8} {'cpu us/task':>11}"
        "   vs docket: enqueue (cpu)  latency  time/task (cpu)",
    ]
    for name, (enqueue, enqueue_cpu, latency, rate, task_cpu) in med.items():
        versus = ""
        if name != "docket":
            versus = (f"{enqueue / base[0] - 1:+7.1%} {enqueue_cpu / base[1] - 1:+7.1%} {latency / base[2] - 1:+8.1%}"
                      f" {base[3] / rate - 1:+9.1%} {task_cpu / base[4] - 1:+7.1%}")  # fmt: skip
        lines.append(
            f"{name:<18} {enqueue:>10.1f} {enqueue_cpu:>9.1f} {latency:>10.2f} {rate:>8,.0f} {task_cpu:>11.1f}   {' ' * 10}{versus}"
        )
    lines.append("(vs docket: the extra cost; cpu is this process's CPU time, which other load on the machine bends least)")
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
