"""Per-request memory (tracemalloc): the peak a request reaches, and what it leaves behind."""

from __future__ import annotations

import statistics
import tracemalloc
from collections.abc import Sequence
from typing import Any

from bench.apps import load
from bench.common import Scenario
from bench.driver import Lifespan, Prepared, null_app

ALLOC_SCENARIOS = ("plaintext", "path_params")


async def _measure(prepared: Prepared, count: int) -> dict[str, float]:
    await prepared.run(200)  # warm caches, lazy imports and first-request set-up
    peaks = []
    tracemalloc.start()
    try:
        start_current = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            exchange = await prepared.one(i % len(prepared.scopes))
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            prepared.check(i % len(prepared.scopes), exchange)
            del exchange
        retained = (tracemalloc.get_traced_memory()[0] - start_current) / count
    finally:
        tracemalloc.stop()
    return {"peak_bytes": statistics.median(peaks), "retained_bytes": retained}


async def run_allocations(frameworks: Sequence[str], scenarios: dict[str, Scenario], count: int, log: Any = print) -> dict[str, Any]:
    out: dict[str, Any] = {}
    base = Prepared(null_app, scenarios["plaintext"])
    out["driver"] = await _measure(base, count)
    for name in ALLOC_SCENARIOS:
        scenario = scenarios[name]
        results: dict[str, Any] = {}
        for framework in frameworks:
            module = load(framework)
            app = module.build()  # a fresh app: some peers cannot start again after a lifespan shutdown
            lifespan = Lifespan(app)
            await lifespan.startup()
            try:
                results[framework] = await _measure(Prepared(app, scenario, getattr(module, "NOT_FOUND", None)), count)
            except Exception as exc:
                results[framework] = {"invalid": f"{type(exc).__name__}: {exc}"}
            finally:
                await lifespan.shutdown()
        out[name] = results
        log(f"  allocations {name:<12} peak B/request: " + " | ".join(
            f"{f} {r['peak_bytes']:,.0f}" if "peak_bytes" in r else f"{f} INVALID" for f, r in results.items()))
    return out
