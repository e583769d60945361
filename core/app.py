"""The application: configuration, start-up (the freeze), the ASGI entry point and error answers."""

from __future__ import annotations

import functools
import gc
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, TypeVar

from . import _dispatch, _lifespan
from ._exception_handlers import ExceptionHandler, ExceptionHandlers
from ._endpoints import Call, Endpoint, build_chain, compile_endpoint, to_response
from ._tree import Leaf, Tree
from .components import ErrorRenderer, JSONCodec, Validator
from .converters import DEFAULT_CONVERTERS, Converter
from .datastructures import QueryParams, State
from .errors import (
    ConfigurationError,
    HTTPError,
    InternalServerError,
    PluginError,
)
from .middleware import Middleware, check_middleware
from .pluginhost import PluginHost
from .requests import Receive, Request
from .responses import Response, Send
from .tasks import TaskQueue
from .routing import Handler, Route, Router

__all__ = ["App"]

logger = logging.getLogger("hornbeam")

H = TypeVar("H", bound=Handler)
Lifespan = Callable[["App"], AbstractAsyncContextManager[None]]


ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def _no_query_parser(query_string: bytes) -> QueryParams:
    raise ConfigurationError(
        "no plugin provides hornbeam_query_parser: enable the built-in 'query' plugin or install one"
    )


def _check_codec(codec: Any) -> str | None:
    if not callable(getattr(codec, "loads", None)) or not callable(getattr(codec, "dumps", None)):
        return f"returned {codec!r}, which lacks loads() and dumps()"
    return None


def _check_validator(validator: Any) -> str | None:
    if not callable(getattr(validator, "compile", None)):
        return f"returned {validator!r}, which lacks compile(tp, source)"
    return None


def _check_task_queue(queue: Any) -> str | None:
    missing = [name for name in ("start", "shutdown", "enqueue", "enqueue_nowait", "get") if not hasattr(queue, name)]
    return f"returned {queue!r}, which lacks {', '.join(missing)}" if missing else None


def _check_callable(component: Any) -> str | None:
    return None if callable(component) else f"returned {component!r}, which is not callable"


class App:
    """A hornbeam application; an ASGI 3 callable.

    The app is built ("frozen") once, at lifespan start-up or on the first
    request: plugins load, components are resolved, routes compile into a tree.
    After that, routes and plugins cannot change.

    ``trailing_slash``: ``"redirect"`` answers a path that only differs from a
    route by a trailing slash with a 308 to the route's form; ``"strict"``
    answers 404. ``max_body_size`` (bytes, None for no limit) applies to every
    route that does not set its own. ``middleware`` is the same as calling
    ``add_middleware`` with each, in order.
    """

    def __init__(
        self,
        *,
        plugins: Sequence[object] = (),
        disable_plugins: Sequence[str] = (),
        only_plugins: Sequence[str] | None = None,
        autoload: bool = True,
        debug: bool = False,
        max_body_size: int | None = 1024 * 1024,
        trailing_slash: Literal["redirect", "strict"] = "redirect",
        lifespan: Lifespan | None = None,
        on_startup: Sequence[Callable[[], Any]] = (),
        on_shutdown: Sequence[Callable[[], Any]] = (),
        settings: Mapping[str, Any] | None = None,
        middleware: Sequence[Middleware] = (),
        exception_handlers: Mapping[type[Exception], ExceptionHandler] | None = None,
    ) -> None:
        if trailing_slash not in ("redirect", "strict"):
            raise ConfigurationError(f"trailing_slash must be 'redirect' or 'strict', not {trailing_slash!r}")
        self.debug = debug
        self.max_body_size = max_body_size
        self.trailing_slash = trailing_slash
        self.settings: dict[str, Any] = dict(settings or {})
        self.state = State()
        self.router = Router()
        self.converters: dict[str, Converter] = dict(DEFAULT_CONVERTERS)
        self.plugins = PluginHost(plugins, disable=disable_plugins, only=only_plugins, autoload=autoload)
        self.lifespan_context = lifespan
        self.startup_handlers: list[Callable[[], Any]] = list(on_startup)
        self.shutdown_handlers: list[Callable[[], Any]] = list(on_shutdown)
        self.json_codec: JSONCodec
        self.query_parser: Callable[[bytes], QueryParams] = _no_query_parser
        self.error_renderer: ErrorRenderer
        self.validator: Validator | None = None
        self._tasks: TaskQueue | None = None
        self._slash_routes = True
        self.lifespans_served = 0
        self._tree: Tree[Endpoint] | None = None
        self._names: dict[str, Route | None] = {}
        self._observe_started: Callable[..., Any] | None = None
        self._observe_ready: Callable[..., Any] | None = None
        self.exception_handlers = ExceptionHandlers()
        for exc_type, handler in (exception_handlers or {}).items():
            self.exception_handlers.add(exc_type, handler)
        self.middleware: list[Middleware] = []
        self.plugin_middleware: tuple[Middleware, ...] = ()
        self.asgi_middleware: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self._asgi_stack: ASGIApp | None = None
        # Chains for answers no route gives: 404 (app-level middleware) and 405/OPTIONS per path.
        self._not_found_chain: Call | None = None
        self._fallbacks: dict[Leaf[Endpoint], Call] = {}
        for mw in middleware:
            self.add_middleware(mw)

    # Declaring routes -------------------------------------------------------

    def add_route(self, path: str, endpoint: Handler, methods: Sequence[str] = ("GET",), **options: Any) -> Route:
        return self.router.add_route(path, endpoint, methods, **options)

    def route(self, path: str, methods: Sequence[str] = ("GET",), **options: Any) -> Callable[[H], H]:
        return self.router.route(path, methods, **options)

    def get(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.router.get(path, **options)

    def post(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.router.post(path, **options)

    def put(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.router.put(path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.router.patch(path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.router.delete(path, **options)

    def include(self, router: Router) -> None:
        """Add a route group (a ``Router``) to the app."""
        self.router.include(router)

    def register_converter(self, name: str, converter: Converter) -> None:
        """Make ``{param:name}`` available in route paths."""
        self._check_not_frozen()
        self.converters[name] = converter

    def on_startup(self, func: H) -> H:
        """Run ``func`` (sync or async) at start-up, after the plugins' start-up hooks."""
        self.startup_handlers.append(func)
        return func

    def on_shutdown(self, func: H) -> H:
        """Run ``func`` (sync or async) at shutdown, before the plugins' shutdown hooks."""
        self.shutdown_handlers.append(func)
        return func

    def add_middleware(self, middleware: Middleware) -> Middleware:
        """Run ``middleware`` around every route, and around 404/405 answers; returns it.

        ``async def mw(request, call_next) -> Response`` or an object with such
        an async ``__call__``. The first added is the outermost; app middleware
        runs outside plugin-contributed, route-group and route middleware. A sync
        function, a class (instead of an instance) or a non-callable raises
        ConfigurationError.
        """
        self._check_not_frozen()
        check_middleware(middleware, "app.add_middleware")
        self.middleware.append(middleware)
        return middleware

    def exception_handler(self, exc_type: type[Exception]) -> Callable[[H], H]:
        """Decorator: answer ``exc_type`` (and subclasses) with ``handler(request, exc)``, sync or async.

        The handler returns a Response (or a dict/list/str, as route handlers
        may). The most specific registered class wins; ``HTTPError`` and
        ``ValidationError`` can be handled like any other exception.
        """

        def decorator(handler: H) -> H:
            self.add_exception_handler(exc_type, handler)
            return handler

        return decorator

    def add_exception_handler(self, exc_type: type[Exception], handler: ExceptionHandler) -> None:
        """The non-decorator form of ``exception_handler``."""
        self.exception_handlers.add(exc_type, handler)

    def add_asgi_middleware(self, cls: Callable[..., ASGIApp], /, **options: Any) -> None:
        """Wrap the whole app, lifespan included, in a standard ASGI middleware: ``cls(app, **options)``.

        The stack is built when the server first calls the app; the first added
        is the outermost. Raises ConfigurationError once the app is serving.
        """
        if self._asgi_stack is not None:
            raise ConfigurationError("the app is serving; ASGI middleware cannot change any more")
        if not callable(cls):
            raise ConfigurationError(f"ASGI middleware {cls!r} is not callable")
        self.asgi_middleware.append((cls, options))

    @property
    def tasks(self) -> TaskQueue:
        """The background task queue (``hornbeam.tasks.TaskQueue``), running between start-up and shutdown."""
        if self._tasks is None:
            if not self.frozen:
                raise ConfigurationError("app.tasks exists once the app has started")
            raise ConfigurationError(
                "no plugin provides hornbeam_task_queue: enable the built-in 'tasks' plugin or install one"
            )
        return self._tasks

    def _provide_task_queue(self) -> TaskQueue | None:
        # Also called at each lifespan start-up after the first: a queue that was shut down cannot restart.
        queue: TaskQueue | None = self.plugins.provide("hornbeam_task_queue", self, _check_task_queue)
        return queue

    def _check_not_frozen(self) -> None:
        if self._tree is not None:
            raise ConfigurationError("the app has started; it cannot change any more")

    # Start-up ---------------------------------------------------------------

    @property
    def frozen(self) -> bool:
        return self._tree is not None

    def freeze(self) -> None:
        """Load plugins, resolve components and compile routes; idempotent.

        Raises PluginError or ConfigurationError naming what is wrong.
        """
        if self._tree is not None:
            return
        # PERF: start-up allocates thousands of long-lived objects and no garbage cycles; the
        # cyclic collector would rescan them over and over (half of freeze() for 10,000 routes).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build()
        finally:
            if collecting:
                gc.enable()

    def _build(self) -> None:
        host = self.plugins
        host.load()
        host.collect("hornbeam_configure", app=self)
        codec = host.provide("hornbeam_json_codec", self, _check_codec)
        if codec is None:
            raise ConfigurationError(
                "no plugin provides hornbeam_json_codec: enable the built-in 'json' plugin or install one"
            )
        self.json_codec = codec
        renderer = host.provide("hornbeam_error_renderer", self, _check_callable)
        if renderer is None:
            raise ConfigurationError(
                "no plugin provides hornbeam_error_renderer: enable the built-in 'problem' plugin or install one"
            )
        self.error_renderer = renderer
        self.query_parser = host.provide("hornbeam_query_parser", self, _check_callable) or _no_query_parser
        self.validator = host.provide("hornbeam_validator", self, _check_validator)
        self._tasks = self._provide_task_queue()
        if host.implemented("hornbeam_request_started"):
            self._observe_started = host.manager.hook.hornbeam_request_started
        if host.implemented("hornbeam_response_ready"):
            self._observe_ready = host.manager.hook.hornbeam_response_ready
        self.plugin_middleware = self._collect_middleware()
        self._tree = self._compile_routes()
        self.router._freeze()

    def _collect_middleware(self) -> tuple[Middleware, ...]:
        """Middleware from every plugin's ``hornbeam_middleware``, in hook call order."""
        collected: list[Middleware] = []
        for plugin, result in self.plugins.collect("hornbeam_middleware", app=self):
            if result is None:
                continue
            if not isinstance(result, (list, tuple)):
                raise PluginError(
                    f"plugin {plugin!r} broke hook hornbeam_middleware: returned {result!r}, not a list"
                )
            for mw in result:
                try:
                    check_middleware(mw, f"plugin {plugin!r}, hook hornbeam_middleware")
                except ConfigurationError as exc:
                    raise PluginError(str(exc)) from None
                collected.append(mw)
        return tuple(collected)

    def _compile_routes(self) -> Tree[Endpoint]:
        tree: Tree[Endpoint] = Tree(self.converters)
        leaves: dict[Leaf[Endpoint], None] = {}
        for route in self.router.flatten():
            endpoint = compile_endpoint(self, route)
            leaf = tree.add(route, [(method, endpoint) for method in sorted(route.methods)])
            if endpoint.param_names != leaf.names:
                endpoint.rename = endpoint.param_names
            leaves[leaf] = None
            if route.name:
                # A name used twice is kept but unusable: url_for then says so.
                self._names[route.name] = None if route.name in self._names else route
        self._slash_routes = any(
            route.path.endswith("/")
            or any(seg.param is not None and self.converters[seg.converter or "str"].catch_all for seg in route.segments)
            for route in tree.routes
        )
        app_level = (*self.middleware, *self.plugin_middleware)
        if app_level:

            async def not_found(request: Request[Any, Any]) -> Response:
                outcome = _dispatch.not_found(self, request, tree)
                return outcome if isinstance(outcome, Response) else await self.error_response(request, outcome)

            self._not_found_chain = build_chain(self, not_found, app_level, "404 answers")
        for leaf in leaves:
            # 405 and automatic OPTIONS answers (CORS preflights among them) go through the
            # middleware every route on the path shares: app-level, and groups they all belong to.
            shared = _common_prefix([(*app_level, *route.middleware) for route in leaf.routes.values()])
            if shared:
                self._fallbacks[leaf] = build_chain(self, _unrouted_method(self, leaf), shared, "405 answers")
        tree.compile()
        return tree

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` with ``params`` filled in.

        Raises KeyError for an unknown or ambiguous name and ValueError for
        parameters that do not fit the route.
        """
        self.freeze()
        assert self._tree is not None
        if name not in self._names:
            raise KeyError(f"no route is named {name!r}")
        route = self._names[name]
        if route is None:
            raise KeyError(f"route name {name!r} is used by several routes; give them distinct names")
        return self._tree.url_for(route, params)

    # ASGI -------------------------------------------------------------------

    # PERF: dispatch's own coroutine is the ASGI entry; a method awaiting it would add one per request.
    __call__ = _dispatch.handle

    async def _serve_other(self, scope: dict[str, Any], receive: Receive, send: Send, inner: bool) -> None:
        """What ``__call__`` hands over: the ASGI middleware stack, lifespan and websockets."""
        if self.asgi_middleware and not inner:
            stack = self._asgi_stack or self._build_asgi_stack()
            await stack(scope, receive, send)
        else:
            await self._other(scope, receive, send)

    def _build_asgi_stack(self) -> ASGIApp:
        # The innermost layer is the app itself, told not to enter the stack again.
        stack: ASGIApp = functools.partial(_dispatch.handle, self, inner=True)
        for cls, options in reversed(self.asgi_middleware):
            stack = cls(stack, **options)
        self._asgi_stack = stack
        return stack

    async def _other(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan.run(self, receive, send)
        elif kind == "websocket":
            # Not supported yet: close the handshake politely instead of erroring.
            await receive()
            await send({"type": "websocket.close", "code": 1000})
        else:
            raise RuntimeError(f"hornbeam cannot serve ASGI scope type {kind!r}")

    async def error_response(self, request: Request[Any, Any] | None, exc: Exception) -> Response:
        """The response for any exception; never raises.

        A handler registered with ``exception_handler`` for the most specific
        class answers first (a handler that fails gives a plain 500, logged).
        Otherwise an ``HTTPError`` is rendered as it is, and anything else is
        logged and becomes a 500 (traceback in the body only in debug mode).
        """
        handler = self.exception_handlers.find(type(exc))
        if handler is not None and request is not None:
            try:
                result = handler(request, exc)
                if inspect.isawaitable(result):
                    result = await result
                return to_response(result)
            except Exception:
                logger.exception("the exception handler %r failed on %r", handler, exc)
                return Response(b"Internal Server Error", 500, media_type="text/plain")
        return self.render_error(request, exc)

    def render_error(self, request: Request[Any, Any] | None, exc: Exception) -> Response:
        """``exc`` rendered by the error renderer, without asking exception handlers; never raises.

        An ``HTTPError`` is rendered as it is; anything else is logged and
        becomes a 500 (traceback in the body only in debug mode).
        """
        if not isinstance(exc, HTTPError):
            logger.error("unhandled error in %s", request, exc_info=exc)
            if self.debug:
                trace = "".join(traceback.format_exception(exc))
                error = InternalServerError(detail=f"{type(exc).__name__}: {exc}", extra={"traceback": trace})
            else:
                error = InternalServerError()
            error.__cause__ = exc
            exc = error
        try:
            return self.error_renderer(request, exc)
        except Exception:
            logger.exception("the error renderer failed")
            return Response(b"Internal Server Error", 500, media_type="text/plain")


def _common_prefix(chains: list[tuple[Middleware, ...]]) -> tuple[Middleware, ...]:
    first = chains[0]
    size = len(first)
    for chain in chains[1:]:
        size = next((i for i in range(min(size, len(chain))) if chain[i] is not first[i]), min(size, len(chain)))
    return first[:size]


def _unrouted_method(app: App, leaf: Leaf[Endpoint]) -> Call:
    async def answer(request: Request[Any, Any]) -> Response:
        return await _dispatch.method_not_allowed(app, leaf, request)

    return answer
