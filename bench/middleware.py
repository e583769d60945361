"""Per-request cost of 0, 1, 5 and 10 no-op middlewares: hornbeam beside Starlette.

Run: ``.venv/bin/python bench/middleware.py [--reps 7] [--seconds 0.3]``. Requests are
plain in-process ASGI calls (no server, no client), so only framework time is
measured. Each figure is the median of several timed runs of a calibrated
number of requests. Starlette columns appear when starlette is importable: its
``BaseHTTPMiddleware`` (the ``call_next`` form, the one comparable to ours) and a
pure ASGI pass-through middleware.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from hornbeam import App, CallNext, Request, Response

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
COUNTS = (0, 1, 5, 10)

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/",
    "raw_path": b"/",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"bench"), (b"accept", b"*/*")],
    "client": ("127.0.0.1", 50000),
    "server": ("bench", 80),
}


_BODY = {"type": "http.request", "body": b"", "more_body": False}


def _receiver() -> Callable[[], Awaitable[dict[str, Any]]]:
    """The body once, then block as a server does until the client goes away."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return _BODY

    return receive


async def _send(message: dict[str, Any]) -> None:
    return None


def hornbeam_app(count: int) -> ASGIApp:
    async def noop(request: Request[Any, Any], call_next: CallNext) -> Response:
        return await call_next(request)

    app = App(middleware=[noop] * count)

    @app.get("/")
    async def index(request: Request[Any, Any]) -> str:
        return "ok"

    app.freeze()
    return app


def starlette_apps() -> dict[str, Callable[[int], ASGIApp]]:
    try:
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
        from starlette.requests import Request as SRequest
        from starlette.responses import PlainTextResponse
        from starlette.responses import Response as SResponse
        from starlette.routing import Route
    except ImportError:
        return {}

    async def index(request: SRequest) -> PlainTextResponse:
        return PlainTextResponse("ok")

    class NoOpHTTP(BaseHTTPMiddleware):
        async def dispatch(self, request: SRequest, call_next: RequestResponseEndpoint) -> SResponse:
            return await call_next(request)

    class NoOpASGI:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    def build(kind: type) -> Callable[[int], ASGIApp]:
        def make(count: int) -> ASGIApp:
            app: ASGIApp = Starlette(routes=[Route("/", index)], middleware=[Middleware(kind)] * count)
            return app

        return make

    return {"starlette BaseHTTP": build(NoOpHTTP), "starlette pure ASGI": build(NoOpASGI)}


async def _run(app: ASGIApp, requests: int) -> float:
    scope = SCOPE
    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), _receiver(), _send)
    return time.perf_counter() - start


async def measure(app: ASGIApp, reps: int, seconds: float) -> float:
    """Median microseconds per request."""
    await _run(app, 200)  # warm up: first-request freezes, caches
    requests = 200
    while (elapsed := await _run(app, requests)) < seconds / 4:
        requests *= 2
    requests = max(200, int(requests * seconds / elapsed))
    runs = [await _run(app, requests) / requests * 1e6 for _ in range(reps)]
    return statistics.median(runs)


async def main(reps: int, seconds: float) -> None:
    frameworks: dict[str, Callable[[int], ASGIApp]] = {"hornbeam": hornbeam_app, **starlette_apps()}
    results: dict[str, dict[int, float]] = {}
    for name, make in frameworks.items():
        results[name] = {count: await measure(make(count), reps, seconds) for count in COUNTS}
    names = list(results)
    print(f"per-request time, µs (median of {reps}); 'per mw' = (t[n] - t[0]) / n")
    header = f"{'middlewares':>11} | " + " | ".join(f"{n:>22}" for n in names)
    if len(names) > 1:
        header += " | " + " | ".join(f"{n + ' / hornbeam':>32}" for n in names[1:])
    print(header)
    print("-" * len(header))
    for count in COUNTS:
        cells = []
        for name in names:
            value = results[name][count]
            extra = f" ({(value - results[name][0]) / count:5.2f}/mw)" if count else " " * 12
            cells.append(f"{value:10.2f}{extra}")
        line = f"{count:>11} | " + " | ".join(f"{c:>22}" for c in cells)
        if len(names) > 1:
            base = results["hornbeam"][count]
            line += " | " + " | ".join(f"{results[n][count] / base:31.2f}x" for n in names[1:])
        print(line)
    if len(names) == 1:
        print("(starlette is not installed: `pip install starlette` to compare)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--seconds", type=float, default=0.3, help="target duration of one timed run")
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.seconds))
