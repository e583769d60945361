"""Smoke test of the benchmark harness: it runs, and it catches wrong responses. Figures are never asserted."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.apps import load  # noqa: E402
from bench.common import scenario_map, scenarios  # noqa: E402
from bench.driver import InvalidResponse, Lifespan, Prepared, loop_factory  # noqa: E402
from bench.inprocess import run_inprocess  # noqa: E402
from bench.report import render  # noqa: E402


def _run(coro: Any) -> Any:
    factory, _ = loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def test_every_scenario_runs_and_validates_on_hornbeam_and_raw() -> None:
    lines: list[str] = []
    out = _run(run_inprocess(["hornbeam", "raw"], scenarios(), reps=1, target=0.001, quick=True, log=lines.append))
    assert set(out["scenarios"]) == {s.name for s in scenarios()}
    for name, data in out["scenarios"].items():
        for framework, info in data["results"].items():
            assert "invalid" not in info, (name, framework, info)
            if framework == "raw":
                assert "rps" in info, (name, info)
            else:
                assert "rps" in info or info["skipped"].startswith("not available"), (name, info)
    report = render({"meta": {}, "frameworks": ["hornbeam", "raw"], "quick": True, "inprocess": out})
    assert "| plaintext |" in report


@pytest.mark.parametrize("framework", ["hornbeam", "raw"])
def test_a_wrong_expected_body_is_detected(framework: str) -> None:
    module = load(framework)
    app = module.build()
    scenario = scenario_map()["json"]
    scenario.expected = [{"message": "Goodbye"}]

    async def go() -> None:
        lifespan = Lifespan(app)
        await lifespan.startup()
        try:
            with pytest.raises(InvalidResponse, match="expected"):
                await Prepared(app, scenario).run(3)
        finally:
            await lifespan.shutdown()

    _run(go())


def test_a_wrong_status_is_reported_as_an_invalid_scenario() -> None:
    scenario = scenario_map()["plaintext"]
    scenario.status = 201
    lines: list[str] = []
    out = _run(run_inprocess(["raw"], [scenario], reps=1, target=0.001, quick=True, log=lines.append))
    info = out["scenarios"]["plaintext"]["results"]["raw"]
    assert "status 200, expected 201" in info["invalid"]
    assert any("INVALID" in line for line in lines)


def test_the_websocket_echo_bench_runs_and_checks_every_echo() -> None:
    from bench.sockets import Invalid, render, run_inprocess

    lines: list[str] = []
    out = _run(run_inprocess(["hornbeam", "raw"], reps=1, sample=0.001, log=lines.append))
    assert set(out) == {"echo", "connect"} and all(out[s][f]["per_s"] > 0 for s in out for f in ("hornbeam", "raw"))
    assert "| in process, echo |" in render({"frameworks": ["hornbeam", "raw"], "inprocess": out})

    async def wrong(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        await send({"type": "websocket.send", "text": "something else"})

    import bench.socket_apps as socket_apps

    original = socket_apps.raw
    socket_apps.raw = lambda: wrong  # type: ignore[assignment]
    try:
        with pytest.raises(Invalid, match="echo answered with"):
            _run(run_inprocess(["raw"], reps=1, sample=0.001, log=lines.append))
    finally:
        socket_apps.raw = original  # type: ignore[assignment]


def test_the_served_driver_goes_through_uvicorns_protocol_and_checks_each_answer() -> None:
    from bench.served import Connection, cpu_per_request

    from hornbeam import App, Request

    app = App()
    seen: list[dict[str, Any]] = []

    @app.get("/")
    async def hello(request: Request[None, None]) -> str:
        seen.append(request.scope)
        return "Hello, World!"

    app.freeze()

    async def go() -> None:
        connection = Connection(app)
        await connection.get("/", 3)
        with pytest.raises(RuntimeError, match="404"):
            await connection.get("/missing", 1)
        connection.close()

    _run(go())
    assert len(seen) == 3
    timings, requests = _run(cpu_per_request({"hornbeam": app}, {"plaintext": "/"}, reps=2, seconds=0.001))
    assert requests >= 100 and list(timings) == [("hornbeam", "plaintext")] and len(timings["hornbeam", "plaintext"]) == 2
    assert len(seen) == 3 + 50 + 500 + 2 * requests  # warm-up, probe, then each round
    # uvicorn built the scope: its server, client and HTTP version, not a hand-written dict.
    assert seen[0]["http_version"] == "1.1" and seen[0]["client"] == ("127.0.0.1", 50000)
