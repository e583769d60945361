"""The frozen runtime: everything dispatch reads, built once by ``App.freeze()``.

``build_runtime(app)`` loads the plugins, resolves settings and components,
compiles observers and routes, and stacks the ASGI middleware; the ``Runtime``
it returns is sealed (its attributes cannot be set again). ``App`` keeps the
configuration; requests only ever read the runtime.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from . import _contracts, _dispatch, _websocket
from ._endpoints import Call, Endpoint, build_chain, compile_endpoint
from ._near_miss import NearMiss
from ._observers import Observer, compile_observer
from ._tree import Leaf, Tree
from ._websocket import WebSocketEndpoint
from .components import ErrorRenderer, JSONCodec, QueryParser, Validator
from .errors import ConfigurationError, PluginError
from .middleware import Middleware, check_middleware
from .requests import Receive, Request
from .responses import Response, Send
from .routing import Route, with_response_type
from .settings import Setting, resolve_settings

if TYPE_CHECKING:
    from .app import App
    from .tasks import TaskQueue

__all__ = ["Runtime", "build_runtime", "ASGIApp"]

logger = logging.getLogger("hornbeam")

ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def _no_query_parser(query_string: bytes) -> Any:
    raise ConfigurationError(
        "no plugin provides hornbeam_query_parser: enable the built-in 'query' plugin or install one"
    )


class Runtime:
    """The app as it serves: components, the compiled route tree, chains, observers and the ASGI entry.

    Built and sealed by ``build_runtime``; setting an attribute afterwards
    raises AttributeError. ``tasks`` is the one exception: the task queue lives
    as long as one lifespan, so the lifespan sets it.
    """

    __slots__ = (
        "app",
        "json_codec",
        "error_renderer",
        "query_parser",
        "validator",
        "tree",
        "near_miss",
        "routes",
        "names",
        "not_found_chain",
        "fallbacks",
        "on_started",
        "on_response",
        "on_failed",
        "observer_plugins",
        "on_websocket_connected",
        "on_websocket_disconnected",
        "answer_error",
        "max_body_size",
        "trailing_slash",
        "slash_routes",
        "websockets",
        "message_checks",
        "asgi",
        "tasks",
        "lifespans",
        "_sealed",
    )

    app: App
    json_codec: JSONCodec
    error_renderer: ErrorRenderer
    query_parser: QueryParser
    validator: Validator | None
    tree: Tree[Endpoint]
    near_miss: NearMiss
    routes: tuple[Route, ...]
    names: dict[str, Route | None]
    not_found_chain: tuple[Call, tuple[Middleware, ...]] | None
    fallbacks: dict[Leaf[Endpoint], tuple[Call, tuple[Middleware, ...]]]
    on_started: Observer | None
    on_response: Observer | None
    on_failed: Observer | None
    observer_plugins: dict[str, tuple[str, ...]]
    on_websocket_connected: Observer | None
    on_websocket_disconnected: Observer | None
    answer_error: Callable[[Request[Any, Any], Exception], Awaitable[Response]]
    max_body_size: int | None
    trailing_slash: Literal["redirect", "strict"]
    slash_routes: bool
    websockets: dict[Leaf[Endpoint], WebSocketEndpoint]
    # Checks for ``ws.receive_json(into)``, compiled once per type on first use (the dict grows, the slot stays).
    message_checks: dict[Any, Callable[[Any], Any]]
    asgi: ASGIApp
    tasks: TaskQueue | None
    lifespans: int
    _sealed: bool

    def __init__(self, app: App) -> None:
        object.__setattr__(self, "_sealed", False)
        self.app = app
        self.tasks = None
        self.lifespans = 0

    def seal(self) -> None:
        object.__setattr__(self, "_sealed", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if self._sealed and name not in ("tasks", "lifespans"):
            raise AttributeError(f"the runtime is frozen: {name} cannot change once the app has started")
        object.__setattr__(self, name, value)


def build_runtime(app: App) -> Runtime:
    """Load plugins, resolve settings and components, compile observers and routes; raises on any conflict."""
    host = app.plugins
    runtime = app._building = Runtime(app)
    try:
        _build(runtime)
    finally:
        app._building = None
    return runtime


def _build(runtime: Runtime) -> None:
    app = runtime.app
    host = app.plugins
    host.load()
    declared: list[tuple[str, Setting]] = []
    for plugin, settings in host.call("hornbeam_settings"):
        if settings is None:
            continue
        if isinstance(settings, (str, bytes)) or not isinstance(settings, Sequence):
            raise PluginError(
                f"plugin {plugin!r} broke hook hornbeam_settings: returned {settings!r}, not a list of Setting",
                plugin=plugin,
                hook="hornbeam_settings",
            )
        declared.extend((plugin, setting) for setting in settings)
    app._settings = resolve_settings(declared, app._given_settings, os.environ, host.disabled_settings)
    host.call("hornbeam_configure", app=app)
    codec = host.provide("hornbeam_json_codec", _contracts.check_codec, app=app)
    if codec is None:
        raise ConfigurationError(
            "no plugin provides hornbeam_json_codec: enable the built-in 'json' plugin or install one"
        )
    runtime.json_codec = codec
    renderer = host.provide("hornbeam_error_renderer", _contracts.check_renderer, app=app)
    if renderer is None:
        raise ConfigurationError(
            "no plugin provides hornbeam_error_renderer: enable the built-in 'problem' plugin or install one"
        )
    runtime.error_renderer = renderer
    runtime.query_parser = (
        host.provide("hornbeam_query_parser", _contracts.check_query_parser, app=app) or _no_query_parser
    )
    runtime.validator = host.provide("hornbeam_validator", _contracts.check_validator, app=app)
    _compile_observers(runtime)
    runtime.max_body_size = app.max_body_size
    runtime.message_checks = {}
    runtime.trailing_slash = app.trailing_slash
    plugin_middleware = _collect_middleware(app)
    _compile_routes(runtime, (*app.middleware, *plugin_middleware))
    runtime.asgi = _stack(runtime)
    runtime.seal()


def _compile_observers(runtime: Runtime) -> None:
    host = runtime.app.plugins
    trace = host.tracing
    started = host.observers("hornbeam_request_started")
    ready = host.observers("hornbeam_response_ready")
    # Who to name when a bare observer (see compile_observer) raises in dispatch.
    runtime.observer_plugins = {
        "hornbeam_request_started": tuple(plugin for plugin, _, _ in started),
        "hornbeam_response_ready": tuple(plugin for plugin, _, _ in ready),
    }
    runtime.on_started = compile_observer("hornbeam_request_started", started, ("request",), trace, bare=True)
    runtime.on_response = compile_observer("hornbeam_response_ready", ready, ("request", "response"), trace, bare=True)
    on_failed = runtime.on_failed = compile_observer(
        "hornbeam_request_failed", host.observers("hornbeam_request_failed"), ("request", "exc"), trace
    )
    runtime.on_websocket_connected = compile_observer(
        "hornbeam_websocket_connected", host.observers("hornbeam_websocket_connected"), ("websocket",), trace
    )
    runtime.on_websocket_disconnected = compile_observer(
        "hornbeam_websocket_disconnected",
        host.observers("hornbeam_websocket_disconnected"),
        ("websocket", "code"),
        trace,
    )
    error_response = runtime.app.error_response
    if on_failed is None:
        runtime.answer_error = error_response
        return

    async def answer_error(request: Request[Any, Any], exc: Exception) -> Response:
        observed = on_failed(request, exc)
        if observed is not None:
            await observed
        return await error_response(request, exc)

    runtime.answer_error = answer_error


def _collect_middleware(app: App) -> tuple[Middleware, ...]:
    """Middleware from every plugin's ``hornbeam_middleware``, in hook call order."""
    collected: list[Middleware] = []
    for plugin, result in app.plugins.call("hornbeam_middleware", app=app):
        if result is None:
            continue
        if not isinstance(result, (list, tuple)):
            raise PluginError(
                f"plugin {plugin!r} broke hook hornbeam_middleware: returned {result!r}, not a list",
                plugin=plugin,
                hook="hornbeam_middleware",
            )
        for mw in result:
            try:
                check_middleware(mw, f"plugin {plugin!r}, hook hornbeam_middleware")
            except ConfigurationError as exc:
                raise PluginError(str(exc), plugin=plugin, hook="hornbeam_middleware") from None
            collected.append(mw)
    return tuple(collected)


def _compile_routes(runtime: Runtime, app_level: tuple[Middleware, ...]) -> None:
    app = runtime.app
    tree: Tree[Endpoint] = Tree(app.converters)
    leaves: dict[Leaf[Endpoint], None] = {}
    names: dict[str, Route | None] = {}
    websockets: dict[Leaf[Endpoint], WebSocketEndpoint] = {}
    routes = tuple(route if route.websocket else with_response_type(route) for route in app.router.flatten())
    for route in routes:
        if route.name:
            # A name used twice is kept but unusable: url_for then says so.
            names[route.name] = None if route.name in names else route
        if route.websocket:
            socket = _websocket.compile_endpoint(runtime, route, app_level)
            leaf = tree.add(route, ())
            if socket.param_names != leaf.names:
                socket.rename = socket.param_names
            websockets[leaf] = socket
            leaves[leaf] = None
            continue
        endpoint = compile_endpoint(runtime, route, app_level)
        leaf = tree.add(route, [(method, endpoint) for method in sorted(route.methods)])
        if endpoint.param_names != leaf.names:
            endpoint.rename = endpoint.param_names
        leaves[leaf] = None
    runtime.tree = tree
    runtime.near_miss = NearMiss(tree, app.converters)
    runtime.websockets = websockets
    runtime.routes = routes
    runtime.names = names
    runtime.slash_routes = any(
        route.path.endswith("/")
        or any(seg.param is not None and app.converters[seg.converter or "str"].catch_all for seg in route.segments)
        for route in tree.routes
    )
    runtime.not_found_chain = None
    if app_level:

        async def not_found(request: Request[Any, Any]) -> Response:
            outcome = _dispatch.not_found(runtime, request)
            return outcome if isinstance(outcome, Response) else await app.error_response(request, outcome)

        runtime.not_found_chain = (build_chain(runtime, not_found, app_level, "404 answers"), app_level)
    fallbacks: dict[Leaf[Endpoint], tuple[Call, tuple[Middleware, ...]]] = {}
    for leaf in leaves:
        # 405 and automatic OPTIONS answers (CORS preflights among them) go through the
        # middleware every route on the path shares: app-level, and groups they all belong to.
        shared = _common_prefix([(*app_level, *route.middleware) for route in leaf.routes.values()])
        if shared:
            fallbacks[leaf] = (build_chain(runtime, _unrouted_method(runtime, leaf), shared, "405 answers"), shared)
    runtime.fallbacks = fallbacks
    tree.compile()


def _stack(runtime: Runtime) -> ASGIApp:
    """The ASGI callable the server's calls go to: the ASGI middleware, first added outermost, around dispatch."""
    stack: ASGIApp = functools.partial(_dispatch.dispatch, runtime)
    for cls, options in reversed(runtime.app.asgi_middleware):
        stack = cls(stack, **options)
    return stack


def _common_prefix(chains: list[tuple[Middleware, ...]]) -> tuple[Middleware, ...]:
    first = chains[0]
    size = len(first)
    for chain in chains[1:]:
        size = next((i for i in range(min(size, len(chain))) if chain[i] is not first[i]), min(size, len(chain)))
    return first[:size]


def _unrouted_method(runtime: Runtime, leaf: Leaf[Endpoint]) -> Call:
    async def answer(request: Request[Any, Any]) -> Response:
        return await _dispatch.method_not_allowed(runtime, leaf, request)

    return answer
