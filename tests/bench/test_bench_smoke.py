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
