"""What observation hooks cost per request: no observer, no-op observers, a realistic one, async ones.

Run: ``.venv/bin/python bench/observers.py [--reps 30] [--seconds 0.05] [--no-served]``.
Each app serves plaintext (``GET /``, a str) and JSON (``GET /json``, a dict) in
process, as ``bench/middleware.py`` does, then served: behind uvicorn's own HTTP
protocol and event loop (``bench/served.py``), what a request costs in a server.
As in ``bench/prometheus.py``, variants run in turn, round after round, each run
is timed in this process's CPU time (not wall time) and the fastest run of each is
kept: on a shared machine other work only ever slows a run down. The goal (issue 12): with a plugin whose observation hooks
do nothing, plaintext and JSON keep at least 90% of their throughput without it.
``python -m bench.instructions --observers`` counts the same apps in instructions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.middleware import ASGIApp, _receiver, _send  # noqa: E402

from hornbeam import App, Request, Response, hookimpl  # noqa: E402


class NoOp:
    """Implements the request observers and does nothing."""

    @hookimpl
    def hornbeam_request_started(self, request: Request[Any, Any]) -> None:
        pass

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        pass


class AsyncNoOp:
    """The same, as ``async def``."""

    @hookimpl
    async def hornbeam_request_started(self, request: Request[Any, Any]) -> None:
        pass

    @hookimpl
    async def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        pass


class Metrics:
    """A realistic observer: a count per route template and status, and a latency sample."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()
        self.latencies: deque[float] = deque(maxlen=10_000)

    @hookimpl
    def hornbeam_request_started(self, request: Request[Any, Any]) -> None:
        request.scope["bench.start"] = time.perf_counter()

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        route = request.route
        self.counts[(route.path if route is not None else "<unmatched>", response.status)] += 1
        self.latencies.append(time.perf_counter() - request.scope["bench.start"])


VARIANTS: dict[str, Callable[[], list[object]]] = {
    "no observer": list,
    "no-op observers": lambda: [NoOp()],
    "async no-op": lambda: [AsyncNoOp()],
    "counter + latency": lambda: [Metrics()],
}


def build(plugins: list[object]) -> ASGIApp:
    app = App(plugins=plugins)

    @app.get("/")
    async def plaintext(request: Request[Any, Any]) -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json(request: Request[Any, Any]) -> dict[str, str]:
        return {"message": "Hello, World!"}

    app.freeze()
    return app


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80),
    }  # fmt: skip


async def run(app: ASGIApp, path: str, requests: int) -> float:
    """µs of this process's CPU time per request: time other processes take from us is not counted."""
    base = scope(path)
    start = time.process_time()
    for _ in range(requests):
        await app(dict(base), _receiver(), _send)
    return (time.process_time() - start) / requests * 1e6


PATHS = {"plaintext": "/", "json": "/json"}


async def main(reps: int, seconds: float) -> None:
    apps = {name: build(make()) for name, make in VARIANTS.items()}
    timings: dict[tuple[str, str], list[float]] = {(v, s): [] for v in apps for s in PATHS}
    probe = await run(apps["no observer"], "/", 2000)
    requests = max(500, int(seconds * 1e6 / probe))
    for _ in range(reps):
        for scenario, path in PATHS.items():
            for name, app in apps.items():
                timings[(name, scenario)].append(await run(app, path, requests))
    print("in process: plain ASGI calls, the framework alone")
    _table(timings, reps, requests)


async def served(reps: int, seconds: float) -> None:
    """The same apps behind uvicorn's own HTTP protocol and event loop (bench/served.py)."""
    from bench.served import cpu_per_request

    timings, requests = await cpu_per_request({name: build(make()) for name, make in VARIANTS.items()}, PATHS, reps, seconds)
    print("\nserved in process: uvicorn's httptools protocol and event loop, no sockets")
    _table(timings, reps, requests)


def _table(timings: dict[tuple[str, str], list[float]], reps: int, requests: int) -> None:
    print(f"per-request CPU time in µs (fastest of {reps} interleaved runs of {requests} requests); ratio = throughput ÷ no observer")
    print(f"{'variant':>18} | " + " | ".join(f"{s:>20}" for s in PATHS))
    for name in dict.fromkeys(name for name, _ in timings):
        cells = []
        for scenario in PATHS:
            value = min(timings[(name, scenario)])
            base = min(timings[("no observer", scenario)])
            cells.append(f"{value:7.2f} µs ({base / value:4.2f}x)")
        print(f"{name:>18} | " + " | ".join(f"{c:>20}" for c in cells))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30, help="rounds (the fastest run of each variant is kept)")
    parser.add_argument("--seconds", type=float, default=0.05, help="target duration of one timed run")
    parser.add_argument("--served", action=argparse.BooleanOptionalAction, default=True, help="also behind uvicorn's protocol")
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.seconds))
    if args.served:
        from bench.driver import loop_factory

        with asyncio.Runner(loop_factory=loop_factory()[0]) as runner:  # uvloop, as uvicorn picks it
            runner.run(served(args.reps, args.seconds * 4))
