"""Routes and route groups, as the user declares them; ``_tree`` compiles them for matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypeVar

from .errors import ConfigurationError
from .middleware import check_middleware

__all__ = ["Route", "Router", "METHODS", "parse_pattern"]

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


def parse_pattern(path: str) -> tuple[Segment, ...]:
    """Split a route pattern into segments; raises ConfigurationError on a malformed one."""
    if not path.startswith("/"):
        raise ConfigurationError(f"route path {path!r} must start with '/'")
    segments: list[Segment] = []
    seen: set[str] = set()
    parts = path[1:].split("/")
    for index, part in enumerate(parts):
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
        if converter == "path" and index != len(parts) - 1:
            raise ConfigurationError(f"route path {path!r}: a '{{name:path}}' parameter must come last")
        segments.append(Segment(part, name, converter))
    return tuple(segments)


@dataclass(frozen=True)
class Route:
    """One path pattern served by one handler for a set of methods.

    ``max_body_size`` overrides the app's limit (bytes); ``query`` and ``body``
    declare how request data becomes typed values (a type, or any callable).
    """

    path: str
    endpoint: Handler
    methods: frozenset[str]
    name: str | None = None
    max_body_size: int | None = None
    query: Any = None
    body: Any = None
    body_required: bool = True
    middleware: tuple[Any, ...] = ()
    segments: tuple[Segment, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.param for s in self.segments if s.param is not None)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + path if path else prefix


class Router:
    """A group of routes under a common prefix, with its own middleware; nestable.

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
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(f"router prefix {prefix!r} must start with '/' and not end with '/'")
        for mw in middleware:
            check_middleware(mw, f"router {prefix or '/'!r}")
        self.prefix = prefix
        self.name = name
        self.middleware: list[Any] = list(middleware)
        self.max_body_size = max_body_size
        self.routes: list[Route] = []
        self.children: list[Router] = []
        self._frozen = False

    def add_route(
        self,
        path: str,
        endpoint: Handler,
        methods: Sequence[str] = ("GET",),
        *,
        name: str | None = None,
        max_body_size: int | None = None,
        query: Any = None,
        body: Any = None,
        body_required: bool = True,
        middleware: Sequence[Any] = (),
    ) -> Route:
        """Register ``endpoint`` for ``methods`` on ``path`` (relative to this router's prefix)."""
        self._check_open()
        if not callable(endpoint):
            raise ConfigurationError(f"route {path!r}: endpoint {endpoint!r} is not callable")
        wanted = frozenset(m.upper() for m in methods)
        unknown = wanted - METHODS
        if not wanted or unknown:
            raise ConfigurationError(f"route {path!r}: unknown or missing methods {sorted(unknown) or '[]'}")
        for mw in middleware:
            check_middleware(mw, f"route {path!r}")
        segments = parse_pattern(path) if path else ()
        route = Route(
            path=path,
            endpoint=endpoint,
            methods=wanted,
            name=name or getattr(endpoint, "__name__", None),
            max_body_size=max_body_size,
            query=query,
            body=body,
            body_required=body_required,
            middleware=tuple(middleware),
            segments=segments,
        )
        self.routes.append(route)
        return route

    def route(self, path: str, methods: Sequence[str] = ("GET",), **options: Any) -> Callable[[H], H]:
        """Decorator form of ``add_route``."""

        def decorator(endpoint: H) -> H:
            self.add_route(path, endpoint, methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("GET",), **options)

    def post(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("POST",), **options)

    def put(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("PUT",), **options)

    def patch(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("PATCH",), **options)

    def delete(self, path: str, **options: Any) -> Callable[[H], H]:
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
        if path == route.path and name == route.name and max_body_size == route.max_body_size and not self.middleware:
            # PERF: routes of a bare router (the app's own) come through unchanged, with no copy.
            return route
        return replace(
            route,
            path=path,
            name=name,
            max_body_size=max_body_size,
            middleware=(*self.middleware, *route.middleware),
            segments=route.segments if path == route.path else parse_pattern(path),
        )

    def _check_open(self) -> None:
        if self._frozen:
            raise ConfigurationError("routes cannot change after the app has started")

    def _freeze(self) -> None:
        self._frozen = True
        for child in self.children:
            child._freeze()
