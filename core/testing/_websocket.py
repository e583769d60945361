"""WebSocket sessions for the test clients: ``client.websocket_connect(path)`` in process, no server.

The app runs in a task of the client's event loop; messages travel through two
queues. The scope offers the denial extension (``websocket.http.response``) unless
``denial_response=False``, so both ways a server can refuse a handshake are testable.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Awaitable, TypeVar
from urllib.parse import unquote

import httpx

from ..websockets import WebSocketDisconnect

__all__ = ["AsyncWebSocketSession", "WebSocketSession", "WebSocketDenied"]

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
T = TypeVar("T")


class WebSocketDenied(Exception):
    """The app refused the handshake with an HTTP answer; ``response`` holds its status, headers and body."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"the handshake was denied with {response.status_code}")
        self.response = response


def websocket_scope(
    request: httpx.Request, subprotocols: list[str], client: tuple[str, int], denial_response: bool
) -> dict[str, Any]:
    """The ASGI ``websocket`` scope of ``request`` (an httpx GET carrying the client's URL, headers and cookies)."""
    url = request.url
    raw_path = url.raw_path.partition(b"?")[0]
    headers = [(k.lower(), v) for k, v in request.headers.raw]
    headers += [
        (b"connection", b"upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ]
    if subprotocols:
        headers.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode()))
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "wss" if url.scheme == "https" else "ws",
        "path": unquote(raw_path.decode("ascii", "replace")),
        "raw_path": raw_path,
        "query_string": url.query,
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "subprotocols": list(subprotocols),
        "state": {},
        "extensions": {"websocket.http.response": {}} if denial_response else {},
    }


class AsyncWebSocketSession:
    """An open WebSocket to the app: ``async with client.websocket_connect("/ws") as ws``.

    Entering raises ``WebSocketDenied`` when the app answers the handshake over
    HTTP, and ``WebSocketDisconnect`` when it closes before accepting. Receiving
    raises ``WebSocketDisconnect`` once the app has closed; ``close_code`` then
    holds its code. Each wait for the app gives up after ``timeout`` seconds
    (TimeoutError), so a test never hangs.
    """

    def __init__(self, app: ASGIApp, scope: dict[str, Any], timeout: float = 10.0) -> None:
        self._app = app
        self.scope = scope
        self.timeout = timeout
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.subprotocol: str | None = None
        self.headers = httpx.Headers()
        self.close_code: int | None = None
        self.close_reason = ""
        self._closed = False

    async def __aenter__(self) -> AsyncWebSocketSession:
        self._task = asyncio.create_task(self._serve())
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next()
        kind = message["type"]
        if kind == "websocket.accept":
            self.subprotocol = message.get("subprotocol")
            self.headers = httpx.Headers(list(message.get("headers") or []))
            return self
        self._closed = True
        if kind == "websocket.close":
            await self._finish()
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        if kind == "websocket.http.response.start":
            body = b""
            while True:
                part = await self._next()
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            await self._finish()
            response = httpx.Response(message["status"], headers=list(message.get("headers", [])), content=body)
            raise WebSocketDenied(response)
        raise RuntimeError(f"the app answered the handshake with {kind!r}")

    async def _serve(self) -> None:
        await self._app(self.scope, self._to_app.get, self._from_app.put)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()

    async def send_text(self, data: str) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._to_app.put({"type": "websocket.receive", "bytes": data})

    async def send_json(self, data: Any, *, binary: bool = False) -> None:
        text = json.dumps(data)
        await (self.send_bytes(text.encode()) if binary else self.send_text(text))

    async def receive(self) -> dict[str, Any]:
        """The app's next ``websocket.send`` message; WebSocketDisconnect once it closed."""
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code, self.close_reason)
        message = await self._next()
        if message["type"] == "websocket.close":
            self.close_code, self.close_reason = message.get("code", 1000), message.get("reason") or ""
            raise WebSocketDisconnect(self.close_code, self.close_reason)
        if message["type"] != "websocket.send":
            raise RuntimeError(f"the app sent {message['type']!r} on an open WebSocket")
        return message

    async def receive_text(self) -> str:
        message = await self.receive()
        if message.get("text") is None:
            raise TypeError(f"expected a text message, got {message!r}")
        return str(message["text"])

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        if message.get("bytes") is None:
            raise TypeError(f"expected a binary message, got {message!r}")
        return bytes(message["bytes"])

    async def receive_json(self) -> Any:
        message = await self.receive()
        data = message.get("text")
        return json.loads(data if data is not None else message["bytes"])

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Leave (the app receives ``websocket.disconnect`` with ``code``) and wait for the app to finish."""
        if not self._closed:
            self._closed = True
            await self._to_app.put({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._finish()

    async def _finish(self) -> None:
        task = self._task
        if task is None:
            return
        await asyncio.wait_for(asyncio.shield(task), self.timeout)
        task.result()  # re-raises what the app raised

    async def _next(self) -> dict[str, Any]:
        assert self._task is not None
        if not self._from_app.empty():
            return self._from_app.get_nowait()
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait({getter, self._task}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        if self._task in done:
            self._task.result()
            raise RuntimeError("the app returned without answering on the WebSocket")
        raise TimeoutError(f"the app sent nothing on the WebSocket within {self.timeout} s")


class WebSocketSession:
    """The synchronous twin of ``AsyncWebSocketSession``, for ``TestClient``: ``with client.websocket_connect(...) as ws``."""

    def __init__(self, session: AsyncWebSocketSession, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self._session = session
        self._run = run

    @property
    def subprotocol(self) -> str | None:
        return self._session.subprotocol

    @property
    def headers(self) -> httpx.Headers:
        return self._session.headers

    @property
    def close_code(self) -> int | None:
        return self._session.close_code

    @property
    def close_reason(self) -> str:
        return self._session.close_reason

    def __enter__(self) -> WebSocketSession:
        self._run(self._session.__aenter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._run(self._session.close())

    def send_text(self, data: str) -> None:
        self._run(self._session.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        self._run(self._session.send_bytes(data))

    def send_json(self, data: Any, *, binary: bool = False) -> None:
        self._run(self._session.send_json(data, binary=binary))

    def receive(self) -> dict[str, Any]:
        return self._run(self._session.receive())  # type: ignore[no-any-return]

    def receive_text(self) -> str:
        return self._run(self._session.receive_text())  # type: ignore[no-any-return]

    def receive_bytes(self) -> bytes:
        return self._run(self._session.receive_bytes())  # type: ignore[no-any-return]

    def receive_json(self) -> Any:
        return self._run(self._session.receive_json())

    def close(self, code: int = 1000, reason: str = "") -> None:
        self._run(self._session.close(code, reason))
