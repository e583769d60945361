"""In-process runs: every scenario against every app, interleaved round-robin, medians of repetitions."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from bench.apps import load
from bench.common import NotAvailable, Scenario
from bench.driver import InvalidResponse, Lifespan, Prepared, collect, null_app


class Apps:
    """Built apps by (framework, middleware count), each started through its lifespan once."""

    def __init__(self) -> None:
        self.apps: dict[tuple[str, int], Any] = {}
        self.lifespans: list[Lifespan] = []

    async def get(self, framework: str, middleware: int) -> Any:
        key = (framework, middleware)
        if key not in self.apps:
            module = load(framework)
            app = module.app if middleware == 0 else module.build(middleware)
            lifespan = Lifespan(app)
            await lifespan.startup()
            self.lifespans.append(lifespan)
            self.apps[key] = app
        return self.apps[key]

    async def close(self) -> None:
        for lifespan in self.lifespans:
            await lifespan.shutdown()


def unavailable(framework: str, scenario: Scenario) -> str | None:
    if framework == "hornbeam" and scenario.name == "validation":
        from bench.apps.hornbeam import validation_status

        return validation_status()
    return None


async def prepare(apps: Apps, framework: str, scenario: Scenario, target: float, quick: bool) -> tuple[Prepared | None, dict[str, Any]]:
    reason = unavailable(framework, scenario)
    if reason:
        return None, {"skipped": f"not available: {reason}"}
    try:
        app = await apps.get(framework, scenario.middleware)
    except NotAvailable as exc:
        return None, {"skipped": f"not available: {exc}"}
    prepared = Prepared(app, scenario, getattr(load(framework), "NOT_FOUND", None))
    try:
        # Every distinct path once (validates each expected body), then a timed calibration run.
        await prepared.run(len(prepared.scopes))
        probe = 20 if quick else 300
        seconds = await prepared.run(probe)
    except InvalidResponse as exc:
        return None, {"invalid": str(exc)}
    except Exception as exc:  # a crash inside the framework is an invalid scenario too
        return None, {"invalid": f"{type(exc).__name__}: {exc}"}
    n = 20 if quick else max(200, int(target * probe / max(seconds, 1e-9)))
    return prepared, {"n": n}


async def run_inprocess(
    frameworks: Sequence[str], scenarios: Sequence[Scenario], reps: int, target: float, quick: bool, log: Any = print
) -> dict[str, Any]:
    apps = Apps()
    out: dict[str, Any] = {"scenarios": {}}
    try:
        driver = Prepared(null_app, scenarios[0] if scenarios[0].name == "plaintext" else Scenario(
            "plaintext", "GET", ["/plaintext"], [b"Hello, World!"]))
        driver.check.expected = [b"Hello, World!"] * len(driver.scopes)
        driver.check.status = 200
        await driver.run(100)
        dn = 200 if quick else 100_000
        out["driver_rps"] = statistics.median([dn / await driver.run(dn) for _ in range(3)])
        for scenario in scenarios:
            results: dict[str, Any] = {}
            prepared: dict[str, Prepared] = {}
            for framework in frameworks:
                p, info = await prepare(apps, framework, scenario, target, quick)
                results[framework] = info
                if p is not None:
                    prepared[framework] = p
                elif "invalid" in info:
                    log(f"!!! INVALID {scenario.name} / {framework}: {info['invalid']}")
            samples: dict[str, list[float]] = {f: [] for f in prepared}
            for rep in range(reps):
                order = list(prepared)
                shift = rep % len(order) if order else 0
                for framework in order[shift:] + order[:shift]:
                    p = prepared[framework]
                    n = results[framework]["n"]
                    collect()
                    try:
                        seconds = await p.run(n, start=rep * n)
                    except Exception as exc:
                        results[framework] = {"invalid": f"{type(exc).__name__}: {exc}"}
                        log(f"!!! INVALID {scenario.name} / {framework}: {exc}")
                        del prepared[framework]
                        samples.pop(framework, None)
                        break
                    samples[framework].append(n / seconds)
            for framework, values in samples.items():
                if values:
                    results[framework].update(rps=statistics.median(values), samples=[round(v) for v in values])
            out["scenarios"][scenario.name] = {"description": scenario.description, "results": results}
            log(_line(scenario.name, results))
    finally:
        await apps.close()
    return out


def _line(name: str, results: dict[str, Any]) -> str:
    parts = []
    for framework, info in results.items():
        if "rps" in info:
            parts.append(f"{framework} {info['rps']:,.0f}")
        elif "invalid" in info:
            parts.append(f"{framework} INVALID")
        else:
            parts.append(f"{framework} n/a")
    return f"  {name:<20} " + " | ".join(parts)
