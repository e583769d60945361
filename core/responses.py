"""Response classes: bytes, text, HTML, JSON, redirects and streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, Literal, ParamSpec
from urllib.parse import quote

from .components import JSONCodec
from .datastructures import MutableHeaders, RawHeaders, _check_name, _check_value

if TYPE_CHECKING:
    from .tasks import TaskEnqueuer

__all__ = [
    "Response",
    "TextResponse",
    "HTMLResponse",
    "JSONResponse",
    "RedirectResponse",
    "StreamingResponse",
    "Send",
]

P = ParamSpec("P")
Message = dict[str, Any]
# RFC 9110 §8.6: these responses carry neither a body nor Content-Length.
_NO_BODY = frozenset({204, 304})
_CONTENT_TYPES: dict[tuple[str, str], tuple[bytes, bytes]] = {}
JSON_CONTENT_TYPE = (b"content-type", b"application/json")
TEXT_CONTENT_TYPE = (b"content-type", b"text/plain; charset=utf-8")
Send = Callable[[Message], Awaitable[None]]
# (enqueuer or None for "one attempt on app.tasks", func, args, kwargs)
AfterSendTask = tuple["TaskEnqueuer | None", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def _status(status: int) -> int:
    code = int(status)
    if not 100 <= code <= 599:
        raise ValueError(f"invalid HTTP status {status!r}")
    return code


def _header_list(headers: Mapping[str, str] | None) -> RawHeaders:
    if not headers:
        return []
    return [(_check_name(k), _check_value(v)) for k, v in headers.items()]


class Response:
    """A complete response held in memory; ``Content-Length`` is always computed when sent.

    ``charset`` is added to ``text/*`` media types and used to encode ``str`` content.
    """

    __slots__ = ("body", "status", "raw_headers", "charset", "tasks")

    media_type: str | None = None

    def __init__(
        self,
        content: bytes | str = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        charset: str = "utf-8",
    ) -> None:
        self.status = _status(status)
        self.charset = charset
        self.body: bytes | None = content.encode(charset) if isinstance(content, str) else content
        self.raw_headers = _header_list(headers)
        self.tasks: list[AfterSendTask] | None = None
        self._set_content_type(media_type or self.media_type)

    def _set_content_type(self, media_type: str | None) -> None:
        if media_type is None:
            return
        raw = self.raw_headers
        if raw and any(k == b"content-type" for k, _ in raw):
            return
        key = (media_type, self.charset)
        header = _CONTENT_TYPES.get(key)
        if header is None:
            value = media_type
            if value.startswith("text/") and "charset=" not in value:
                value = f"{value}; charset={self.charset}"
            header = (b"content-type", _check_value(value))
            if len(_CONTENT_TYPES) < 256:
                # PERF: checked and encoded once per (media type, charset), not per response.
                _CONTENT_TYPES[key] = header
        raw.append(header)

    @classmethod
    def prepared(cls, body: bytes, raw_headers: RawHeaders, status: int = 200) -> Response:
        """A response from parts the caller has already checked: nothing is validated.

        For framework code on the hot path; ``raw_headers`` must be a fresh list
        of lower-case, valid ``(name, value)`` byte pairs.
        """
        # PERF: skips __init__'s checks and encoding, the cost of a plain handler answer.
        response = cls.__new__(cls)
        response.body = body
        response.status = status
        response.raw_headers = raw_headers
        response.charset = "utf-8"
        response.tasks = None
        return response

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, editable in place."""
        return MutableHeaders(self.raw_headers)

    def render(self, codec: JSONCodec) -> bytes:
        """The body as bytes; JSON responses encode their content with ``codec`` here, once."""
        assert self.body is not None
        return self.body

    def add_task(self, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Run ``func(*args, **kwargs)`` on ``app.tasks`` once this response has been sent, attempted once.

        One attempt, not the queue's default: a failed e-mail is not sent three
        times unless you ask (``add_task_with``). A task that cannot be enqueued
        then (queue full or closed) is logged on the ``hornbeam`` logger; the
        client has its answer already.
        """
        if self.tasks is None:
            self.tasks = []
        self.tasks.append((None, func, args, kwargs))

    def add_task_with(
        self, enqueuer: TaskEnqueuer, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        """Like ``add_task``, through ``enqueuer``: ``add_task_with(app.tasks.options(max_attempts=3), func, ...)``."""
        if self.tasks is None:
            self.tasks = []
        self.tasks.append((enqueuer, func, args, kwargs))

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        expires: str | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header (formatted by ``http.cookies``)."""
        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = expires
        morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            morsel["samesite"] = samesite
        self.headers.add("set-cookie", morsel.OutputString())

    def delete_cookie(self, key: str, *, path: str = "/", domain: str | None = None) -> None:
        self.set_cookie(key, max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT", path=path, domain=domain)

    async def send_to(self, send: Send, codec: JSONCodec, head: bool = False) -> None:
        """Send this response over ASGI; ``head`` sends the headers only."""
        body = self.body if self.body is not None else self.render(codec)
        if self.status in _NO_BODY:
            headers, body = self.raw_headers, b""
        else:
            headers = self.raw_headers + [(b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status}>"


class TextResponse(Response):
    __slots__ = ()
    media_type = "text/plain"


class HTMLResponse(Response):
    __slots__ = ()
    media_type = "text/html"


class JSONResponse(Response):
    """JSON, encoded by the app's JSON codec (orjson by default) when the handler returns it."""

    __slots__ = ("content",)
    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(b"", status, headers, media_type)
        self.content = content
        self.body = None

    def render(self, codec: JSONCodec) -> bytes:
        if self.body is None:
            self.body = codec.dumps(self.content)
        return self.body


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default, so the method and body are kept)."""

    __slots__ = ()

    def __init__(self, url: str, status: int = 307, headers: Mapping[str, str] | None = None) -> None:
        if not 300 <= int(status) <= 399:
            raise ValueError(f"redirect status must be 3xx, got {status}")
        super().__init__(b"", status, headers)
        self.headers["location"] = quote(url, safe=":/%#?=@[]!$&'()*+,;~")


class StreamingResponse(Response):
    """A body sent in chunks as an (async) iterable produces them; no ``Content-Length``."""

    __slots__ = ("stream",)

    def __init__(
        self,
        content: AsyncIterable[bytes | str] | Iterable[bytes | str],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        charset: str = "utf-8",
    ) -> None:
        super().__init__(b"", status, headers, media_type, charset)
        self.stream = content

    async def send_to(self, send: Send, codec: JSONCodec, head: bool = False) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.raw_headers})
        if not head:
            async for chunk in _aiter(self.stream):
                await send({"type": "http.response.body", "body": self._encode(chunk), "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _encode(self, chunk: bytes | str) -> bytes:
        return chunk.encode(self.charset) if isinstance(chunk, str) else chunk


def _next_chunk(iterator: Iterator[bytes | str]) -> bytes | str | None:
    return next(iterator, None)


async def _aiter(content: AsyncIterable[bytes | str] | Iterable[bytes | str]) -> AsyncIterator[bytes | str]:
    """Iterate either kind; a sync iterable is advanced in a thread so a slow one never blocks the loop."""
    if isinstance(content, AsyncIterable):
        async for item in content:
            yield item
        return
    iterator = iter(content)
    loop = asyncio.get_running_loop()
    while True:
        chunk: bytes | str | None = await loop.run_in_executor(None, _next_chunk, iterator)
        if chunk is None:
            return
        yield chunk
