"""The in-process driver: call an ASGI app directly, in one event loop, and check every response."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

import orjson

from bench.common import NOT_FOUND, Scenario

ASGIApp = Callable[..., Any]


class InvalidResponse(Exception):
    """A response did not match the scenario's expected status or body."""


def loop_factory() -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    """uvloop when installed, else asyncio's default loop; and its name."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop, "asyncio"
    return uvloop.new_event_loop, f"uvloop {uvloop.__version__}"


def make_scope(scenario: Scenario, path: str) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"hornbeam-bench"), (b"accept", b"*/*")]
    if scenario.body:
        headers.append((b"content-type", scenario.content_type or b"application/octet-stream"))
        headers.append((b"content-length", str(len(scenario.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": scenario.method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": scenario.query,
        "headers": headers,
        "state": {},
    }


class Exchange:
    """One request's receive/send pair: the body once, then a disconnect; the response collected."""

    __slots__ = ("request", "status", "body", "done")

    def __init__(self, request: dict[str, Any]) -> None:
        self.request: dict[str, Any] | None = request
        self.status = 0
        self.body = b""
        self.done = False

    async def receive(self) -> dict[str, Any]:
        message = self.request
        if message is None:
            return {"type": "http.disconnect"}
        self.request = None
        return message

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                self.done = True


class Checker:
    """Checks each response against the expected one; a body seen valid once is then compared as bytes."""

    def __init__(self, scenario: Scenario, not_found: Any = None) -> None:
        self.scenario = scenario
        self.status = scenario.status
        self.expected = [not_found if e == NOT_FOUND else e for e in scenario.expected]
        self.known: list[bytes | None] = [None] * len(self.expected)

    def __call__(self, index: int, exchange: Exchange) -> None:
        body = exchange.body
        if exchange.status == self.status and exchange.done and body == self.known[index]:
            return
        self.slow(index, exchange)

    def slow(self, index: int, exchange: Exchange) -> None:
        scenario = self.scenario
        where = f"{scenario.method} {scenario.paths[index]}"
        if exchange.status != self.status:
            raise InvalidResponse(f"{where}: status {exchange.status}, expected {self.status}; body {exchange.body[:300]!r}")
        if not exchange.done:
            raise InvalidResponse(f"{where}: the response body never ended")
        expected = self.expected[index]
        if expected is None:
            raise InvalidResponse(f"{where}: no expected body is known for this app")
        if isinstance(expected, bytes):
            ok = exchange.body == expected
        else:
            try:
                ok = orjson.loads(exchange.body) == expected
            except orjson.JSONDecodeError:
                ok = False
        if not ok:
            raise InvalidResponse(f"{where}: body {exchange.body[:300]!r}, expected {expected!r}"[:800])
        self.known[index] = exchange.body


class Prepared:
    """A scenario ready to run against one app: scopes, request messages and the checker."""

    def __init__(self, app: ASGIApp, scenario: Scenario, not_found: Any = None) -> None:
        self.app = app
        self.scenario = scenario
        self.scopes = [make_scope(scenario, p) for p in scenario.paths]
        self.message = {"type": "http.request", "body": scenario.body, "more_body": False}
        self.check = Checker(scenario, not_found)

    async def run(self, n: int, start: int = 0) -> float:
        """Send ``n`` requests, checking each; the seconds they took."""
        app = self.app
        scopes = self.scopes
        count = len(scopes)
        message = self.message
        check = self.check
        clock = time.perf_counter
        t0 = clock()
        for i in range(start, start + n):
            index = i % count
            exchange = Exchange(message)
            await app(scopes[index].copy(), exchange.receive, exchange.send)
            check(index, exchange)
        return clock() - t0

    async def one(self, index: int = 0) -> Exchange:
        exchange = Exchange(self.message)
        await self.app(self.scopes[index].copy(), exchange.receive, exchange.send)
        return exchange


class Lifespan:
    """Runs an app's lifespan protocol: startup before the requests, shutdown after."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[Any] | None = None
        self.state: dict[str, Any] = {}

    async def _send(self, message: dict[str, Any]) -> None:
        await self.sent.put(message)

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self.task = asyncio.ensure_future(self.app(scope, self.queue.get, self._send))
        await self.queue.put({"type": "lifespan.startup"})
        message = await self._next()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {message}")

    async def _next(self) -> dict[str, Any]:
        assert self.task is not None
        getter = asyncio.ensure_future(self.sent.get())
        done, _ = await asyncio.wait({getter, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        self.task.result()
        raise RuntimeError("the app ended its lifespan without answering")

    async def shutdown(self) -> None:
        if self.task is None or self.task.done():
            return
        await self.queue.put({"type": "lifespan.shutdown"})
        await self._next()
        await self.task


def collect() -> None:
    gc.collect()


async def null_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers without looking at the request: what the driver itself costs per request."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"13")]})
    await send({"type": "http.response.body", "body": b"Hello, World!"})
