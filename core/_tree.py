"""The compiled route tree: a segment trie matched with backtracking.

Priority at every position: a static segment, then typed parameters (highest
converter priority first), then plain ``{name}``, then a catch-all. A dead end
on a more specific branch backtracks to the next candidate. The route is chosen
by path alone; the method is looked up in the chosen leaf (405 when absent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote_to_bytes

from ._tree_compile import Matcher, compile_matcher
from .converters import Converter
from .errors import BadRequest, ConfigurationError
from .routing import Route

__all__ = ["Leaf", "Tree", "split_raw_path", "WEBSOCKET", "MAX_SEGMENTS"]

E = TypeVar("E")

# Routes deeper than this are refused at start-up: the trie is walked recursively, and
# about 990 segments exhausted Python's recursion limit. Real APIs stay under 20.
MAX_SEGMENTS = 255
# What a literal segment keeps unescaped in url_for: RFC 3986 pchar but ';', which some
# servers and proxies read as path parameters.
_LITERAL_SAFE = "!$&'()*+,=:@"


# The key of a leaf's WebSocket route in ``Leaf.routes``; it is no HTTP method, so never in ``methods``.
WEBSOCKET = "WEBSOCKET"


class Leaf(Generic[E]):
    """The end of a matched path: what each method runs, the ``Allow`` header, and the parameter names.

    Matching names the parameters after the first route added here; a route on
    the same leaf that calls them otherwise is renamed by the app at start-up.
    ``routes`` holds every route ending here, a WebSocket route under
    ``WEBSOCKET``; what a WebSocket runs is kept by the runtime, not in ``methods``.
    """

    __slots__ = ("methods", "routes", "allow", "names")

    def __init__(self) -> None:
        self.methods: dict[str, E] = {}
        self.routes: dict[str, Route] = {}
        self.allow = ""
        self.names: tuple[str, ...] = ()

    def claim(self, route: Route, key: str) -> None:
        """Record ``route`` under ``key`` (a method, or ``WEBSOCKET``); raises on a conflict naming both."""
        if not self.routes:
            self.names = route.param_names
        other = self.routes.get(key)
        if other is not None:
            raise ConfigurationError(
                f"conflicting routes: {key} {route.path!r} ({_describe(route)}) and "
                f"{key} {other.path!r} ({_describe(other)}) match the same requests"
            )
        self.routes[key] = route

    def add(self, route: Route, method: str, endpoint: E) -> None:
        self.claim(route, method)
        self.methods[method] = endpoint
        allowed = set(self.methods)
        if "GET" in allowed:
            allowed.add("HEAD")
        allowed.add("OPTIONS")
        self.allow = ", ".join(sorted(allowed))


def _describe(route: Route) -> str:
    endpoint = route.endpoint
    return getattr(endpoint, "__qualname__", None) or repr(endpoint)


class _Node(Generic[E]):
    __slots__ = ("static", "params", "catch_all", "leaf")

    def __init__(self) -> None:
        self.static: dict[str, _Node[E]] = {}
        self.params: list[tuple[Converter, _Node[E]]] = []
        self.catch_all: list[tuple[Converter, Leaf[E]]] = []
        self.leaf: Leaf[E] | None = None


_PERCENT = ord("%")  # PERF: an int needle; a bytes one is first tried as an int, and fails


def split_raw_path(raw_path: bytes) -> list[str]:
    """Split a raw request path on '/', then percent-decode each segment once.

    A ``%2F`` therefore stays inside its segment. Malformed escapes are kept as
    they are (as browsers and ``urllib`` do); invalid UTF-8 is a 400.
    """
    segments = raw_path.split(b"/")[1:]
    try:
        return [unquote_to_bytes(s).decode("utf-8") if _PERCENT in s else s.decode("utf-8") for s in segments]
    except UnicodeDecodeError:
        raise BadRequest(detail="the request path is not valid UTF-8 once percent-decoded") from None


class Tree(Generic[E]):
    """Routes compiled for matching: a dict of fully static paths in front of the trie.

    ``match(segments)`` gives the leaf for decoded path segments and the converted
    parameter values, or None. The trie is compiled into Python source on the first
    match (or by ``compile()``); ``source`` then holds that text ("" when the trie is
    too big to be worth compiling and ``match`` walks it instead, see ``_tree_compile``).
    """

    def __init__(self, converters: Mapping[str, Converter]) -> None:
        self._converters = converters
        self._root: _Node[E] = _Node()
        # PERF: most requests hit a route without parameters; one dict lookup finds it.
        self.static: dict[str, Leaf[E]] = {}
        self.routes: list[Route] = []
        # PERF: an instance attribute, so callers reach the generated function without a bound method.
        self.match: Matcher[E] = self._compile_then_match
        self.source: str | None = None
        # PERF: url_for runs per request in some handlers; each literal is escaped once.
        self._escaped: dict[str, str] = {}

    def add(self, route: Route, endpoints: Iterable[tuple[str, E]]) -> Leaf[E]:
        """Add ``route`` with an endpoint per method (none for a WebSocket route); returns the leaf it ends on.

        Raises ConfigurationError for a route of more than MAX_SEGMENTS segments.
        """
        if len(route.segments) > MAX_SEGMENTS:
            path = route.path if len(route.path) <= 200 else route.path[:200] + "\u2026"
            raise ConfigurationError(
                f"route {path!r} has {len(route.segments)} segments; the limit is {MAX_SEGMENTS}"
            )
        node = self._root
        leaf: Leaf[E] | None = None
        last = len(route.segments) - 1
        for index, segment in enumerate(route.segments):
            if segment.param is None:
                node = node.static.setdefault(segment.text, _Node())
                continue
            converter = self._converter(route, segment.converter or "str")
            if converter.catch_all:
                # The one place the rule lives: the converter says it takes the rest of the path.
                if index != last:
                    raise ConfigurationError(
                        f"route {route.path!r}: {{{segment.param}:{segment.converter}}} takes the rest of "
                        "the path (its converter is a catch-all), so it must be the last segment"
                    )
                leaf = next((lf for c, lf in node.catch_all if c is converter), None)
                if leaf is None:
                    leaf = Leaf()
                    node.catch_all.append((converter, leaf))
                    node.catch_all.sort(key=lambda pair: -pair[0].priority)
                break
            child = next((n for c, n in node.params if c is converter), None)
            if child is None:
                child = _Node()
                node.params.append((converter, child))
                # A stable sort keeps registration order among equal priorities.
                node.params.sort(key=lambda pair: -pair[0].priority)
            node = child
        if leaf is None:
            if node.leaf is None:
                node.leaf = Leaf()
            leaf = node.leaf
        if route.websocket:
            leaf.claim(route, WEBSOCKET)
        for method, endpoint in endpoints:
            leaf.add(route, method, endpoint)
        if not route.param_names:
            self.static[route.path] = leaf
        self.routes.append(route)
        self.match = self._compile_then_match
        self.source = None
        return leaf

    def _converter(self, route: Route, name: str) -> Converter:
        try:
            return self._converters[name]
        except KeyError:
            known = ", ".join(sorted(self._converters))
            raise ConfigurationError(
                f"route {route.path!r}: unknown converter {name!r} (known: {known})"
            ) from None

    def compile(self) -> None:
        """Generate the matcher for the routes added so far (done by the first ``match`` otherwise)."""
        self.match, self.source = compile_matcher(self._root, self.interpret)

    def _compile_then_match(self, segments: list[str]) -> tuple[Leaf[E], dict[str, Any]] | None:
        # A caller may hold on to this bound method: compile only once all the same.
        if self.source is None:
            self.compile()
        return self.match(segments)

    def interpret(self, segments: list[str]) -> tuple[Leaf[E], dict[str, Any]] | None:
        """What ``match`` does, by walking the trie: the reference for the compiled matcher."""
        values: list[Any] = []
        leaf = _match(self._root, segments, 0, len(segments), values)
        return None if leaf is None else (leaf, dict(zip(leaf.names, values)))

    def url_for(self, route: Route, params: Mapping[str, Any]) -> str:
        """Build the path of ``route`` from parameter values; raises ValueError when they don't fit."""
        missing = set(route.param_names) - set(params)
        extra = set(params) - set(route.param_names)
        if missing or extra:
            raise ValueError(
                f"route {route.name!r} ({route.path}) takes parameters {list(route.param_names)}; "
                f"missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        parts = []
        for segment in route.segments:
            if segment.param is None:
                # A literal is decoded text, as the segments it matches are: escape it like a value.
                escaped = self._escaped.get(segment.text)
                if escaped is None:
                    escaped = self._escaped[segment.text] = quote(segment.text, safe=_LITERAL_SAFE)
                parts.append(escaped)
                continue
            converter = self._converters[segment.converter or "str"]
            text = converter.to_url(params[segment.param])
            parts.append(quote(text, safe="/" if converter.catch_all else ""))
        return "/" + "/".join(parts)


def _match(node: _Node[E], segments: list[str], index: int, end: int, values: list[Any]) -> Leaf[E] | None:
    if index == end:
        return node.leaf
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = _match(child, segments, index + 1, end, values)
        if found is not None:
            return found
    for converter, child in node.params:
        try:
            value = converter.convert(segment)
        except ValueError:
            continue
        values.append(value)
        found = _match(child, segments, index + 1, end, values)
        if found is not None:
            return found
        values.pop()
    if node.catch_all:
        rest = "/".join(segments[index:])
        for converter, leaf in node.catch_all:
            try:
                values.append(converter.convert(rest))
            except ValueError:
                continue
            return leaf
    return None
