"""The application: configuration, route declarations, start-up (the freeze) and error answers.

``App`` holds what the user configured. ``freeze()`` builds the sealed
``Runtime`` (``_runtime.py``) that serves requests; ``__call__`` hands every
ASGI connection to it.
"""

from __future__ import annotations

import gc
import inspect
import logging
import operator
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Unpack

from . import _lifespan
from ._exception_handlers import ExceptionHandler, ExceptionHandlers
from ._results import to_response
from ._throttle import Throttle
from ._runtime import ASGIApp, Runtime, build_runtime
from .components import ErrorRenderer, JSONCodec, QueryParser, Validator
from .converters import DEFAULT_CONVERTERS, Converter
from .datastructures import State
from .logs import configure_default_logging
from .errors import ConfigurationError, HTTPError, InternalServerError, ServiceUnavailable
from .middleware import Middleware, check_middleware
from .pluginhost import PluginHost
from .requests import Receive, Request, describe_request
from .responses import Response, Send
from .routing import Handler, Route, RouteOptions, Router, WebSocketOptions
from .settings import Settings
from .tasks import TaskError, TaskQueue, TaskQueueClosed, TaskQueueFull

__all__ = ["App"]

logger = logging.getLogger("hornbeam")

H = TypeVar("H", bound=Handler)
Lifespan = Callable[["App"], AbstractAsyncContextManager[None]]

# A burst against a full task queue logs one warning per 10 s, with a count, not one per request.
_OVERLOAD_LOG = Throttle(10.0)
# The body of a 500 when even the error renderer failed: fixed bytes, so it cannot fail in turn.
_LAST_RESORT = b'{"type":"about:blank","title":"Internal Server Error","status":500}'


class App:
    """A hornbeam application; an ASGI 3 callable.

    The app is built ("frozen") once, at lifespan start-up or on the first
    request: plugins load, settings and components are resolved, routes
    compile into a tree. After that, routes and plugins cannot change.

    ``trailing_slash``: ``"redirect"`` answers a path that only differs from a
    route by a trailing slash with a 308 to the route's form; ``"strict"``
    answers 404. ``max_message_size`` (bytes, None for no limit) caps each
    message a WebSocket receives (past it the socket closes with 1009).
    ``max_body_size`` (bytes, None for no limit) and ``timeout``
    (seconds a handler may take before the answer is a 503; None, the
    default, for no limit) apply to every route that does not set its own. ``middleware`` is the same as calling
    ``add_middleware`` with each, in order. ``settings`` are the plugins'
    declared settings (an unknown key stops start-up); ``providers`` picks the
    plugin serving a factory hook when several could
    (``{"hornbeam_json_codec": "my-json"}``).
    """

    def __init__(
        self,
        *,
        plugins: Sequence[object] = (),
        disable_plugins: Sequence[str] = (),
        only_plugins: Sequence[str] | None = None,
        autoload: bool = True,
        providers: Mapping[str, str] | None = None,
        debug: bool = False,
        max_body_size: int | None = 1024 * 1024,
        max_message_size: int | None = 1024 * 1024,
        timeout: float | None = None,
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
        if max_message_size is not None and (isinstance(max_message_size, bool) or not isinstance(max_message_size, int) or max_message_size <= 0):
            raise ConfigurationError(f"max_message_size must be a positive number of bytes or None, not {max_message_size!r}")
        self.max_message_size = max_message_size
        if timeout is not None and not timeout > 0:
            raise ConfigurationError(f"timeout must be a positive number of seconds or None, not {timeout!r}")
        self.timeout = timeout
        self.trailing_slash = trailing_slash
        self._given_settings: dict[str, Any] = dict(settings or {})
        self._settings: Settings | None = None
        self.state = State()
        self.router = Router()
        self.converters: dict[str, Converter] = dict(DEFAULT_CONVERTERS)
        self.plugins = PluginHost(
            plugins, disable=disable_plugins, only=only_plugins, autoload=autoload, providers=providers
        )
        self.lifespan_context = lifespan
        self.startup_handlers: list[Callable[[], Any]] = list(on_startup)
        self.shutdown_handlers: list[Callable[[], Any]] = list(on_shutdown)
        self.exception_handlers = ExceptionHandlers()
        for exc_type, handler in (exception_handlers or {}).items():
            self.exception_handlers.add(exc_type, handler)
        self.middleware: list[Middleware] = []
        self.asgi_middleware: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self._runtime: Runtime | None = None
        # What app(scope, receive, send) calls: _first_call until the app has started, then runtime.asgi.
        self._entry: ASGIApp = self._first_call
        # The runtime under construction: factory hooks may use components provided before theirs.
        self._building: Runtime | None = None
        for mw in middleware:
            self.add_middleware(mw)

    # Declaring routes -------------------------------------------------------

    def add_route(
        self, path: str, endpoint: Handler, methods: Sequence[str] = ("GET",), **options: Unpack[RouteOptions]
    ) -> Route:
        """Register ``endpoint`` for ``methods`` on ``path``; see ``Route`` for the options."""
        return self.router.add_route(path, endpoint, methods, **options)

    def route(self, path: str, methods: Sequence[str] = ("GET",), **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.route(path, methods, **options)

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.get(path, **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.post(path, **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.put(path, **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.patch(path, **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.router.delete(path, **options)

    def add_websocket_route(self, path: str, endpoint: Handler, **options: Unpack[WebSocketOptions]) -> Route:
        """Register ``endpoint`` for WebSocket connections on ``path``; see ``Router.add_websocket_route``."""
        return self.router.add_websocket_route(path, endpoint, **options)

    def websocket(self, path: str, **options: Unpack[WebSocketOptions]) -> Callable[[H], H]:
        """Decorator: ``async def handler(ws: WebSocket, **path_params) -> None`` serves WebSockets on ``path``."""
        return self.router.websocket(path, **options)

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

        The stack is built when the app starts; the first added is the
        outermost. Raises ConfigurationError once the app has started.
        """
        self._check_not_frozen()
        if not callable(cls):
            raise ConfigurationError(f"ASGI middleware {cls!r} is not callable")
        self.asgi_middleware.append((cls, options))

    # What the running app provides ---------------------------------------------

    @property
    def frozen(self) -> bool:
        return self._runtime is not None

    @property
    def runtime(self) -> Runtime:
        """The sealed runtime (while it is built, the part built so far); raises ConfigurationError before."""
        runtime = self._runtime or self._building
        if runtime is None:
            raise ConfigurationError("the app has not started yet: call app.freeze() or serve it")
        return runtime

    @property
    def settings(self) -> Mapping[str, Any]:
        """The plugins' settings, typed and with defaults once the app started (``hornbeam.Settings``)."""
        return self._settings if self._settings is not None else MappingProxyType(self._given_settings)

    @property
    def json_codec(self) -> JSONCodec:
        return self.runtime.json_codec

    @property
    def query_parser(self) -> QueryParser:
        return self.runtime.query_parser

    @property
    def error_renderer(self) -> ErrorRenderer:
        return self.runtime.error_renderer

    @property
    def validator(self) -> Validator | None:
        return self.runtime.validator

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route as it serves (group prefixes, names, tags and middleware applied); starts the app."""
        self.freeze()
        return self.runtime.routes

    @property
    def tasks(self) -> TaskQueue:
        """The background task queue (``hornbeam.TaskQueue``), running while the lifespan runs.

        Raises ConfigurationError outside the lifespan (a server without
        lifespan support, or a ``TestClient`` used without ``with``), or when
        no plugin provides a queue.
        """
        runtime = self._runtime
        queue = runtime.tasks if runtime is not None else None
        if queue is not None:
            return queue
        if runtime is not None and not self.plugins.implemented("hornbeam_task_queue"):
            raise ConfigurationError(
                "no plugin provides hornbeam_task_queue: enable the built-in 'tasks' plugin or install one"
            )
        raise ConfigurationError(
                "app.tasks runs while the app's lifespan runs: serve with lifespan on (uvicorn's default), "
                "or use 'with TestClient(app):' in tests"
        )

    def _check_not_frozen(self) -> None:
        if self._runtime is not None:
            raise ConfigurationError("the app has started; it cannot change any more")

    # Start-up ---------------------------------------------------------------

    def freeze(self) -> None:
        """Load plugins, resolve settings and components, compile routes, then call ``hornbeam_frozen``; idempotent.

        Raises PluginError or ConfigurationError naming what is wrong.
        """
        if self._runtime is not None:
            return
        # PERF: start-up allocates thousands of long-lived objects and no garbage cycles; the
        # cyclic collector would rescan them over and over (half of freeze() for 10,000 routes).
        collecting = gc.isenabled()
        gc.disable()
        try:
            runtime = build_runtime(self)
            self.router._freeze()
            self._runtime = runtime
            self._entry = runtime.asgi
            try:
                self.plugins.call("hornbeam_frozen", app=self)
            except BaseException:
                # A plugin that cannot finish start-up leaves the app unstarted, as any start-up failure does.
                self._runtime = None
                self._entry = self._first_call
                raise
        finally:
            if collecting:
                gc.enable()

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` with ``params`` filled in.

        Raises KeyError for an unknown or ambiguous name and ValueError for
        parameters that do not fit the route.
        """
        self.freeze()
        runtime = self.runtime
        if name not in runtime.names:
            raise KeyError(f"no route is named {name!r}")
        route = runtime.names[name]
        if route is None:
            raise KeyError(f"route name {name!r} is used by several routes; give them distinct names")
        return runtime.tree.url_for(route, params)

    # ASGI -------------------------------------------------------------------

    if TYPE_CHECKING:

        async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
            """The ASGI entry: ``app(scope, receive, send)`` runs the app's current entry point."""

    else:
        # PERF: Python looks __call__ up on the class; a property there may hand back any
        # callable, here the runtime's own ASGI entry (``_first_call`` until the app has
        # started). An ``async def __call__`` awaiting it would add a coroutine per request
        # (~0.2 us), and a Python-level descriptor a frame (~1,700 instructions); attrgetter
        # is C, so calling the app costs one attribute read.
        __call__ = property(operator.attrgetter("_entry"))

    async def _first_call(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """The ASGI entry until the app has started: start it, then hand the connection over."""
        configure_default_logging()
        if self._runtime is None:
            try:
                self._start_serving(scope)
            except Exception as exc:
                if scope["type"] != "lifespan":
                    raise
                await _lifespan.refuse(exc, receive, send)
                return
        await self.runtime.asgi(scope, receive, send)

    def _start_serving(self, scope: dict[str, Any]) -> Runtime:
        self.freeze()
        if scope["type"] != "lifespan" and self.plugins.implemented("hornbeam_task_queue"):
            logger.warning(
                "serving without lifespan start-up: background tasks (app.tasks) are unavailable until it runs "
                "(serve with lifespan on, or use 'with TestClient(app)')"
            )
        return self.runtime

    # Error answers ------------------------------------------------------------

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
                return to_response(result, self.runtime.json_codec)
            except Exception:
                logger.exception("the exception handler %r failed on %r", handler, exc)
                return _last_resort()
        return self.render_error(request, exc)

    def render_error(self, request: Request[Any, Any] | None, exc: Exception) -> Response:
        """``exc`` rendered by the error renderer, without asking exception handlers; never raises.

        An ``HTTPError`` is rendered as it is; anything else is logged and
        becomes a 500 (traceback in the body only in debug mode). A renderer
        that fails gives a plain 500 problem, and the log names its plugin.
        """
        if not isinstance(exc, HTTPError):
            exc = self._overloaded(request, exc) if isinstance(exc, (TaskQueueFull, TaskQueueClosed)) else self._crash(request, exc)
        try:
            # PERF: the sealed runtime's slot when serving; the property only while it is built.
            response = (self._runtime or self.runtime).error_renderer(request, exc)
            if not isinstance(response, Response):
                raise TypeError(f"it returned {type(response).__name__}, not a Response")
            return response
        except Exception:
            provider = self.plugins.providers.get("hornbeam_error_renderer")
            logger.exception("the error renderer (plugin %r) failed on %r", provider, exc)
            return _last_resort()


    def _crash(self, request: Request[Any, Any] | None, exc: Exception) -> HTTPError:
        """A 500 for an unexpected exception, logged with its traceback (shown to the client only in debug mode)."""
        logger.error("unhandled error in %s", _describe(request), exc_info=exc)
        if self.debug:
            trace = "".join(traceback.format_exception(exc))
            error = InternalServerError(detail=f"{type(exc).__name__}: {exc}", extra={"traceback": trace})
        else:
            error = InternalServerError()
        error.__cause__ = exc
        return error

    def _overloaded(self, request: Request[Any, Any] | None, exc: TaskError) -> HTTPError:
        """A full (or closing) task queue is the server's overload, not a bug: 503 with Retry-After, no traceback."""
        held = _OVERLOAD_LOG.allow()
        if held is not None:
            more = f" ({held} more since the last warning)" if held else ""
            logger.warning("answered 503 to %s: %s%s", _describe(request), exc, more)
        retry_after = getattr(exc, "retry_after", None) or 1
        error = ServiceUnavailable(
            detail="the server is busy: its background task queue is full; retry later"
            if isinstance(exc, TaskQueueFull)
            else "the server is shutting down; retry later",
            headers={"retry-after": str(max(1, round(retry_after)))},
        )
        error.__cause__ = exc
        return error


def _describe(request: Request[Any, Any] | None) -> str:
    return "the app" if request is None else describe_request(request)


def _last_resort() -> Response:
    return Response.prepared(_LAST_RESORT, [(b"content-type", b"application/problem+json")], 500)
