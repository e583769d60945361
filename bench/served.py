"""Served in process: requests through uvicorn's own HTTP protocol (httptools), with no sockets.

A stand-in transport hands uvicorn's ``HttpToolsProtocol`` the bytes of one
keep-alive connection and collects what it writes back; the app runs as uvicorn
runs it (proxy-headers middleware, a ``RequestResponseCycle`` and a task per
request, the keep-alive timer, the event loop). What a real server adds on top
is the kernel's share (sockets, epoll), the same for every app. So the cost of a
plugin measured here is what a served request pays, without the noise that
wall-clock runs through sockets suffer on a shared machine (``bench/e2e.py``
has those).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from bench.driver import ASGIApp

__all__ = ["Connection", "cpu_per_request"]

_EXTRA = {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}


class _Transport(asyncio.Transport):
    """Collects what the protocol writes; the peer never goes away."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return _EXTRA.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Connection:
    """One keep-alive connection to ``app`` through uvicorn's httptools protocol, in this event loop."""

    def __init__(self, app: ASGIApp) -> None:
        config = Config(app, http="httptools", lifespan="off", access_log=False, log_level="warning")
        config.load()
        self.state = ServerState()
        self.transport = _Transport()
        self.protocol = HttpToolsProtocol(config=config, server_state=self.state, app_state={}, _loop=asyncio.get_running_loop())
        self.protocol.connection_made(self.transport)

    async def get(self, path: str, requests: int) -> None:
        """``GET path`` ``requests`` times, one after the other; raises unless every answer is a 200."""
        message = f"GET {path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: hornbeam-bench\r\nAccept: */*\r\n\r\n".encode()
        protocol, tasks, written = self.protocol, self.state.tasks, self.transport.written
        for _ in range(requests):
            protocol.data_received(message)
            for task in list(tasks):
                await task
            if not written.startswith(b"HTTP/1.1 200 "):
                raise RuntimeError(f"GET {path} answered {bytes(written[:200])!r}")
            written.clear()

    def close(self) -> None:
        self.protocol.connection_lost(None)


async def cpu_per_request(
    apps: dict[str, ASGIApp], paths: dict[str, str], reps: int, seconds: float
) -> tuple[dict[tuple[str, str], list[float]], int]:
    """µs of this process's CPU time per served request, per (app, path name), over ``reps`` interleaved rounds.

    Each round runs every app on every path in turn, for about ``seconds`` of CPU
    each (the count comes from the first app on the first path); also returns it.
    """
    connections = {name: Connection(app) for name, app in apps.items()}
    for connection in connections.values():
        for path in paths.values():
            await connection.get(path, 50)  # warm up
    first, first_path = next(iter(connections.values())), next(iter(paths.values()))
    start = time.process_time()
    await first.get(first_path, 500)
    requests = max(100, int(seconds / ((time.process_time() - start) / 500)))
    timings: dict[tuple[str, str], list[float]] = {(name, s): [] for name in connections for s in paths}
    for _ in range(reps):
        for scenario, path in paths.items():
            for name, connection in connections.items():
                start = time.process_time()
                await connection.get(path, requests)
                timings[(name, scenario)].append((time.process_time() - start) / requests * 1e6)
    for connection in connections.values():
        connection.close()
    return timings, requests
