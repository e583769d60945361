"""The request a handler receives: URL parts, headers, cookies, and a body read at most once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .connections import Connection, parse_cookies
from .errors import BadRequest, ClientDisconnect, ContentTooLarge, UnsupportedMediaType

if TYPE_CHECKING:
    from ._runtime import Runtime
    from .routing import Route

__all__ = ["Request", "Receive", "parse_cookies", "parse_content_type", "describe_request"]

Q = TypeVar("Q")
B = TypeVar("B")
Receive = Callable[[], Awaitable[dict[str, Any]]]

_NOT_READ: Any = object()
# The names a JSON body's charset may have (RFC 8259 allows UTF-8 only); "utf8" is a common spelling.
_UTF8 = frozenset({"utf-8", "utf8"})


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """Split ``type/subtype; key=value`` into the lower-cased media type and its parameters."""
    if not header:
        return "", {}
    if ";" not in header:
        return header.strip().lower(), {}
    media_type, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            params[key.strip().lower()] = value.strip().strip('"')
    return media_type.strip().lower(), params


class Request(Connection, Generic[Q, B]):
    """One HTTP request. ``Request[Q, B]`` types ``query_data`` and ``body_data``.

    The body is read from the server at most once: ``stream()`` yields it in
    chunks without keeping them; ``body()`` buffers it for later calls. Both
    raise ``ContentTooLarge`` (413) past the size limit.
    """

    # The URL, headers, cookies, query, path parameters and state come from ``Connection``.
    __slots__ = ("receive", "max_body_size", "_query_data", "_body_data", "_body", "_streamed")

    _query_data: Q
    _body_data: B

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Receive,
        runtime: Runtime,
        path_params: dict[str, Any],
        max_body_size: int | None,
        route: Route | None = None,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self._runtime = runtime
        # The route that matched, as the app serves it; None for the router's own answers (404, 405).
        self.route = route
        self.path_params = path_params
        self.max_body_size = max_body_size
        self._headers = None
        self._query = None
        self._cookies = None
        self._body: bytes = _NOT_READ
        self._streamed = False
        self._state = None

    @property
    def method(self) -> str:
        return self.scope["method"]  # type: ignore[no-any-return]

    @property
    def content_type(self) -> tuple[str, dict[str, str]]:
        """The media type (lower-cased) and its parameters, e.g. ``("application/json", {})``."""
        return parse_content_type(self.headers.get("content-type"))

    @property
    def content_length(self) -> int | None:
        """The declared body size; a malformed ``Content-Length`` is a 400."""
        value = self.headers.get("content-length")
        if value is None:
            return None
        if not value.isascii() or not value.isdigit():
            raise BadRequest(detail=f"invalid Content-Length header {value!r}")
        return int(value)

    # PERF: properties over private slots, not __getattr__: a class with __getattr__ sends
    # every attribute read of every request through a slower lookup (~1,800 instructions a POST).
    @property
    def query_data(self) -> Q:
        """The query string validated into the route's ``query=`` type; AttributeError saying what to declare if none."""
        try:
            return self._query_data
        except AttributeError:
            raise AttributeError(_undeclared(self, "query_data")) from None

    @query_data.setter
    def query_data(self, value: Q) -> None:
        self._query_data = value

    @property
    def body_data(self) -> B:
        """The body validated into the route's ``body=`` type; AttributeError saying what to declare if none."""
        try:
            return self._body_data
        except AttributeError:
            raise AttributeError(_undeclared(self, "body_data")) from None

    @body_data.setter
    def body_data(self, value: B) -> None:
        self._body_data = value

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the body in chunks as they arrive; raises 413 past the limit."""
        if self._body is not _NOT_READ:
            if self._body:
                yield self._body
            return
        limit = self._begin_reading()
        received = 0
        more = True
        while more:
            chunk, more = await self._receive_chunk(received, limit)
            if chunk:
                received += len(chunk)
                yield chunk

    async def body(self) -> bytes:
        """The whole body, read once and kept."""
        if self._body is _NOT_READ:
            # PERF: no async generator here (asyncio tracks each one); most bodies are one message.
            limit = self._begin_reading()
            body, more = await self._receive_chunk(0, limit)
            if more:
                chunks = [body]
                received = len(body)
                while more:
                    chunk, more = await self._receive_chunk(received, limit)
                    received += len(chunk)
                    chunks.append(chunk)
                body = b"".join(chunks)
            self._body = body
        return self._body

    def _begin_reading(self) -> int | None:
        """Mark the body as being read; refuse a declared size above the limit (which it returns)."""
        if self._streamed:
            raise RuntimeError("the request body has already been streamed")
        self._streamed = True
        limit = self.max_body_size
        if limit is not None:
            declared = self.content_length
            if declared is not None and declared > limit:
                raise ContentTooLarge(detail=f"the body is {declared} bytes; the limit is {limit}")
        return limit

    async def _receive_chunk(self, received: int, limit: int | None) -> tuple[bytes, bool]:
        """The next body chunk and whether more follows; 413 past ``limit``, ClientDisconnect if gone."""
        while True:
            message = await self.receive()
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                if limit is not None and received + len(chunk) > limit:
                    raise ContentTooLarge(detail=f"the body exceeds the limit of {limit} bytes")
                return chunk, message.get("more_body", False)
            if kind == "http.disconnect":
                raise ClientDisconnect()

    async def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 by default); undecodable is a 400."""
        charset = self.content_type[1].get("charset", "utf-8")
        data = await self.body()
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            raise BadRequest(detail=f"the body is not valid {charset} text") from None

    async def json(self) -> Any:
        """The body parsed by the app's JSON codec; malformed JSON is a 400 saying why.

        JSON is UTF-8 (RFC 8259): a ``Content-Type`` declaring any other charset
        is a 415 naming it, before the body is read.
        """
        header = self.headers.get("content-type")
        # PERF: most JSON requests carry no parameters; only a ';' calls for the full parse.
        if header is not None and ";" in header:
            charset = parse_content_type(header)[1].get("charset")
            if charset is not None and charset.strip().lower() not in _UTF8:
                raise UnsupportedMediaType(
                    detail=f"JSON must be UTF-8 (RFC 8259); the request declares charset={charset!r}"
                )
        data = await self.body()
        if not data:
            raise BadRequest(detail="the request body is empty; JSON was expected")
        try:
            return self._runtime.json_codec.loads(data)
        except ValueError as exc:
            raise BadRequest(detail=f"malformed JSON: {exc}") from None

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"


_HOW = {
    "query_data": ("query", "@app.get('/items', query=Page)", "Request[Page, None]", "request.query"),
    "body_data": ("body", "@app.post('/items', body=ItemIn)", "Request[None, ItemIn]", "await request.json()"),
}


def _undeclared(request: Request[Any, Any], name: str) -> str:
    """What to do about reading ``request.query_data``/``body_data`` that no route option filled."""
    option, example, annotation, raw = _HOW[name]
    route = request.route
    if route is None:
        return f"request.{name} is not set: no route matched {request.method} {request.path[:200]}"
    return (
        f"request.{name} is not set: route {route.path} (handler {route.handler_name}) declares no "
        f"{option} type. Declare one on the route, e.g. {example} with a handler taking "
        f"{annotation}, or read {raw} instead"
    )


def describe_request(request: Request[Any, Any]) -> str:
    """``GET /items/3 (route /items/{item_id:int}, handler sample:get_item)``, for log lines."""
    route = request.route
    where = f"{request.method} {request.path[:200]}"
    return f"{where} (route {route.path}, handler {route.handler_name})" if route is not None else where
