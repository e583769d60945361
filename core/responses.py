"""Response classes: bytes, text, HTML, JSON, redirects and streams."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import aclosing
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar
from urllib.parse import quote

from ._cookies import set_cookie_value
from ._disconnect import DisconnectWatch
from .components import JSONCodec
from .datastructures import MutableHeaders, RawHeaders, _check_name, _check_value
from .errors import ClientDisconnect

if TYPE_CHECKING:
    from .requests import Request

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
    "iterate_chunks",
]

logger = logging.getLogger("hornbeam")

P = ParamSpec("P")
T = TypeVar("T")
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
        expires: str | datetime | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header.

        Every part is checked against RFC 6265: the name is a token, the value
        cookie-octets (encode anything else first), the path starts with '/',
        the domain is a plain host name, ``expires`` an RFC 1123 date (or an
        aware datetime), ``max_age`` an int >= 0. ``samesite="none"`` needs
        ``secure=True``, as do ``__Secure-`` and ``__Host-`` names (the latter
        also path '/' and no domain): browsers drop such cookies otherwise.
        Raises ValueError naming the part that does not fit.
        """
        self.headers.add(
            "set-cookie",
            set_cookie_value(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        *,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Expire cookie ``key``; give the path, domain and flags it was set with (browsers match on them)."""
        self.set_cookie(
            key,
            max_age=0,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    async def send_to(
        self, send: Send, codec: JSONCodec, head: bool = False, request: Request[Any, Any] | None = None
    ) -> None:
        """Send this response over ASGI; ``head`` sends the headers only.

        ``request`` is the one being answered; a streaming response watches its
        receive channel for the client leaving.
        """
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
    """A body sent in chunks as an (async) iterable produces them; no ``Content-Length``.

    Sync iterables (a generator reading a file, say) are advanced in a worker
    thread, one ``next()`` per chunk, so a slow one never blocks the event loop;
    the same holds wherever hornbeam iterates a body (``iterate_chunks``, also
    used by the gzip middleware). For many tiny chunks an async iterator is cheaper.

    When the client disconnects, streaming stops: an async iterator is cancelled
    where it waits, and the iterator is closed either way (``aclose()`` or
    ``close()``, so a generator's ``finally`` runs; a sync one's in the worker
    thread, once a ``next()`` in progress has returned). A HEAD request closes it
    without iterating. The stream may read the request body while it runs.
    """

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

    async def send_to(
        self, send: Send, codec: JSONCodec, head: bool = False, request: Request[Any, Any] | None = None
    ) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.raw_headers})
        if head:
            await _close(self.stream)
            await send({"type": "http.response.body", "body": b""})
        elif request is None:
            await self._send_chunks(send, None, asyncio.Event())
        else:
            await self._send_watched(send, request)

    async def _send_watched(self, send: Send, request: Request[Any, Any]) -> None:
        """Send the chunks while a watch listens for the client leaving; stop the sending if it does."""
        watch = DisconnectWatch(request)
        closing = asyncio.Event()
        # PERF: two tasks per streamed response; cancelling is the only way to stop an
        # iterator that waits (server-sent events between two events, say).
        sending = asyncio.ensure_future(self._send_chunks(send, watch, closing))
        watching = asyncio.ensure_future(watch.watch())
        try:
            done, _ = await asyncio.wait((sending, watching), return_when=asyncio.FIRST_COMPLETED)
            if sending not in done and watching.result():
                logger.debug("the client left; streaming to %s stopped", request)
                # A sender already closing the stream has stopped; a cancel could only cut the close short.
                if not closing.is_set():
                    sending.cancel()
            await asyncio.wait((sending,))
            if not sending.cancelled():
                sending.result()
        except ClientDisconnect:
            # The stream read the request body and found the client gone.
            logger.debug("the client left; streaming to %s stopped", request)
        finally:
            watching.cancel()
            if not sending.done():
                # Cancelled from outside (the server shutting down): the stream still gets closed.
                sending.cancel()
                await asyncio.wait((sending,))

    async def _send_chunks(self, send: Send, watch: DisconnectWatch | None, closing: asyncio.Event) -> None:
        async with aclosing(iterate_chunks(self.stream)) as chunks:
            try:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": self._encode(chunk), "more_body": True})
                    if watch is not None:
                        # uvicorn's send returns at once after a disconnect, so a stream that never
                        # waits would never let the watch run: give it a turn after every chunk.
                        await asyncio.sleep(0)
                        if watch.gone:
                            return
            finally:
                closing.set()
        await send({"type": "http.response.body", "body": b""})

    def _encode(self, chunk: bytes | str) -> bytes:
        return chunk.encode(self.charset) if isinstance(chunk, str) else chunk


_DONE: Any = object()


def _advance(iterator: Iterator[T], lock: threading.Lock) -> T:
    with lock:
        return next(iterator, _DONE)


def _close_sync(close: Callable[[], object], lock: threading.Lock) -> None:
    # The lock makes close() wait for a next() in progress: closing a running generator raises.
    with lock:
        close()


async def iterate_chunks(content: AsyncIterable[T] | Iterable[T]) -> AsyncGenerator[T, None]:
    """Iterate a body of either kind; the rule for every body hornbeam sends.

    An async iterable is iterated as it is. A sync one is advanced in a worker
    thread, one ``next()`` per item, so a slow one never blocks the event loop.
    When this generator ends, is closed or is cancelled, the iterator is closed
    too (``aclose()``, or ``close()`` in the worker thread once any ``next()`` in
    progress has returned), so a generator's ``finally`` runs.
    """
    if isinstance(content, AsyncIterable):
        iterator = aiter(content)
        try:
            async for item in iterator:
                yield item
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        return
    sync_iterator = iter(content)
    lock = threading.Lock()
    loop = asyncio.get_running_loop()
    try:
        while True:
            item = await loop.run_in_executor(None, _advance, sync_iterator, lock)
            if item is _DONE:
                return
            yield item
    finally:
        close = getattr(sync_iterator, "close", None)
        if close is not None:
            # Shielded: cancelling the wait must not cancel the close before a thread runs it.
            await asyncio.shield(loop.run_in_executor(None, _close_sync, close, lock))


async def _close(content: AsyncIterable[Any] | Iterable[Any]) -> None:
    """Close a body that will not be iterated (HEAD), by the same rule as ``iterate_chunks``."""
    aclose = getattr(content, "aclose", None)
    close = getattr(content, "close", None)
    if aclose is not None:
        await aclose()
    elif close is not None:
        await asyncio.get_running_loop().run_in_executor(None, _close_sync, close, threading.Lock())
