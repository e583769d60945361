"""In-process test clients built on httpx: ``TestClient`` (sync) and ``AsyncTestClient``.

Both run the app's lifespan when used as context managers, so start-up and
shutdown code runs exactly as under a server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Awaitable, Callable, Coroutine, TypeVar
from urllib.parse import unquote

import httpx

from ._websocket import AsyncWebSocketSession, WebSocketSession, websocket_scope

__all__ = ["TestClient", "AsyncTestClient", "LifespanFailed"]

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
T = TypeVar("T")


class LifespanFailed(RuntimeError):
    """The app refused to start (``lifespan.startup.failed``); the message says why."""


class _Lifespan:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.create_task(self._serve(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._next()
        if message["type"] == "lifespan.startup.failed":
            raise LifespanFailed(message.get("message", ""))

    async def _serve(self, scope: dict[str, Any]) -> None:
        await self._app(scope, self._to_app.get, self._from_app.put)

    async def stop(self) -> None:
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._next()
        if self._task is not None:
            await self._task
        if message["type"] == "lifespan.shutdown.failed":
            raise LifespanFailed(message.get("message", ""))

    async def _next(self) -> dict[str, Any]:
        assert self._task is not None
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        self._task.result()  # re-raises what the app raised
        raise LifespanFailed("the app returned without answering the lifespan message")


async def _call_app(
    app: ASGIApp, request: httpx.Request, body: AsyncIterable[bytes] | Iterable[bytes], client: tuple[str, int]
) -> httpx.Response:
    url = request.url
    raw_path = url.raw_path.partition(b"?")[0]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": unquote(raw_path.decode("ascii", "replace")),
        "raw_path": raw_path,
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": client,
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "state": {},
    }
    chunks = _chunks(body)
    done = asyncio.Event()
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            await done.wait()
            return {"type": "http.disconnect"}
        # _chunks yields an empty chunk only at the end of the body.
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    done.set()
    # A ByteStream, unlike content=, leaves the headers exactly as the app sent them.
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(b"".join(parts)), request=request)


async def _chunks(body: AsyncIterable[bytes] | Iterable[bytes]) -> Any:
    # Each chunk becomes one http.request message; an empty final one ends the body.
    if isinstance(body, AsyncIterable):
        async for chunk in body:
            if chunk:
                yield chunk
    else:
        for chunk in body:
            if chunk:
                yield chunk
    yield b""


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int]) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, AsyncIterable)
        return await _call_app(self.app, request, request.stream, self.client)


class _LoopThread:
    """An event loop in a daemon thread, so sync tests can drive async apps."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hornbeam-testclient", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class _SyncTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int], loop: Callable[[], _LoopThread]) -> None:
        self.app = app
        self.client = client
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, Iterable)
        body = list(request.stream)
        return self._loop().run(_call_app(self.app, request, body, self.client))


class TestClient(httpx.Client):
    """A synchronous httpx client that calls the app in-process.

    ``with TestClient(app) as client:`` runs lifespan start-up and shutdown;
    without ``with`` the app is built on the first request.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, app: ASGIApp, base_url: str = "http://testserver", **kwargs: Any) -> None:
        self._loop_thread: _LoopThread | None = None
        self._lifespan: _Lifespan | None = None
        transport = _SyncTransport(app, ("testclient", 50000), self._running_loop)
        kwargs.setdefault("follow_redirects", True)
        super().__init__(transport=transport, base_url=base_url, **kwargs)
        self.app = app

    def _running_loop(self) -> _LoopThread:
        if self._loop_thread is None:
            self._loop_thread = _LoopThread()
        return self._loop_thread

    def websocket_connect(
        self,
        path: str,
        subprotocols: Sequence[str] = (),
        *,
        headers: Mapping[str, str] | None = None,
        denial_response: bool = True,
        timeout: float = 10.0,
    ) -> WebSocketSession:
        """A WebSocket to ``path``: ``with client.websocket_connect("/ws") as ws: ws.send_text("hi")``.

        The client's base URL, headers and cookies apply. Entering raises
        ``WebSocketDenied`` (an HTTP answer) or ``WebSocketDisconnect`` (a close)
        when the app refuses the handshake; ``denial_response=False`` plays a
        server without the denial extension. See ``AsyncWebSocketSession``.
        """
        request = self.build_request("GET", path, headers=headers)
        scope = websocket_scope(request, list(subprotocols), ("testclient", 50000), denial_response)
        return WebSocketSession(AsyncWebSocketSession(self.app, scope, timeout), self._running_loop().run)

    def __enter__(self) -> TestClient:
        super().__enter__()
        loop = self._running_loop()
        self._lifespan = loop.run(_make_lifespan(self.app))
        try:
            loop.run(self._lifespan.start())
        except BaseException:
            self._shutdown_loop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            if self._lifespan is not None:
                self._running_loop().run(self._lifespan.stop())
        finally:
            self._lifespan = None
            self._shutdown_loop()
            super().__exit__(exc_type, exc_value, traceback)

    def _shutdown_loop(self) -> None:
        if self._loop_thread is not None:
            self._loop_thread.close()
            self._loop_thread = None

    def close(self) -> None:
        self._shutdown_loop()
        super().close()


async def _make_lifespan(app: ASGIApp) -> _Lifespan:
    # Queues must be created inside the loop that will use them.
    return _Lifespan(app)


class AsyncTestClient(httpx.AsyncClient):
    """The async twin of ``TestClient``: ``async with AsyncTestClient(app) as client``."""

    def __init__(self, app: ASGIApp, base_url: str = "http://testserver", **kwargs: Any) -> None:
        kwargs.setdefault("follow_redirects", True)
        super().__init__(transport=_AsyncTransport(app, ("testclient", 50000)), base_url=base_url, **kwargs)
        self.app = app
        self._lifespan: _Lifespan | None = None

    def websocket_connect(
        self,
        path: str,
        subprotocols: Sequence[str] = (),
        *,
        headers: Mapping[str, str] | None = None,
        denial_response: bool = True,
        timeout: float = 10.0,
    ) -> AsyncWebSocketSession:
        """A WebSocket to ``path``: ``async with client.websocket_connect("/ws") as ws``; see ``TestClient``."""
        request = self.build_request("GET", path, headers=headers)
        scope = websocket_scope(request, list(subprotocols), ("testclient", 50000), denial_response)
        return AsyncWebSocketSession(self.app, scope, timeout)

    async def __aenter__(self) -> AsyncTestClient:
        await super().__aenter__()
        self._lifespan = _Lifespan(self.app)
        await self._lifespan.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            if self._lifespan is not None:
                await self._lifespan.stop()
        finally:
            self._lifespan = None
            await super().__aexit__(exc_type, exc_value, traceback)
