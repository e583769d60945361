"""Routes and route groups, as the user declares them; ``_tree`` compiles them for matching."""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypedDict, TypeVar, Unpack

from .concurrency import is_async_callable
from .errors import ConfigurationError
from .middleware import check_middleware
from .responses import Response

__all__ = [
    "Route",
    "Router",
    "RouteOptions",
    "WebSocketOptions",
    "ResponseDoc",
    "METHODS",
    "parse_pattern",
    "describe_handler",
    "with_response_type",
]

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)

_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_]*))?\}$")


@dataclass(frozen=True)
class Segment:
    """One part of a route pattern: a literal, or a parameter with its converter name."""

    text: str
    param: str | None = None
    converter: str | None = None


def _docstring(endpoint: Any) -> tuple[str | None, str | None]:
    """Summary (the first paragraph, on one line) and description (the rest) of a handler's docstring."""
    doc = inspect.getdoc(endpoint) if inspect.isfunction(endpoint) or inspect.ismethod(endpoint) else None
    if not doc:
        return None, None
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def parse_pattern(path: str) -> tuple[Segment, ...]:
    """Split a route pattern into segments; raises ConfigurationError on a malformed one."""
    if not path.startswith("/"):
        raise ConfigurationError(f"route path {path!r} must start with '/'")
    segments: list[Segment] = []
    seen: set[str] = set()
    parts = path[1:].split("/")
    for part in parts:
        if "{" not in part and "}" not in part:
            segments.append(Segment(part))
            continue
        match = _PARAM.match(part)
        if match is None:
            raise ConfigurationError(
                f"route path {path!r}: segment {part!r} must be a literal or one whole "
                "parameter like '{name}' or '{name:int}'"
            )
        name, converter = match.group(1), match.group(2) or "str"
        if name in seen:
            raise ConfigurationError(f"route path {path!r}: parameter {name!r} appears twice")
        seen.add(name)
        segments.append(Segment(part, name, converter))
    return tuple(segments)


@dataclass(frozen=True)
class ResponseDoc:
    """A documented answer of a route: the type of its body (None for none) and a description."""

    type: Any = None
    description: str = ""


class RouteOptions(TypedDict, total=False):
    """The keyword options of ``add_route``, ``route``, ``get``, ``post``, ... on ``App`` and ``Router``.

    Written once here so that every registration method takes the same
    options and type checkers reject a misspelled one.
    """

    name: str | None
    max_body_size: int | None
    timeout: float | None
    query: Any
    body: Any
    body_required: bool
    middleware: Sequence[Any]
    status: int
    response: Any
    summary: str | None
    description: str | None
    tags: Sequence[str]
    deprecated: bool
    responses: Mapping[int, Any]
    metadata: Mapping[str, Any]


class WebSocketOptions(TypedDict, total=False):
    """The keyword options of ``websocket`` and ``add_websocket_route`` on ``App`` and ``Router``.

    A list of its own because most HTTP options (``body``, ``query``,
    ``status``, ``response``, ``timeout``, ``max_body_size``) mean nothing for a
    socket: type checkers then reject them instead of letting them pass as
    silent no-ops, and ``max_message_size`` cannot be given to an HTTP route.
    """

    name: str | None
    middleware: Sequence[Any]
    max_message_size: int | None
    summary: str | None
    description: str | None
    tags: Sequence[str]
    deprecated: bool
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    """One path pattern served by one handler for a set of methods; the app's routes are frozen ``Route``s.

    ``max_body_size`` overrides the app's limit (bytes) and ``timeout`` the
    app's handler time limit (seconds; past it the answer is a 503); ``query`` and ``body``
    declare how request data becomes typed values (a type, or any callable);
    ``status`` is the status of a successful answer that is not a Response;
    ``response`` the type of that answer (by default the handler's return
    annotation). ``summary``, ``description`` (by default from the docstring),
    ``tags``, ``deprecated`` and ``responses`` (status -> type or
    ``ResponseDoc``) document it; ``metadata`` is free for plugins.

    A WebSocket route has ``websocket`` set and no HTTP ``methods``;
    ``max_message_size`` (bytes) overrides the app's limit on each message it
    receives.
    """

    path: str
    endpoint: Handler
    methods: frozenset[str]
    name: str | None = None
    max_body_size: int | None = None
    timeout: float | None = None
    query: Any = None
    body: Any = None
    body_required: bool = True
    middleware: tuple[Any, ...] = ()
    status: int = 200
    response: Any = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    responses: Mapping[int, ResponseDoc] = field(default_factory=dict, compare=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)
    websocket: bool = False
    max_message_size: int | None = None
    segments: tuple[Segment, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.param for s in self.segments if s.param is not None)

    @property
    def path_params(self) -> tuple[tuple[str, str], ...]:
        """Each path parameter as ``(name, converter name)``, in order."""
        return tuple((s.param, s.converter or "str") for s in self.segments if s.param is not None)

    @property
    def handler_name(self) -> str:
        """The handler as ``module:qualname``, for logs and listings."""
        return describe_handler(self.endpoint)


def with_response_type(route: Route, hints: dict[int, Any] | None = None) -> Route:
    """``route`` with ``response`` filled from the handler's return annotation, when it did not declare one.

    A ``Response`` annotation says nothing about the body, so it leaves
    ``response`` None; so does an annotation that cannot be resolved. ``hints``
    caches the answer per handler across the routes of one start-up.
    """
    if route.response is not None:
        return route
    endpoint = route.endpoint
    hint = hints.get(id(endpoint), _UNKNOWN) if hints is not None else _UNKNOWN
    if hint is _UNKNOWN:
        hint = _return_type(endpoint)
        if hints is not None:
            hints[id(endpoint)] = hint
    if hint is None:
        return route
    # PERF: a copy with one field changed, without dataclasses.replace's __init__ (20 us a route).
    copy = object.__new__(Route)
    copy.__dict__.update(route.__dict__)
    object.__setattr__(copy, "response", hint)
    return copy


_UNKNOWN: Any = object()


def _return_type(endpoint: Any) -> Any:
    """The response type a handler's return annotation gives, or None for none."""
    annotations = getattr(endpoint, "__annotations__", None)
    if not annotations or "return" not in annotations:
        return None
    try:
        hint = typing.get_type_hints(endpoint).get("return")
    except Exception:  # a forward reference that does not resolve, say: document nothing
        return None
    if hint is Any:
        return None
    if hint is None:
        return type(None)
    if isinstance(hint, type) and issubclass(hint, Response):
        return None
    return hint


def describe_handler(handler: Any) -> str:
    """``module:qualname`` of a function, method, partial or callable object."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    module = getattr(handler, "__module__", None) or type(handler).__module__
    qualname = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    return f"{module}:{qualname}"


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + path if path else prefix


def _positive(path: str, option: str, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise ConfigurationError(f"route {path!r}: {option} must be a positive number of seconds, got {value!r}")
    return value


def _documented(responses: Mapping[int, Any]) -> dict[int, ResponseDoc]:
    docs = {}
    for status, value in responses.items():
        code = int(status)
        if not 100 <= code <= 599:
            raise ConfigurationError(f"documented response status {status!r} is not an HTTP status")
        docs[code] = value if isinstance(value, ResponseDoc) else ResponseDoc(value)
    return docs


_OPTIONS = frozenset(RouteOptions.__annotations__)
_WEBSOCKET_OPTIONS = frozenset(WebSocketOptions.__annotations__)


class Router:
    """A group of routes under a common prefix, with its own middleware and tags; nestable.

    Groups are flattened into the app's route tree when the app starts, so they
    cost nothing per request.
    """

    def __init__(
        self,
        prefix: str = "",
        *,
        name: str | None = None,
        middleware: Sequence[Any] = (),
        max_body_size: int | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(f"router prefix {prefix!r} must start with '/' and not end with '/'")
        for mw in middleware:
            check_middleware(mw, f"router {prefix or '/'!r}")
        self.prefix = prefix
        self.name = name
        self.middleware: list[Any] = list(middleware)
        self.max_body_size = max_body_size
        self.tags = tuple(tags)
        self.routes: list[Route] = []
        self.children: list[Router] = []
        self._frozen = False

    def add_route(
        self, path: str, endpoint: Handler, methods: Sequence[str] = ("GET",), **options: Unpack[RouteOptions]
    ) -> Route:
        """Register ``endpoint`` for ``methods`` on ``path`` (relative to this router's prefix).

        Raises ConfigurationError for a malformed path, unknown methods, an
        unknown option or middleware that is not async.
        """
        self._check_open()
        unknown_options = options.keys() - _OPTIONS
        if unknown_options:
            raise ConfigurationError(f"route {path!r}: unknown options {sorted(unknown_options)}")
        if not callable(endpoint):
            raise ConfigurationError(f"route {path!r}: endpoint {endpoint!r} is not callable")
        wanted = frozenset(m.upper() for m in methods)
        unknown = wanted - METHODS
        if not wanted or unknown:
            raise ConfigurationError(f"route {path!r}: unknown or missing methods {sorted(unknown) or '[]'}")
        middleware = tuple(options.get("middleware", ()))
        for mw in middleware:
            check_middleware(mw, f"route {path!r}")
        status = int(options.get("status", 200))
        if not 200 <= status <= 399:
            raise ConfigurationError(f"route {path!r}: status must be a 2xx or 3xx code, got {status}")
        summary, description = _docstring(endpoint)
        route = Route(
            path=path,
            endpoint=endpoint,
            methods=wanted,
            name=options.get("name") or getattr(endpoint, "__name__", None),
            max_body_size=options.get("max_body_size"),
            timeout=_positive(path, "timeout", options.get("timeout")),
            query=options.get("query"),
            body=options.get("body"),
            body_required=options.get("body_required", True),
            middleware=middleware,
            status=status,
            response=options.get("response"),
            summary=options.get("summary") or summary,
            description=options.get("description") or description,
            tags=tuple(options.get("tags", ())),
            deprecated=options.get("deprecated", False),
            responses=_documented(options.get("responses", {})),
            metadata=dict(options.get("metadata", {})),
            segments=parse_pattern(path) if path else (),
        )
        self.routes.append(route)
        return route

    def add_websocket_route(self, path: str, endpoint: Handler, **options: Unpack[WebSocketOptions]) -> Route:
        """Register ``endpoint`` for WebSocket connections on ``path`` (relative to this router's prefix).

        The handler is ``async def handler(ws: WebSocket, **path_params) -> None``.
        Raises ConfigurationError for a malformed path, an unknown option, a
        handler that is not async, a size limit that is not a positive number
        of bytes, or middleware that is not async.
        """
        self._check_open()
        unknown_options = options.keys() - _WEBSOCKET_OPTIONS
        if unknown_options:
            raise ConfigurationError(f"websocket route {path!r}: unknown options {sorted(unknown_options)}")
        if not callable(endpoint) or not is_async_callable(endpoint):
            raise ConfigurationError(
                f"websocket route {path!r}: handler {endpoint!r} must be an async function "
                "(async def handler(ws: WebSocket, ...) -> None)"
            )
        middleware = tuple(options.get("middleware", ()))
        for mw in middleware:
            check_middleware(mw, f"websocket route {path!r}")
        limit = options.get("max_message_size")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
            raise ConfigurationError(f"websocket route {path!r}: max_message_size must be a positive int, got {limit!r}")
        summary, description = _docstring(endpoint)
        route = Route(
            path=path,
            endpoint=endpoint,
            methods=frozenset(),
            name=options.get("name") or getattr(endpoint, "__name__", None),
            middleware=middleware,
            summary=options.get("summary") or summary,
            description=options.get("description") or description,
            tags=tuple(options.get("tags", ())),
            deprecated=options.get("deprecated", False),
            metadata=dict(options.get("metadata", {})),
            websocket=True,
            max_message_size=limit,
            segments=parse_pattern(path) if path else (),
        )
        self.routes.append(route)
        return route

    def websocket(self, path: str, **options: Unpack[WebSocketOptions]) -> Callable[[H], H]:
        """Decorator form of ``add_websocket_route``."""

        def decorator(endpoint: H) -> H:
            self.add_websocket_route(path, endpoint, **options)
            return endpoint

        return decorator

    def route(self, path: str, methods: Sequence[str] = ("GET",), **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        """Decorator form of ``add_route``."""

        def decorator(endpoint: H) -> H:
            self.add_route(path, endpoint, methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.route(path, ("GET",), **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.route(path, ("POST",), **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.route(path, ("PUT",), **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.route(path, ("PATCH",), **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[H], H]:
        return self.route(path, ("DELETE",), **options)

    def include(self, router: Router) -> None:
        """Add a nested group; its prefix is appended to this one's."""
        self._check_open()
        if router is self:
            raise ConfigurationError("a router cannot include itself")
        self.children.append(router)

    def flatten(self) -> Iterator[Route]:
        """Every route with the full path, name and middleware stack of the groups around it."""
        for route in self.routes:
            yield self._qualify(route)
        for child in self.children:
            for route in child.flatten():
                yield self._qualify(route)

    def _qualify(self, route: Route) -> Route:
        path = _join(self.prefix, route.path) or "/"
        name = f"{self.name}.{route.name}" if route.name and self.name else route.name
        max_body_size = route.max_body_size if route.max_body_size is not None else self.max_body_size
        unchanged = path == route.path and name == route.name and max_body_size == route.max_body_size
        if unchanged and not self.middleware and not self.tags:
            # PERF: routes of a bare router (the app's own) come through unchanged, with no copy.
            return route
        return replace(
            route,
            path=path,
            name=name,
            max_body_size=max_body_size,
            middleware=(*self.middleware, *route.middleware),
            tags=(*self.tags, *(t for t in route.tags if t not in self.tags)),
            segments=route.segments if path == route.path else parse_pattern(path),
        )

    def _check_open(self) -> None:
        if self._frozen:
            raise ConfigurationError("routes cannot change after the app has started")

    def _freeze(self) -> None:
        self._frozen = True
        for child in self.children:
            child._freeze()
