"""What Prometheus metrics cost per request: hornbeam with and without hornbeam-prometheus, beside Starlette
with and without starlette-exporter, in one run.

Run: ``make bench-prometheus`` (or ``.bench-venv/bin/python -m bench.prometheus [--reps 30] [--no-e2e]``).
Three ways, each timing the server process's CPU time:

- in process: plain ASGI calls (no server, no client), the framework alone, so
  the plugin's share is the largest it can be;
- served in process: the same apps behind uvicorn's own HTTP protocol and event
  loop (``bench/served.py``), what a request costs in a server, sockets aside;
- end to end: each app under uvicorn, wrk alternating between them (wall-clock
  throughput, and the server's CPU time per request from ``/proc``).

Variants run in turn, round after round, so drift on a shared machine spreads
over all of them. The goal (issue 17): hornbeam with the plugin keeps at least
0.8x of its throughput without it. ``python -m bench.instructions --prometheus
[--served]`` counts the first two in instructions, which no neighbour can move.

hornbeam-prometheus is passed to the app directly (``App(plugins=[...])``) from
``contrib/``, not installed: installed, its entry point would load into every
hornbeam app of the main benchmark too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "contrib" / "hornbeam-prometheus"))

from bench.middleware import ASGIApp, _receiver, _send  # noqa: E402
from bench.observers import NoOp  # noqa: E402  (the same two do-nothing observation hooks)

from hornbeam import App, Request  # noqa: E402

PATHS = {"plaintext": "/plaintext", "path_params": "/items/42"}


def hornbeam(metrics: bool, noop: bool = False) -> ASGIApp:
    plugins: list[object] = [NoOp()] if noop else []
    if metrics:
        import hornbeam_prometheus

        plugins.append(hornbeam_prometheus)
    app = App(plugins=plugins)

    @app.get("/plaintext")
    async def plaintext(request: Request[None, None]) -> str:
        return "Hello, World!"

    @app.get("/items/{item_id:int}")
    async def item(request: Request[None, None], item_id: int) -> dict[str, int]:
        return {"id": item_id}

    app.freeze()
    return app


def starlette(metrics: bool) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request as SRequest
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    async def plaintext(request: SRequest) -> PlainTextResponse:
        return PlainTextResponse("Hello, World!")

    async def item(request: SRequest) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"]})

    routes = [Route("/plaintext", plaintext), Route("/items/{item_id:int}", item)]
    middleware = []
    if metrics:
        from starlette_exporter import PrometheusMiddleware, handle_metrics

        # Grouped paths (route templates), as hornbeam-prometheus labels them.
        middleware.append(Middleware(PrometheusMiddleware, group_paths=True, app_name=f"bench{id(routes)}"))
        routes.append(Route("/metrics", handle_metrics))
    return Starlette(routes=routes, middleware=middleware)


VARIANTS: dict[str, Callable[[], ASGIApp]] = {
    "hornbeam": lambda: hornbeam(False),
    "hornbeam + no-op observers": lambda: hornbeam(False, noop=True),
    "hornbeam + hornbeam-prometheus": lambda: hornbeam(True),
    "starlette": lambda: starlette(False),
    "starlette + starlette-exporter": lambda: starlette(True),
}


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80), "state": {},
    }  # fmt: skip


async def run(app: ASGIApp, path: str, requests: int) -> float:
    """µs of this process's CPU time per request: time other processes take from us is not counted."""
    base = scope(path)
    start = time.process_time()
    for _ in range(requests):
        await app(dict(base), _receiver(), _send)
    return (time.process_time() - start) / requests * 1e6


async def main(reps: int, seconds: float) -> dict[str, dict[str, float]]:
    apps = {name: make() for name, make in VARIANTS.items()}
    for app in apps.values():
        for path in PATHS.values():
            await run(app, path, 50)  # warm up: caches, compiled matchers, labelled children
    timings: dict[tuple[str, str], list[float]] = {(v, s): [] for v in apps for s in PATHS}
    probe = await run(apps["hornbeam"], PATHS["plaintext"], 2000)
    requests = max(200, int(seconds * 1e6 / probe))
    # Many short runs, variants interleaved, CPU time rather than wall time, and the fastest run of
    # each kept: on a shared machine other work only ever slows a run down.
    for _ in range(reps):
        for scenario, path in PATHS.items():
            for name, app in apps.items():
                timings[(name, scenario)].append(await run(app, path, requests))
    best = {name: {s: min(timings[(name, s)]) for s in PATHS} for name in apps}
    print("ratio = throughput against the same framework without metrics\n")
    print("in process: plain ASGI calls, the framework alone (no server; the worst case for a plugin's share)")
    print(f"per-request CPU time in µs, fastest of {reps} interleaved runs of {requests} requests")
    _table(best)
    return best


async def served(reps: int, seconds: float) -> dict[str, dict[str, float]]:
    """The same apps served through uvicorn's own HTTP protocol (bench/served.py): what a request costs in a server."""
    from bench.served import cpu_per_request

    timings, requests = await cpu_per_request({name: make() for name, make in VARIANTS.items()}, PATHS, reps, seconds)
    best = {name: {s: min(timings[(name, s)]) for s in PATHS} for name in VARIANTS}
    print("\nserved in process: uvicorn's httptools protocol and event loop, no sockets (bench/served.py);")
    print(f"per-request CPU time in µs, fastest of {reps} interleaved runs of {requests} requests")
    _table(best)
    return best


def _table(best: dict[str, dict[str, float]]) -> None:
    print(f"{'variant':>32} | " + " | ".join(f"{s:>22}" for s in PATHS))
    for name in best:
        base = "hornbeam" if name.startswith("hornbeam") else "starlette"
        cells = [f"{best[name][s]:7.2f} µs ({best[base][s] / best[name][s]:4.2f}x)" for s in PATHS]
        print(f"{name:>32} | " + " | ".join(f"{c:>22}" for c in cells))
    ours, theirs = "hornbeam + hornbeam-prometheus", "starlette + starlette-exporter"
    for s in PATHS:
        print(f"{s}: hornbeam + metrics is {best[theirs][s] / best[ours][s]:.2f}x as fast as starlette + metrics")


# The module attribute uvicorn serves for each variant (built on first access, see __getattr__).
ATTRIBUTES = {
    "hornbeam": "app_hornbeam",
    "hornbeam + no-op observers": "app_hornbeam_noop",
    "hornbeam + hornbeam-prometheus": "app_hornbeam_prometheus",
    "starlette": "app_starlette",
    "starlette + starlette-exporter": "app_starlette_exporter",
}


def __getattr__(name: str) -> ASGIApp:
    """``bench.prometheus:app_hornbeam_prometheus`` and the like, for uvicorn."""
    for variant, attribute in ATTRIBUTES.items():
        if name == attribute:
            return VARIANTS[variant]()
    raise AttributeError(name)


def end_to_end(reps: int, duration: float) -> None:
    """Each variant under uvicorn (one worker), wrk against each in turn, run after run."""
    from bench.e2e import WRK_MISSING, _cores, _free_port, _stop, _wait, _wrk

    if shutil.which("wrk") is None:
        print(WRK_MISSING)
        return
    server_cpu, wrk_cpu, pinning = _cores()
    servers = {}
    for variant in VARIANTS:
        attribute = ATTRIBUTES[variant]
        port = _free_port()
        cmd = [*server_cpu, sys.executable, "-m", "uvicorn", f"bench.prometheus:{attribute}", "--port", str(port),
               "--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        servers[variant] = (process, port)
    try:
        for process, port in servers.values():
            _wait(port, process)
        rps: dict[tuple[str, str], list[float]] = {(v, s): [] for v in servers for s in PATHS}
        cpu: dict[tuple[str, str], list[float]] = {(v, s): [] for v in servers for s in PATHS}
        for _ in range(reps):
            for scenario, path in PATHS.items():
                for variant, (process, port) in servers.items():
                    before = _cpu_seconds(process.pid)
                    result = _wrk(wrk_cpu, f"http://127.0.0.1:{port}{path}", duration, 64)
                    used = _cpu_seconds(process.pid) - before
                    if result.get("non_2xx"):
                        raise RuntimeError(f"{variant} {scenario}: wrong answers: {result}")
                    if result.get("socket_errors"):
                        print(f"  note: {variant} {scenario}: socket errors {result['socket_errors']}")
                    rps[(variant, scenario)].append(result["rps"])
                    cpu[(variant, scenario)].append(used / (result["rps"] * duration) * 1e6)
    finally:
        for process, _ in servers.values():
            _stop(process)
    medians = {key: statistics.median(values) for key, values in rps.items()}
    print(f"\nend to end (uvicorn + uvloop + httptools, wrk -c64, {pinning}; median of {reps} runs of {duration:g} s)")
    print("requests/s (ratio against the same framework without metrics):")
    print(f"{'variant':>32} | " + " | ".join(f"{s:>22}" for s in PATHS))
    for variant in servers:
        base = "hornbeam" if variant.startswith("hornbeam") else "starlette"
        cells = [f"{medians[(variant, s)]:9,.0f} ({medians[(variant, s)] / medians[(base, s)]:4.2f}x)" for s in PATHS]
        print(f"{variant:>32} | " + " | ".join(f"{c:>22}" for c in cells))
    # On a shared machine throughput follows the neighbours' load; the server's own CPU time per
    # request does not, and its ratio is the throughput ratio of a server with a core to itself.
    least = {key: min(values) for key, values in cpu.items()}
    print("server CPU µs per request, fewest of the runs (ratio = throughput a saturated core would keep):")
    for variant in servers:
        base = "hornbeam" if variant.startswith("hornbeam") else "starlette"
        cells = [f"{least[(variant, s)]:7.1f} µs ({least[(base, s)] / least[(variant, s)]:4.2f}x)" for s in PATHS]
        print(f"{variant:>32} | " + " | ".join(f"{c:>22}" for c in cells))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30, help="interleaved rounds (the fastest is reported in process)")
    parser.add_argument("--seconds", type=float, default=0.05, help="target duration of one timed in-process run")
    parser.add_argument("--e2e", action=argparse.BooleanOptionalAction, default=True, help="also under uvicorn + wrk")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per wrk run")
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.seconds))
    from bench.driver import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()[0]) as runner:  # uvloop, as uvicorn picks it
        runner.run(served(args.reps, args.seconds * 4))
    if args.e2e:
        end_to_end(5, args.duration)
