"""``python -m bench``: every scenario for every framework in one run; writes bench/results/latest.json."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import FRAMEWORKS, ROOT, scenario_map, scenarios
from bench.driver import loop_factory

RESULTS = ROOT / "bench" / "results" / "latest.json"
E2E_SCENARIOS = ("plaintext", "json", "path_params")


def machine(loop_name: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("hornbeam", "starlette", "fastapi", "litestar", "falcon", "blacksheep", "uvicorn", "uvloop",
                 "httptools", "orjson", "msgspec", "pydantic", "pluggy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "core", "plugins"], cwd=ROOT,
                                    capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        commit, dirty = "", False
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loop": loop_name,
        "versions": versions,
        "commit": commit + (" (core/plugins modified)" if dirty else ""),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    names = [s.name for s in scenarios()]
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny counts: checks that everything runs, figures meaningless")
    p.add_argument("--only", action="append", metavar="SCENARIO",
                   help=f"run only this in-process scenario (repeatable); one of: {', '.join(names)}")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated subset (default: all)")
    p.add_argument("--e2e", action=argparse.BooleanOptionalAction, default=True, help="end-to-end runs under uvicorn + wrk")
    p.add_argument("--duration", type=float, default=2.0, help="seconds per wrk run (default 2)")
    p.add_argument("--reps", type=int, default=5, help="repetitions, in-process and end-to-end (default 5)")
    p.add_argument("--sample-time", type=float, default=0.2, help="seconds per in-process sample (default 0.2)")
    p.add_argument("--no-router", dest="router", action="store_false", help="skip router lookups and registration")
    p.add_argument("--no-allocs", dest="allocs", action="store_false", help="skip the tracemalloc figures")
    p.add_argument("--output", type=Path, default=None, help=f"where to write the JSON (default {RESULTS.relative_to(ROOT)})")
    args = p.parse_args(argv)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = set(args.frameworks) - set(FRAMEWORKS)
    if unknown:
        p.error(f"unknown frameworks {sorted(unknown)}; known: {', '.join(FRAMEWORKS)}")
    if args.only and set(args.only) - set(names):
        p.error(f"unknown scenarios {sorted(set(args.only) - set(names))}; known: {', '.join(names)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    factory, loop_name = loop_factory()
    meta = machine(loop_name)
    quick = args.quick
    reps = 1 if quick else args.reps
    print(f"hornbeam bench: {meta['cpu']}, {meta['nproc']} cores, Python {meta['python']}, loop {loop_name}")
    print(f"frameworks: {', '.join(args.frameworks)}{'  (quick: figures are meaningless)' if quick else ''}")
    started = time.perf_counter()
    selected = [s for s in scenarios() if not args.only or s.name in args.only]
    results: dict[str, Any] = {"meta": meta, "quick": quick, "frameworks": args.frameworks}

    from bench.inprocess import run_inprocess

    print(f"\nin-process (median of {reps}, requests/s):")
    with asyncio.Runner(loop_factory=factory) as runner:
        results["inprocess"] = runner.run(run_inprocess(args.frameworks, selected, reps, args.sample_time, quick))
        print(f"  (the driver alone, with a null app: {results['inprocess']['driver_rps']:,.0f}/s)")
        if args.allocs and not args.only:
            from bench.allocs import run_allocations

            print("\nper-request memory (tracemalloc):")
            results["allocations"] = runner.run(run_allocations(args.frameworks, scenario_map(), 20 if quick else 300))

    if args.router and not args.only:
        from bench.router import run_lookups, run_registration

        print("\nrouter alone:")
        results["router"] = run_lookups(args.frameworks, 1 if quick else 5, 0.02 if quick else 0.3)
        results["registration"] = run_registration(args.frameworks, (1000,) if quick else (1000, 10000), 1 if quick else 3)

    if args.e2e:
        from bench.e2e import run_e2e

        print("\nend-to-end:")
        chosen = [scenario_map()[n] for n in E2E_SCENARIOS if not args.only or n in args.only]
        if chosen:
            results["e2e"] = run_e2e(args.frameworks, chosen, reps, 1 if quick else args.duration)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)

    output = args.output or (RESULTS if not quick and not args.only else RESULTS.with_name("partial.json.tmp"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")
    from bench.report import render

    print()
    print(render(results))
    print(f"\nwritten to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} in {results['elapsed_s']} s")
    invalid = [
        f"{name}/{fw}"
        for section in ("inprocess", "e2e")
        for name, data in results.get(section, {}).get("scenarios", {}).items()
        for fw, info in data["results"].items()
        if "invalid" in info
    ]
    if invalid:
        print(f"\n!!! INVALID scenarios (wrong responses; their figures are void): {', '.join(invalid)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
