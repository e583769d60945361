"""WebSocket echo round trips per second: hornbeam, Starlette, Litestar and raw ASGI, in process and under uvicorn.

Run: ``.bench-venv/bin/python -m bench.sockets [--reps 5] [--duration 2] [--connections 32] [--no-e2e]``
(``make bench`` builds .bench-venv). One run measures every framework both ways
and writes ``bench/results/websockets.json``.

- **In process**: the ASGI app is called directly in one event loop (uvloop when
  installed); the driver hands it ``websocket.receive`` messages through a queue
  and awaits each echo from another, checking every one. Scenarios: ``echo``
  (round trips on one open connection) and ``connect`` (a whole connection per
  round: handshake, routing, accept, one echo, disconnect). Each framework is
  calibrated to ~0.2 s per sample; the samples run round-robin across
  frameworks; the figure is the median.
- **End to end**: each app under ``uvicorn --loop uvloop --http httptools --ws
  websockets-sansio``, one worker pinned to core 0; the load is a small client
  of this module (``--client``) pinned to core 1, with ``--connections``
  connections each sending one masked text frame and reading its echo, over
  and over, for ``--duration`` seconds; every echo is compared byte for byte.
  The frames are prepared once, so the client costs far less per round trip
  than the servers. Servers run at once and the runs alternate between them,
  ``--reps`` times; the figure is the median.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import ROOT
from bench.driver import loop_factory
from bench.e2e import _cores, _free_port, _stop, _wait
from bench.socket_apps import FRAMEWORKS

RESULTS = ROOT / "bench" / "results" / "websockets.json"
MESSAGE = "Hello, World!"
SCOPE = {
    "type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
    "scheme": "ws", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "root_path": "",
    "path": "/ws", "raw_path": b"/ws", "query_string": b"", "subprotocols": [], "state": {},
    "headers": [(b"host", b"127.0.0.1:8000"), (b"connection", b"upgrade"), (b"upgrade", b"websocket"),
                (b"sec-websocket-version", b"13"), (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ==")],
}  # fmt: skip


class Invalid(Exception):
    """An app answered something else than the echo."""


# In process ----------------------------------------------------------------------


class Connection:
    """One in-process WebSocket: the app runs in a task, messages go through two queues."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _serve(self) -> None:
        await self.app(dict(SCOPE, state={}), self.to_app.get, self.from_app.put)

    async def open(self) -> None:
        self.task = asyncio.ensure_future(self._serve())
        self.to_app.put_nowait({"type": "websocket.connect"})
        message = await self.from_app.get()
        if message["type"] != "websocket.accept":
            raise Invalid(f"handshake answered with {message}")

    async def echo(self, n: int) -> None:
        put, get = self.to_app.put_nowait, self.from_app.get
        message = {"type": "websocket.receive", "text": MESSAGE}
        for _ in range(n):
            put(message)
            answer = await get()
            if answer.get("text") != MESSAGE:
                raise Invalid(f"echo answered with {answer}")

    async def close(self) -> None:
        self.to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        await self.task


async def _lifespan(app: Any) -> Callable[[], Any]:
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, to_app.get, from_app.put))
    to_app.put_nowait({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"lifespan: {started}")

    async def stop() -> None:
        to_app.put_nowait({"type": "lifespan.shutdown"})
        await from_app.get()
        await task

    return stop


async def _echo_rounds(app: Any, n: int) -> float:
    connection = Connection(app)
    await connection.open()
    start = time.perf_counter()
    await connection.echo(n)
    elapsed = time.perf_counter() - start
    await connection.close()
    return elapsed


async def _connect_rounds(app: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        connection = Connection(app)
        await connection.open()
        await connection.echo(1)
        await connection.close()
    return time.perf_counter() - start


SCENARIOS: dict[str, Callable[[Any, int], Any]] = {"echo": _echo_rounds, "connect": _connect_rounds}


async def run_inprocess(frameworks: list[str], reps: int, sample: float, log: Callable[[str], None]) -> dict[str, Any]:
    import bench.socket_apps as socket_apps

    apps = {name: getattr(socket_apps, name)() for name in frameworks}
    stops = [await _lifespan(app) for app in apps.values()]
    out: dict[str, Any] = {}
    try:
        for scenario, rounds in SCENARIOS.items():
            sizes, samples = {}, {name: [] for name in apps}  # type: ignore[var-annotated]
            for name, app in apps.items():
                await rounds(app, 50)  # warm-up
                probe = await rounds(app, 500) / 500
                sizes[name] = max(200, int(sample / probe))
            for rep in range(reps):
                order = list(apps)[rep % len(apps):] + list(apps)[: rep % len(apps)]
                for name in order:
                    gc.collect()
                    samples[name].append(sizes[name] / await rounds(apps[name], sizes[name]))
            out[scenario] = {name: {"per_s": statistics.median(values), "samples": [round(v) for v in values]}
                             for name, values in samples.items()}
            log(f"  in process, {scenario:<8} " + " | ".join(f"{n} {r['per_s']:,.0f}/s" for n, r in out[scenario].items()))
    finally:
        for stop in stops:
            await stop()
    return out


# End to end ----------------------------------------------------------------------------


def _frame(text: str) -> bytes:
    """A masked client text frame (RFC 6455 section 5.2), for payloads under 126 bytes."""
    payload = text.encode()
    mask = os.urandom(4)
    return bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def _client(port: int, connections: int, duration: float) -> dict[str, Any]:
    frame = _frame(MESSAGE)
    expected = bytes([0x81, len(MESSAGE.encode())]) + MESSAGE.encode()
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    counts = [0] * connections
    errors: list[str] = []
    stop_at = 0.0

    async def one(index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(handshake)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            errors.append(head[:100].decode("latin-1"))
            return
        await ready.wait()
        read, write = reader.readexactly, writer.write
        done = 0
        while time.perf_counter() < stop_at:
            write(frame)
            if await read(len(expected)) != expected:
                errors.append("an echo differed from the message sent")
                break
            done += 1
        counts[index] = done
        writer.write(b"\x88\x82\x00\x00\x00\x00\x03\xe8")  # close 1000, zero mask
        writer.close()

    ready = asyncio.Event()
    tasks = [asyncio.ensure_future(one(i)) for i in range(connections)]
    await asyncio.sleep(0.5)  # every handshake done before the clock starts
    start = time.perf_counter()
    stop_at = start + duration
    ready.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"roundtrips": sum(counts), "seconds": elapsed, "errors": errors}


def _start(framework: str, prefix: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    cmd = [*prefix, sys.executable, "-m", "uvicorn", "--factory", f"bench.socket_apps:{framework}", "--port", str(port),
           "--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
           "--no-access-log", "--log-level", "warning", "--workers", "1"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), port


def _load(prefix: list[str], port: int, connections: int, duration: float) -> dict[str, Any]:
    cmd = [*prefix, sys.executable, "-m", "bench.sockets", "--client", str(port),
           "--connections", str(connections), "--duration", str(duration)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-1500:])
    result: dict[str, Any] = json.loads(out.stdout)
    if result["errors"]:
        raise Invalid("; ".join(result["errors"][:3]))
    return result


def run_e2e(frameworks: list[str], reps: int, duration: float, connections: int, log: Callable[[str], None]) -> dict[str, Any]:
    server_cpu, client_cpu, pinning = _cores()
    pinning = pinning.replace("wrk", "the client")
    log(f"  end to end: uvicorn --ws websockets-sansio, 1 worker; {connections} connections x {duration:g} s; {pinning}")
    servers = {name: _start(name, server_cpu) for name in frameworks}
    samples: dict[str, list[float]] = {name: [] for name in frameworks}
    try:
        for name, (proc, port) in servers.items():
            _wait(port, proc)
            _load(client_cpu, port, connections, 0.5)  # warm-up, and every echo checked
        for rep in range(reps):
            order = frameworks[rep % len(frameworks):] + frameworks[: rep % len(frameworks)]
            for name in order:
                result = _load(client_cpu, servers[name][1], connections, duration)
                samples[name].append(result["roundtrips"] / result["seconds"])
    finally:
        for proc, _ in servers.values():
            _stop(proc)
    out = {name: {"per_s": statistics.median(values), "samples": [round(v) for v in values]} for name, values in samples.items()}
    log("  end to end, echo     " + " | ".join(f"{n} {r['per_s']:,.0f}/s" for n, r in out.items()))
    return {"pinning": pinning, "connections": connections, "duration": duration, "reps": reps, "results": out}


# Report ------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    frameworks: list[str] = results["frameworks"]
    peers = [f for f in frameworks if f != "hornbeam"]
    head = ["scenario", *frameworks, *[f"hb/{p}" for p in peers]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = [(f"in process, {name}", data) for name, data in results["inprocess"].items()]
    if "e2e" in results:
        rows.append(("end to end (uvicorn), echo", results["e2e"]["results"]))
    for label, data in rows:
        hb = data["hornbeam"]["per_s"]
        cells = [f"{data[f]['per_s']:,.0f}" for f in frameworks]
        ratios = [f"{hb / data[p]['per_s']:.2f}" for p in peers]
        lines.append("| " + " | ".join([label, *cells, *ratios]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sockets", description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated subset (default: all)")
    parser.add_argument("--reps", type=int, default=5, help="samples per framework (default 5)")
    parser.add_argument("--sample-time", type=float, default=0.2, help="seconds per in-process sample (default 0.2)")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per end-to-end run (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="end-to-end connections (default 32)")
    parser.add_argument("--e2e", action=argparse.BooleanOptionalAction, default=True, help="end-to-end runs under uvicorn")
    parser.add_argument("--client", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the load generator itself
    args = parser.parse_args(argv)
    factory, loop_name = loop_factory()
    if args.client is not None:
        with asyncio.Runner(loop_factory=factory) as runner:
            print(json.dumps(runner.run(_client(args.client, args.connections, args.duration))))
        return 0
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    if "hornbeam" not in frameworks or set(frameworks) - set(FRAMEWORKS):
        parser.error(f"frameworks: hornbeam and any of {', '.join(FRAMEWORKS)}")
    from bench.__main__ import machine

    results: dict[str, Any] = {"meta": machine(loop_name), "frameworks": frameworks}
    print(f"WebSocket echo, loop {loop_name}")
    with asyncio.Runner(loop_factory=factory) as runner:
        results["inprocess"] = runner.run(run_inprocess(frameworks, args.reps, args.sample_time, print))
    if args.e2e:
        results["e2e"] = run_e2e(frameworks, args.reps, args.duration, args.connections, print)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print(render(results))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
