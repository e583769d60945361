"""Background tasks: hornbeam's InMemoryTaskQueue beside plain asyncio; with ``--docket``, on Redis too.

Run: ``.venv/bin/python bench/tasks.py [--tasks 10000] [--reps 7] [--workers 4,64]``.
``make bench-tasks`` runs ``python -m bench.tasks --docket`` in ``.venv-docket``: see ``bench/tasks_docket.py``.
Each run submits ``--tasks`` no-op coroutine tasks, then waits for all of them;
"submit" is the time of the submitting loop alone (per task), "total" that plus
the wait. Baselines: ``asyncio.create_task`` (no limit, no bookkeeping), the same
bounded by an ``asyncio.Semaphore``, and a hand-written pool of N workers over an
``asyncio.Queue`` (the queue's own design with nothing else: no ids, statuses,
retries, timeouts or handles). Figures are medians over ``--reps`` runs, each
scenario's runs interleaved with the others'.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

from hornbeam.plugins.tasks import InMemoryTaskQueue

Run = Callable[[int], Awaitable[tuple[float, float]]]


async def noop() -> None:
    return None


async def create_task(n: int) -> tuple[float, float]:
    start = time.perf_counter()
    tasks = [asyncio.create_task(noop()) for _ in range(n)]
    submitted = time.perf_counter()
    for task in tasks:
        await task
    return submitted - start, time.perf_counter() - start


def semaphore(limit: int) -> Run:
    async def run(n: int) -> tuple[float, float]:
        sem = asyncio.Semaphore(limit)

        async def bounded() -> None:
            async with sem:
                await noop()

        start = time.perf_counter()
        tasks = [asyncio.create_task(bounded()) for _ in range(n)]
        submitted = time.perf_counter()
        for task in tasks:
            await task
        return submitted - start, time.perf_counter() - start

    return run


def worker_pool(workers: int) -> Run:
    async def run(n: int) -> tuple[float, float]:
        queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()

        async def work() -> None:
            while True:
                func = await queue.get()
                await func()
                queue.task_done()

        pool = [asyncio.create_task(work()) for _ in range(workers)]
        await asyncio.sleep(0)
        start = time.perf_counter()
        for _ in range(n):
            queue.put_nowait(noop)
        submitted = time.perf_counter()
        await queue.join()
        total = time.perf_counter() - start
        for worker in pool:
            worker.cancel()
        await asyncio.wait(pool)
        return submitted - start, total

    return run


def hornbeam_queue(workers: int, awaited: bool) -> Run:
    async def run(n: int) -> tuple[float, float]:
        queue = InMemoryTaskQueue(workers=workers, max_queued=n, keep_finished=1000)
        await queue.start()
        start = time.perf_counter()
        if awaited:
            handles = [await queue.enqueue(noop) for _ in range(n)]
        else:
            handles = [queue.enqueue_nowait(noop) for _ in range(n)]
        submitted = time.perf_counter()
        for handle in handles:
            await handle
        total = time.perf_counter() - start
        report = await queue.shutdown(1.0)
        assert not report.abandoned and (await queue.counters())["succeeded"] == n
        return submitted - start, total

    return run


async def measure(scenarios: dict[str, Run], n: int, reps: int) -> dict[str, tuple[float, float]]:
    """Median (submit seconds per task, total seconds) of each scenario."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in scenarios}
    for name, run in scenarios.items():  # warm-up
        await run(min(n, 1000))
    for _ in range(reps):
        for name, run in scenarios.items():
            gc.collect()
            samples[name].append(await run(n))
    return {
        name: (statistics.median(s for s, _ in runs) / n, statistics.median(t for _, t in runs))
        for name, runs in samples.items()
    }


def table(results: dict[str, tuple[float, float]], n: int, baselines: dict[str, str]) -> str:
    base = results["asyncio.create_task"]
    header = f"{'scenario':<40} {'total ms':>9} {'tasks/s':>10} {'submit us':>10} {'x create_task':>14} {'x same-limit':>13}"
    lines = [header, "-" * len(header)]
    for name, (submit, total) in results.items():
        same = baselines.get(name)
        vs_same = f"{total / results[same][1]:.2f}" if same else ""
        lines.append(
            f"{name:<40} {total * 1e3:>9.1f} {n / total:>10,.0f} {submit * 1e6:>10.2f} "
            f"{total / base[1]:>14.2f} {vs_same:>13}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--workers", default="4,64", help="comma-separated concurrency limits")
    parser.add_argument("--docket", action="store_true",
                        help="instead: the in-memory queue, hornbeam-docket and docket itself on a redis-server (.venv-docket)")
    parser.add_argument("--redis-url", default=None, help="with --docket: use this Redis instead of starting redis-server")
    parser.add_argument("--quick", action="store_true", help="tiny counts: checks that it runs, figures meaningless")
    args = parser.parse_args()
    if args.docket:
        from bench.tasks_docket import run_comparison

        run_comparison(args.redis_url, quick=args.quick)
        return
    if args.quick:
        args.tasks, args.reps = 200, 1
    limits = [int(w) for w in args.workers.split(",")]
    scenarios: dict[str, Run] = {"asyncio.create_task": create_task}
    # "x same-limit": a hornbeam row against the Semaphore baseline with its concurrency limit.
    baselines: dict[str, str] = {}
    for w in limits:
        sem = f"create_task + Semaphore({w})"
        scenarios[sem] = semaphore(w)
        scenarios[f"asyncio.Queue + {w} workers"] = worker_pool(w)
        baselines[f"asyncio.Queue + {w} workers"] = sem
        for awaited in (False, True):
            name = f"InMemoryTaskQueue({w}) {'await enqueue' if awaited else 'enqueue_nowait'}"
            scenarios[name] = hornbeam_queue(w, awaited)
            baselines[name] = sem
    results = asyncio.run(measure(scenarios, args.tasks, args.reps))
    print(f"{args.tasks:,} no-op async tasks, median of {args.reps} runs, Python {sys.version.split()[0]}")
    print(table(results, args.tasks, baselines))


if __name__ == "__main__":
    main()
