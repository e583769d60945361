"""``python -m bench.profile [SCENARIO ...]``: cProfile of hornbeam's in-process run, top functions by own time."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys

from bench.common import scenario_map
from bench.driver import Lifespan, Prepared, loop_factory

DEFAULT = ("plaintext", "json", "path_params", "query", "post_json")


async def _profile(framework: str, name: str, count: int, top: int, sort: str) -> str:
    from bench.apps import load

    module = load(framework)
    scenario = scenario_map()[name]
    app = module.build(scenario.middleware)
    lifespan = Lifespan(app)
    await lifespan.startup()
    try:
        prepared = Prepared(app, scenario, getattr(module, "NOT_FOUND", None))
        await prepared.run(2000)
        profiler = cProfile.Profile()
        profiler.enable()
        await prepared.run(count)
        profiler.disable()
    finally:
        await lifespan.shutdown()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(sort)
    stats.print_stats(top)
    return stream.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    p.add_argument("scenarios", nargs="*", default=list(DEFAULT))
    p.add_argument("--framework", default="hornbeam")
    p.add_argument("--count", type=int, default=50_000)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumtime, ncalls)")
    args = p.parse_args(argv)
    factory, loop_name = loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        for name in args.scenarios:
            print(f"=== {args.framework} / {name}: {args.count} requests, loop {loop_name}")
            print(runner.run(_profile(args.framework, name, args.count, args.top, args.sort)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
