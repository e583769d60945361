"""Instructions per request, counted by valgrind's callgrind: figures a busy machine cannot move.

Run: ``.bench-venv/bin/python -m bench.instructions [--scenarios plaintext,json] [--requests 2000]``.
Each scenario runs twice in a child process under ``valgrind --tool=callgrind``:
once with only the start-up and a warm-up of 300 requests, once with ``--requests``
more; the difference divided by that number is what one request costs, start-up
excluded. Wall-clock figures on a shared 2-core VM moved by 2x between identical runs
this round, so before/after comparisons of hornbeam itself use these counts.
``--checkout DIR`` (with ``--site DIR``, a ``pip install --target`` of that checkout)
measures another version of hornbeam with the same driver. ``--observers`` counts
instead the apps of ``bench/observers.py`` (plaintext and JSON with no observer,
no-op observers, async no-op observers and a counter with a latency sample), and
``--prometheus`` those of ``bench/prometheus.py`` (hornbeam with and without
hornbeam-prometheus, Starlette with and without starlette-exporter). With
``--served`` those requests go through uvicorn's own HTTP protocol
(``bench/served.py``: parsing, its request cycle and task, the event loop; no
sockets), which is what a plugin's cost is beside in a server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("plaintext", "json", "path_params", "query", "post_json", "not_found", "github", "validation",
             "middleware_1", "middleware_5")  # fmt: skip
_COLLECTED = re.compile(r"Collected : (\d+)")


async def serve(name: str, requests: int) -> None:
    """The child's work: start hornbeam's bench app, warm it up, then run ``requests`` more."""
    from bench.apps import load
    from bench.common import scenario_map
    from bench.driver import Lifespan, Prepared

    module = load("hornbeam")
    scenario = scenario_map()[name]
    app = module.app if scenario.middleware == 0 else module.build(scenario.middleware)
    lifespan = Lifespan(app)
    await lifespan.startup()
    prepared = Prepared(app, scenario, getattr(module, "NOT_FOUND", None))
    await prepared.run(300)
    if requests:
        await prepared.run(requests)
    await lifespan.shutdown()


async def observe(suite: str, variant: str, path: str, served: bool, requests: int) -> None:
    """The child's work for ``--observers``/``--prometheus``: one app of that bench, warmed up, then ``requests`` more."""
    from bench import observers

    if suite == "observers":
        app = observers.build(observers.VARIANTS[variant]())
    else:
        from bench import prometheus

        app = prometheus.VARIANTS[variant]()
    if served:
        from bench.served import Connection

        connection = Connection(app)
        await connection.get(path, 300)
        if requests:
            await connection.get(path, requests)
        connection.close()
        return
    await observers.run(app, path, 300)
    if requests:
        await observers.run(app, path, requests)


def count(name: str, requests: int, checkout: Path, site: Path | None) -> int:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (site, checkout) if p is not None)
    # Fixed string hashes: with per-process seeds, the same code counted twice differed by up to 6%.
    env["PYTHONHASHSEED"] = "0"
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, str(Path(__file__).resolve()), "--child", name, str(requests)],
        cwd=checkout, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = _COLLECTED.search(result.stderr)
    if match is None:
        raise RuntimeError(f"callgrind gave no count for {name}:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the hornbeam checkout whose bench/ runs")
    parser.add_argument("--site", type=Path, default=None, help="an installed copy of that checkout's hornbeam")
    parser.add_argument("--observers", action="store_true", help="count bench/observers.py's variants instead")
    parser.add_argument("--prometheus", action="store_true", help="count bench/prometheus.py's variants instead")
    parser.add_argument("--served", action="store_true", help="with either: through uvicorn's HTTP protocol")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, requests = args.child[0], int(args.child[1])
        if "|" in name:
            suite, variant, path, driver = name.split("|")
            coroutine = observe(suite, variant, path, driver == "served", requests)
            if driver == "served":
                from bench.driver import loop_factory

                # The loop uvicorn itself would pick (uvloop, when installed).
                with asyncio.Runner(loop_factory=loop_factory()[0]) as runner:
                    runner.run(coroutine)
            else:
                asyncio.run(coroutine)
        else:
            asyncio.run(serve(name, requests))
        return
    if args.observers or args.prometheus:
        suite = "observers" if args.observers else "prometheus"
        count_variants(suite, args.served, args.requests, args.checkout, args.site)
        return
    print(f"instructions per request (callgrind; {args.requests} requests after start-up and warm-up)")
    for name in args.scenarios.split(","):
        base = count(name, 0, args.checkout, args.site)
        total = count(name, args.requests, args.checkout, args.site)
        print(f"{name:>14} {(total - base) / args.requests:10,.0f}")


def count_variants(suite: str, served: bool, requests: int, checkout: Path, site: Path | None) -> None:
    """The table of ``--observers`` or ``--prometheus``: each variant's count, and its ratio to its baseline."""
    if suite == "observers":
        from bench import observers

        paths = observers.PATHS
        base_of = {variant: "no observer" for variant in observers.VARIANTS}
    else:
        from bench import prometheus

        paths = prometheus.PATHS
        base_of = {variant: "hornbeam" if variant.startswith("hornbeam") else "starlette" for variant in prometheus.VARIANTS}
    driver = "served" if served else "asgi"
    how = "served through uvicorn's HTTP protocol" if served else "in process, ASGI calls"
    print(f"instructions per request, {suite} ({how}; callgrind; {requests} requests after start-up and warm-up)")
    print("ratio = throughput against the variant's baseline (" + ", ".join(sorted(set(base_of.values()))) + ")")
    print(f"{'variant':>32} | " + " | ".join(f"{scenario:>18}" for scenario in paths))
    costs: dict[tuple[str, str], float] = {}
    for variant in base_of:
        cells = []
        for scenario, path in paths.items():
            name = f"{suite}|{variant}|{path}|{driver}"
            cost = costs[(variant, scenario)] = (count(name, requests, checkout, site) - count(name, 0, checkout, site)) / requests
            cells.append(f"{cost:9,.0f} ({costs[(base_of[variant], scenario)] / cost:4.2f}x)")
        print(f"{variant:>32} | " + " | ".join(f"{c:>18}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
