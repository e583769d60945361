"""What HTTP requests and WebSockets share: the scope, URL parts, headers, cookies, query, path parameters, state."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .datastructures import Headers, QueryParams, State

if TYPE_CHECKING:
    from ._runtime import Runtime
    from .app import App
    from .routing import Route

__all__ = ["Connection", "parse_cookies"]


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header leniently.

    ``http.cookies.SimpleCookie`` drops every cookie after one malformed pair,
    so browsers' real-world headers are split by hand: the first value wins.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, eq, value = chunk.partition("=")
        name = name.strip()
        if not eq or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies.setdefault(name, value)
    return cookies


class Connection:
    """One client connection as the app sees it: the base of ``Request`` and ``WebSocket``.

    Everything here is read from the ASGI scope on demand and kept; subclasses
    set every slot in their own ``__init__``.
    """

    __slots__ = ("scope", "_runtime", "route", "path_params", "_headers", "_query", "_cookies", "_state")

    # The scheme when the server leaves it out of the scope (ASGI's default per scope type).
    default_scheme = "http"

    scope: dict[str, Any]
    _runtime: Runtime
    # The route that matched, as the app serves it; None for the router's own answers (404, 405).
    route: Route | None
    path_params: dict[str, Any]
    _headers: Headers | None
    _query: QueryParams | None
    _cookies: dict[str, str] | None
    _state: State | None

    if TYPE_CHECKING:

        @property
        def app(self) -> App:
            """The app serving this connection."""

    else:
        # PERF: a C-level getter; observers and handlers read it per request (a Python property costs ~3x).
        app = property(attrgetter("_runtime.app"), doc="The app serving this connection.")

    @property
    def path(self) -> str:
        return self.scope["path"]  # type: ignore[no-any-return]

    @property
    def query_string(self) -> bytes:
        return self.scope.get("query_string", b"")  # type: ignore[no-any-return]

    @property
    def scheme(self) -> str:
        return self.scope.get("scheme", self.default_scheme)  # type: ignore[no-any-return]

    @property
    def host(self) -> str:
        """The ``Host`` header, else the server address."""
        host = self.headers.get("host")
        if host:
            return host
        server = self.scope.get("server")
        if not server:
            return ""
        name, port = server
        default = 443 if self.scheme in ("https", "wss") else 80
        return name if port in (None, default) else f"{name}:{port}"

    @property
    def url(self) -> str:
        """The full URL as the client asked for it (path percent-encoded as received)."""
        raw = self.scope.get("raw_path")
        path = raw.partition(b"?")[0].decode("latin-1") if raw else self.path
        query = self.query_string
        root = self.scope.get("root_path", "")
        url = f"{self.scheme}://{self.host}{root}{path}"
        return f"{url}?{query.decode('latin-1')}" if query else url

    @property
    def client(self) -> tuple[str, int] | None:
        client = self.scope.get("client")
        return (client[0], client[1]) if client else None

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self.scope["headers"])
        return self._headers

    @property
    def query(self) -> QueryParams:
        """The query string as a multi-dict, parsed once by the app's query parser."""
        if self._query is None:
            self._query = self._runtime.query_parser(self.scope.get("query_string", b""))
        return self._query

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            header = self.headers.get("cookie")
            self._cookies = parse_cookies(header) if header else {}
        return self._cookies

    @property
    def state(self) -> State:
        """Per-connection values set by middleware and handlers."""
        if self._state is None:
            self._state = State()
        return self._state

    def url_for(self, name: str, /, **params: Any) -> str:
        return self.app.url_for(name, **params)
