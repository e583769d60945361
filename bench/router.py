"""The router alone: lookups/s over a concrete path for each of the 203 GitHub routes, and registration time."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import concrete, github_routes


def _pairs() -> list[tuple[str, str, str]]:
    """(method, concrete path, pattern) for every route of the table."""
    return [(m, concrete(p), p) for m, p in github_routes()]


def _grouped(routes: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for method, path in routes:
        grouped.setdefault(path, []).append(method)
    return grouped


def _handler_for(pattern: str) -> Any:
    async def handler(request: Any) -> dict[str, str]:
        return {"route": pattern}

    handler.pattern = pattern  # type: ignore[attr-defined]
    return handler


# hornbeam ------------------------------------------------------------------


def hornbeam_app(routes: list[tuple[str, str]]) -> Any:
    from hornbeam import App

    # The openapi plugin's document is timed by bench.openapi; here the router alone, as for the peers.
    app = App(disable_plugins=["openapi"])
    for path, methods in _grouped(routes).items():
        app.add_route(path, _handler_for(path), methods)
    return app


def hornbeam_lookup(pairs: list[tuple[str, str, str]]) -> Callable[[], int]:
    app = hornbeam_app([(m, p) for m, _, p in pairs])
    app.freeze()
    tree = app.runtime.tree
    static = tree.static
    match = tree.match
    for method, path, pattern in pairs:
        leaf = static.get(path)
        leaf, params = (leaf, {}) if leaf is not None else match(path.split("/")[1:])
        assert leaf.methods[method].route.endpoint.pattern == pattern, (path, pattern)
    requests = [(m, p) for m, p, _ in pairs]

    # The same steps as _dispatch.handle: static dict, else the tree; the method; the params dict.
    def run() -> int:
        for method, path in requests:
            leaf = static.get(path)
            if leaf is None:
                leaf, params = match(path.split("/")[1:])
            else:
                params = {}
            endpoint = leaf.methods[method]
            if endpoint.rename is not None:
                params = dict(zip(endpoint.rename, params.values()))
        return len(requests)

    return run


# Falcon --------------------------------------------------------------------


def _falcon_router(routes: list[tuple[str, str]]) -> Any:
    from falcon.routing import CompiledRouter

    router = CompiledRouter()
    for path, methods in _grouped(routes).items():

        def responder(self: Any, req: Any, resp: Any, **params: Any) -> None:  # sync: the WSGI default router
            pass

        resource = type("R", (), {f"on_{m.lower()}": responder for m in methods})()
        resource.pattern = path  # type: ignore[attr-defined]
        router.add_route(path, resource)
    return router


def falcon_lookup(pairs: list[tuple[str, str, str]]) -> Callable[[], int]:
    router = _falcon_router([(m, p) for m, _, p in pairs])
    find = router.find
    for method, path, pattern in pairs:
        resource, methods, params, template = find(path)
        assert resource.pattern == pattern and method in methods, (path, pattern)
    requests = [(m, p) for m, p, _ in pairs]

    def run() -> int:
        for method, path in requests:
            resource, methods, params, template = find(path)
            responder = methods[method]
        return len(requests)

    return run


# Starlette -----------------------------------------------------------------


def _starlette_routes(routes: list[tuple[str, str]]) -> list[Any]:
    from starlette.routing import Route

    return [Route(path, _handler_for(path), methods=methods) for path, methods in _grouped(routes).items()]


def starlette_lookup(pairs: list[tuple[str, str, str]]) -> Callable[[], int]:
    from starlette.routing import Match

    routes = _starlette_routes([(m, p) for m, _, p in pairs])
    full = Match.FULL

    def find(method: str, path: str) -> Any:
        # What starlette.routing.Router.app does: the first FULL match wins, else the first PARTIAL (405).
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        partial = None
        for route in routes:
            match, child = route.matches(scope)
            if match is full:
                return route, child
            if partial is None and match is Match.PARTIAL:
                partial = (route, child)
        return partial

    for method, path, pattern in pairs:
        route, _ = find(method, path)
        assert route.path == pattern, (path, pattern)
    requests = [(m, p) for m, p, _ in pairs]

    def run() -> int:
        for method, path in requests:
            find(method, path)
        return len(requests)

    return run


LOOKUPS = {"hornbeam": hornbeam_lookup, "falcon": falcon_lookup, "starlette": starlette_lookup}


def run_lookups(frameworks: list[str], reps: int, target: float, log: Any = print) -> dict[str, Any]:
    pairs = _pairs()
    runners = {}
    for name in frameworks:
        if name in LOOKUPS:
            try:
                runners[name] = LOOKUPS[name](pairs)
            except ImportError as exc:
                log(f"  router: {name} not available ({exc})")
    rounds: dict[str, int] = {}
    for name, run in runners.items():
        t0 = time.perf_counter()
        run()
        once = max(time.perf_counter() - t0, 1e-9)
        rounds[name] = max(1, int(target / once))
    samples: dict[str, list[float]] = {n: [] for n in runners}
    for rep in range(reps):
        names = list(runners)
        names = names[rep % len(names):] + names[: rep % len(names)]
        for name in names:
            run = runners[name]
            t0 = time.perf_counter()
            count = 0
            for _ in range(rounds[name]):
                count += run()
            samples[name].append(count / (time.perf_counter() - t0))
    out = {n: {"lookups_per_s": statistics.median(v), "samples": [round(x) for x in v]} for n, v in samples.items()}
    log("  router lookups/s: " + " | ".join(f"{n} {v['lookups_per_s']:,.0f}" for n, v in out.items()))
    return {"routes": len(pairs), "results": out}


# Registration ---------------------------------------------------------------


def synthetic_routes(count: int) -> list[tuple[str, str]]:
    """``count`` routes: the GitHub table repeated under /v0, /v1, ... prefixes."""
    table = github_routes()
    out: list[tuple[str, str]] = []
    version = 0
    while len(out) < count:
        out.extend((m, f"/v{version}{p}") for m, p in table)
        version += 1
    return out[:count]


def _register_hornbeam(routes: list[tuple[str, str]]) -> dict[str, float]:
    t0 = time.perf_counter()
    app = hornbeam_app(routes)
    t1 = time.perf_counter()
    app.freeze()
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "declare": t1 - t0, "freeze": t2 - t1}


def _register_falcon(routes: list[tuple[str, str]]) -> dict[str, float]:
    t0 = time.perf_counter()
    router = _falcon_router(routes)
    router.find("/")  # Falcon compiles its tree into Python code on the first lookup
    return {"seconds": time.perf_counter() - t0}


def _register_starlette(routes: list[tuple[str, str]]) -> dict[str, float]:
    t0 = time.perf_counter()
    _starlette_routes(routes)
    return {"seconds": time.perf_counter() - t0}


REGISTER = {"hornbeam": _register_hornbeam, "falcon": _register_falcon, "starlette": _register_starlette}


def run_registration(frameworks: list[str], sizes: tuple[int, ...], reps: int, log: Any = print) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in frameworks:  # warm-up: imports, plugin discovery, first-call caches
        if name in REGISTER:
            try:
                REGISTER[name](synthetic_routes(50))
            except ImportError:
                pass
    for size in sizes:
        routes = synthetic_routes(size)
        samples: dict[str, list[dict[str, float]]] = {}
        for _ in range(reps if size <= 1000 else min(reps, 3)):
            for name in frameworks:
                if name in REGISTER:
                    # Each starts from a collected heap, so one framework's garbage never bills the next.
                    gc.collect()
                    try:
                        samples.setdefault(name, []).append(REGISTER[name](routes))
                    except ImportError:
                        pass
        out[str(size)] = {
            name: {key: statistics.median(s[key] for s in values) for key in values[0]}
            for name, values in samples.items()
        }
        log(f"  register {size:>6} routes: " + " | ".join(
            f"{n} {v['seconds'] * 1000:,.1f} ms" for n, v in out[str(size)].items()))
    return out
