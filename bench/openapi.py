"""The openapi plugin's costs, and typed responses beside FastAPI and Litestar, in one run.

Run in the bench environment: ``.bench-venv/bin/python -m bench.openapi`` (``--quick``
checks that it all runs; its figures mean nothing). Three parts:

- start-up: building the document (and its bytes) for the 203 GitHub routes and for 1,000
  typed routes (a path parameter, a query type, a body type and a response type each), on
  an app frozen without the plugin; FastAPI's ``app.openapi()`` and Litestar's
  ``app.openapi_schema`` for the same 1,000 routes (the same dataclasses), each on a fresh app;
- serving: requests/s for ``GET /openapi.json`` (and its 304) against ``GET /plaintext`` of
  the same 1,000-route app, in-process, beside FastAPI's and Litestar's document routes;
- typed responses: a handler returning a ~1 KB nested dataclass, with hornbeam's return
  annotation, FastAPI's ``response_model`` and Litestar's return annotation, on each
  framework's app of the main bench (the GitHub table first), beside the same data as a dict.

Peers that are not installed are skipped with a note. Figures go to stdout and to
``bench/results/openapi.json``.
"""

# No "from __future__ import annotations": the peers read the handlers' annotations at run time,
# and these handlers are made in loops, their types local variables.
import argparse
import asyncio
import dataclasses
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.__main__ import machine
from bench.apps.hornbeam import Dimensions, Item, Owner, Variant
from bench.common import ITEM_PAYLOAD, ROOT, PLAINTEXT, Scenario, github_paths
from bench.driver import InvalidResponse, Lifespan, Prepared, collect, loop_factory
from hornbeam import App, Request

RESULTS = ROOT / "bench" / "results" / "openapi.json"
TYPED_ROUTES = 1000
MODELS = 50


@dataclasses.dataclass
class Page:
    limit: int = 20
    offset: int = 0
    tag: list[str] = dataclasses.field(default_factory=list)


# 50 body/response models, each nesting the shared Owner and Dimensions: 1,000 routes use them in turn.
BODIES = [
    dataclasses.make_dataclass(f"Body{n}", [("name", str), ("price", float), ("owner", Owner), ("tags", list[str])])
    for n in range(MODELS)
]
ANSWERS = [
    dataclasses.make_dataclass(f"Answer{n}", [("id", int), ("name", str), ("dimensions", Dimensions)])
    for n in range(MODELS)
]
for _cls in (*BODIES, *ANSWERS):
    _cls.__module__ = __name__
    globals()[_cls.__name__] = _cls

ITEM = Item(
    name=ITEM_PAYLOAD["name"],
    description=ITEM_PAYLOAD["description"],
    price=ITEM_PAYLOAD["price"],
    tags=list(ITEM_PAYLOAD["tags"]),
    owner=Owner(**ITEM_PAYLOAD["owner"]),
    dimensions=Dimensions(**ITEM_PAYLOAD["dimensions"]),
    variants=[Variant(**v) for v in ITEM_PAYLOAD["variants"]],
)


# hornbeam -----------------------------------------------------------------------------------


def _app(openapi: bool) -> App:
    # The document, not the docs page: the page's files are read once per process, not per app.
    return App(settings={"openapi_docs": False}) if openapi else App(disable_plugins=["openapi"])


def hornbeam_github(openapi: bool) -> App:
    app = _app(openapi)
    for pattern, methods in github_paths().items():

        async def handler(request: Request[None, None], **params: str) -> dict[str, str]:
            return params

        app.add_route(pattern, handler, methods, name=f"gh{len(app.router.routes)}")
    return app


def _typed_handler(answer: type) -> Callable[..., Any]:
    async def handler(request: Request[Page, Any], item_id: int) -> Any:
        return answer(id=item_id, name="x", dimensions=Dimensions(1, 2, 3))

    return handler


def hornbeam_typed(openapi: bool) -> App:
    app = _app(openapi)
    for i in range(TYPED_ROUTES):
        model = i % MODELS
        app.add_route(
            f"/r{i}/items/{{item_id:int}}", _typed_handler(ANSWERS[model]), ["POST"], name=f"r{i}",
            query=Page, body=BODIES[model], response=ANSWERS[model], tags=[f"t{i % 20}"],
        )  # fmt: skip

    @app.get("/plaintext")
    async def plaintext(request: Request[None, None]) -> str:
        return "Hello, World!"

    return app


def hornbeam_build(app: App) -> float:
    """Seconds to build the document and its bytes on a frozen app, as the plugin does at start-up."""
    from hornbeam.plugins.openapi.document import DocumentBuilder, Info

    app.freeze()
    started = time.perf_counter()
    document = DocumentBuilder(app, Info("bench", "1.0")).build()
    app.json_codec.dumps(document)
    return time.perf_counter() - started


# FastAPI ------------------------------------------------------------------------------------


def fastapi_typed() -> Any:
    from fastapi import FastAPI, Query
    from fastapi.responses import PlainTextResponse

    app = FastAPI(title="bench", version="1.0")
    for i in range(TYPED_ROUTES):
        model = i % MODELS

        def make(body: type, answer: type) -> Any:
            async def handler(
                item_id: int, item: body, limit: int = 20, offset: int = 0, tag: list[str] = Query(default=[])
            ) -> Any:
                return answer(id=item_id, name="x", dimensions=Dimensions(1, 2, 3))

            return handler

        app.add_api_route(
            f"/r{i}/items/{{item_id}}", make(BODIES[model], ANSWERS[model]), methods=["POST"], name=f"r{i}",
            response_model=ANSWERS[model], tags=[f"t{i % 20}"],
        )  # fmt: skip

    @app.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return "Hello, World!"

    return app


def fastapi_build(app: Any) -> float:
    started = time.perf_counter()
    app.openapi()
    return time.perf_counter() - started


# Litestar -----------------------------------------------------------------------------------


def litestar_typed() -> Any:
    from litestar import Litestar, get, post
    from litestar.openapi import OpenAPIConfig

    handlers = []
    for i in range(TYPED_ROUTES):
        model = i % MODELS

        def make(i: int, body: type, answer: type) -> Any:
            async def handler(
                item_id: int, data: body, limit: int = 20, offset: int = 0, tag: list[str] | None = None
            ) -> answer:
                return answer(id=item_id, name="x", dimensions=Dimensions(1, 2, 3))

            return post(f"/r{i}/items/{{item_id:int}}", name=f"r{i}", status_code=200, tags=[f"t{i % 20}"])(handler)

        handlers.append(make(i, BODIES[model], ANSWERS[model]))

    @get("/plaintext")
    async def plaintext() -> str:
        return "Hello, World!"

    config = OpenAPIConfig(title="bench", version="1.0")
    return Litestar(route_handlers=[*handlers, plaintext], openapi_config=config, debug=False)


def litestar_build(app: Any) -> float:
    started = time.perf_counter()
    app.openapi_schema.to_schema()
    return time.perf_counter() - started


# The parts ---------------------------------------------------------------------------------


def available(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def startup(reps: int, log: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def median_of(make: Callable[[], Any], build: Callable[[Any], float]) -> float:
        times = []
        for _ in range(reps):
            app = make()
            collect()
            times.append(build(app))
        return statistics.median(times)

    out["hornbeam github (203 routes)"] = median_of(lambda: hornbeam_github(False), hornbeam_build)
    out["hornbeam typed (1,000 routes)"] = median_of(lambda: hornbeam_typed(False), hornbeam_build)
    # The whole start-up with and without the plugin: what a user waits for.
    for label, make in (("github", hornbeam_github), ("typed", hornbeam_typed)):
        on = median_of(lambda: make(True), lambda app: _timed(app.freeze))
        off = median_of(lambda: make(False), lambda app: _timed(app.freeze))
        out[f"hornbeam freeze() {label}, plugin on"] = on
        out[f"hornbeam freeze() {label}, plugin off"] = off
    if available("fastapi"):
        out["fastapi typed (1,000 routes): app.openapi()"] = median_of(fastapi_typed, fastapi_build)
    if available("litestar"):
        out["litestar typed (1,000 routes): app.openapi_schema"] = median_of(litestar_typed, litestar_build)
    for name, seconds in out.items():
        log(f"  {name:<52} {seconds * 1000:9.1f} ms")
    return {name: round(seconds, 5) for name, seconds in out.items()}


def _timed(func: Callable[[], Any]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


async def _measure(app: Any, scenario: Scenario, reps: int, target: float, quick: bool, headers: list[Any]) -> float:
    prepared = Prepared(app, scenario)
    for scope in prepared.scopes:
        scope["headers"] = scope["headers"] + headers
    await prepared.run(len(prepared.scopes))
    # A short probe: the peers serve a large document a few dozen times a second.
    probe = 20
    seconds = await prepared.run(probe)
    n = probe if quick else max(probe, int(target * probe / max(seconds, 1e-9)))
    samples = []
    for rep in range(reps):
        collect()
        samples.append(n / await prepared.run(n, start=rep * n))
    return statistics.median(samples)


async def serving(apps: dict[str, tuple[Any, str]], reps: int, target: float, quick: bool, log: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (app, document_path) in apps.items():
        lifespan = Lifespan(app)
        await lifespan.startup()
        try:
            probe = Prepared(app, Scenario("document", "GET", [document_path], [b""]))
            first = await probe.one()
            if first.status != 200:
                raise InvalidResponse(f"{name}: GET {document_path} answered {first.status}")
            document = json.loads(first.body)
            figures = {
                "plaintext": await _measure(app, Scenario("plaintext", "GET", ["/plaintext"], [PLAINTEXT]), reps, target, quick, []),
                "document": await _measure(app, Scenario("document", "GET", [document_path], [document]), reps, target, quick, []),
            }
            # hornbeam answers the document with an ETag (peers send none to revalidate against).
            etag = b'"' + hashlib.blake2b(first.body, digest_size=12).hexdigest().encode() + b'"'
            if isinstance(app, App):
                not_modified = Scenario("304", "GET", [document_path], [b""], status=304)
                figures["document 304"] = await _measure(app, not_modified, reps, target, quick, [(b"if-none-match", etag)])
            figures["document bytes"] = len(first.body)
        finally:
            await lifespan.shutdown()
        out[name] = figures
        shown = ", ".join(f"{k} {v:,.0f}/s" if "bytes" not in k else f"{v:,} B" for k, v in figures.items())
        log(f"  {name:<10} {shown}")
    return out


def typed_apps() -> dict[str, Any]:
    """Each framework's app of the main bench (the GitHub table first) plus ``/item`` and ``/item-dict``.

    ``/item`` returns the dataclass, typed as each framework documents it; ``/item-dict`` returns the
    same data as a plain dict, so the difference is what the typed answer costs.
    """
    from bench.apps import load

    apps: dict[str, Any] = {}
    app = load("hornbeam").build()

    @app.get("/item")
    async def item(request: Request[None, None]) -> Item:
        return ITEM

    @app.get("/item-dict")
    async def item_dict(request: Request[None, None]) -> dict[str, Any]:
        return ITEM_PAYLOAD

    apps["hornbeam"] = app
    if available("fastapi"):
        fast = load("fastapi").build()

        @fast.get("/item", response_model=Item)
        async def fast_item() -> Any:
            return ITEM

        @fast.get("/item-dict")
        async def fast_item_dict() -> dict[str, Any]:
            return ITEM_PAYLOAD

        apps["fastapi"] = fast
    if available("litestar"):
        from litestar import get

        star = load("litestar").build()

        @get("/item")
        async def star_item() -> Item:
            return ITEM

        @get("/item-dict")
        async def star_item_dict() -> dict[str, Any]:
            return ITEM_PAYLOAD

        star.register(star_item)
        star.register(star_item_dict)
        apps["litestar"] = star
    return apps


async def typed_responses(apps: dict[str, Any], reps: int, target: float, quick: bool, log: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, app in apps.items():
        lifespan = Lifespan(app)
        await lifespan.startup()
        try:
            typed = await _measure(app, Scenario("typed", "GET", ["/item"], [ITEM_PAYLOAD]), reps, target, quick, [])
            plain = await _measure(app, Scenario("dict", "GET", ["/item-dict"], [ITEM_PAYLOAD]), reps, target, quick, [])
        finally:
            await lifespan.shutdown()
        out[name] = {"dataclass": typed, "dict": plain}
    ours = out["hornbeam"]["dataclass"]
    for name, figures in out.items():
        typed, plain = figures["dataclass"], figures["dict"]
        log(f"  {name:<10} dataclass {typed:10,.0f}/s   dict {plain:10,.0f}/s   hornbeam / it: {ours / typed:6.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.openapi", description=__doc__.partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts: checks that it all runs")
    parser.add_argument("--output", default=None, help=f"where to write the JSON (default {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    reps = 1 if args.quick else 5
    target = 0.001 if args.quick else 0.2
    factory, loop_name = loop_factory()
    results: dict[str, Any] = {"meta": machine(loop_name), "quick": args.quick}
    print(f"document build at start-up (median of {reps}):")
    results["startup"] = startup(reps, print)
    serving_apps: dict[str, tuple[Any, str]] = {"hornbeam": (hornbeam_typed(True), "/openapi.json")}
    if available("fastapi"):
        serving_apps["fastapi"] = (fastapi_typed(), "/openapi.json")
    if available("litestar"):
        serving_apps["litestar"] = (litestar_typed(), "/schema/openapi.json")
    missing = [peer for peer in ("fastapi", "litestar") if not available(peer)]
    if missing:
        print(f"(not installed, skipped: {', '.join(missing)}; `make bench` installs them in .bench-venv)")
    with asyncio.Runner(loop_factory=factory) as runner:
        print(f"\nserving the document of the 1,000-route app, in-process (requests/s, median of {reps}; loop {loop_name}):")
        results["serving"] = runner.run(serving(serving_apps, reps, target, args.quick, print))
        print(f"\ntyped responses: GET /item returns a {len(json.dumps(ITEM_PAYLOAD))} B nested dataclass (requests/s):")
        results["typed_response"] = runner.run(typed_responses(typed_apps(), reps, target, args.quick, print))
    output = Path(args.output) if args.output else RESULTS if not args.quick else RESULTS.with_name("openapi.json.tmp")
    output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
