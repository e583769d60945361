"""The WebSocket a handler receives: accept, send and receive text, bytes and JSON, close."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .connections import Connection
from .datastructures import MutableHeaders
from .errors import BadRequest, ConfigurationError

if TYPE_CHECKING:
    from ._runtime import Runtime
    from .routing import Route

__all__ = ["WebSocket", "WebSocketDisconnect", "describe_websocket"]

T = TypeVar("T")
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Where the socket is: its handshake is pending, it is open, the app closed it, the client left.
_HANDSHAKE, _OPEN, _CLOSED, _GONE = range(4)
# Codes an endpoint may send in a close frame (RFC 6455 section 7.4; 1005, 1006 and 1015 are never sent).
_SENDABLE = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014)) | frozenset(
    range(3000, 5000)
)
_MAX_REASON = 123  # bytes: a close frame's payload is at most 125, two of them the code


class WebSocketDisconnect(Exception):
    """The connection is over: the client left or closed it, or the app closed it for a reason of its own.

    ``code`` is the close code (1000 normal, 1001 going away, 1006 gone without
    a close frame, 1009 a message past the size limit, ...); ``reason`` the
    text sent with it, if any.
    """

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"the WebSocket closed with code {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason


class WebSocket(Connection):
    """One WebSocket connection; the handler's first argument.

    Call ``accept()`` first (raising an ``HTTPError`` before it denies the
    handshake with that status). Receiving past the route's
    ``max_message_size`` closes with 1009; a message of the wrong kind (bytes
    for ``receive_text``, text for ``receive_bytes``) closes with 1003; both
    then raise ``WebSocketDisconnect``, as does receiving once the client has
    left. Sending before ``accept()`` and sending or receiving after
    ``close()`` raise RuntimeError.
    """

    __slots__ = ("receive", "send", "max_message_size", "close_code", "close_reason", "subprotocol", "accepted", "_phase")

    default_scheme = "ws"

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        runtime: Runtime,
        path_params: dict[str, Any],
        route: Route | None = None,
        max_message_size: int | None = None,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self._runtime = runtime
        self.route = route
        self.path_params = path_params
        self.max_message_size = max_message_size
        self._headers = None
        self._query = None
        self._cookies = None
        self._state = None
        # Set once the connection is over: the code the app sent or the client's.
        self.close_code: int | None = None
        self.close_reason = ""
        # The subprotocol ``accept()`` chose.
        self.subprotocol: str | None = None
        # Whether ``accept()`` completed the handshake (the connection may have closed since).
        self.accepted = False
        self._phase = _HANDSHAKE

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols", ()))

    @property
    def connected(self) -> bool:
        """Whether the connection is open: accepted, and closed by neither side."""
        return self._phase == _OPEN

    async def accept(self, subprotocol: str | None = None, headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None) -> None:
        """Complete the handshake, choosing ``subprotocol`` (one the client offered) and adding ``headers``.

        Raises ValueError for a subprotocol the client did not offer or a header
        with CR or LF, RuntimeError when called twice or after ``close()``.
        """
        if self._phase != _HANDSHAKE:
            raise RuntimeError(f"{describe_websocket(self)}: accept() was already called, or the socket is closed")
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise ValueError(f"subprotocol {subprotocol!r} was not offered by the client (offered: {self.subprotocols})")
        raw = MutableHeaders()
        for name, value in headers.items() if isinstance(headers, Mapping) else headers or ():
            raw.add(name, value)
        await self._send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw.raw}, accepting=True)
        self._phase = _OPEN
        self.accepted = True
        self.subprotocol = subprotocol
        observe = self._runtime.on_websocket_connected
        if observe is not None:
            observed = observe(self)
            if observed is not None:
                await observed

    async def receive_message(self) -> str | bytes:
        """The next message as it came: ``str`` for a text message, ``bytes`` for a binary one."""
        message = await self._receive()
        text: str | None = message.get("text")
        return text if text is not None else message.get("bytes") or b""

    async def receive_text(self) -> str:
        """The next message, which must be text (a binary one closes with 1003)."""
        message = await self._receive()
        text: str | None = message.get("text")
        if text is None:
            await self._refuse(1003, "expected a text message")
        return text  # type: ignore[return-value]

    async def receive_bytes(self) -> bytes:
        """The next message, which must be binary (a text one closes with 1003)."""
        message = await self._receive()
        data: bytes | None = message.get("bytes")
        if data is None:
            await self._refuse(1003, "expected a binary message")
        return data  # type: ignore[return-value]

    @overload
    async def receive_json(self) -> Any: ...
    @overload
    async def receive_json(self, into: type[T]) -> T: ...
    @overload
    async def receive_json(self, into: Any) -> Any: ...
    async def receive_json(self, into: Any = None) -> Any:
        """The next message (text or binary) parsed by the app's JSON codec, checked as ``into`` when given.

        Malformed JSON raises BadRequest and a value that does not fit ``into``
        raises ValidationError; the socket stays open, so the handler may answer
        and go on (left uncaught, either closes with 1008). ``into`` is any type
        the validator plugin supports, compiled once per type.
        """
        return self._decode(await self._receive(), into)

    async def iter_text(self) -> AsyncIterator[str]:
        """``async for`` over text messages; ends when the connection is over."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """``async for`` over binary messages; ends when the connection is over."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            return

    async def iter_json(self, into: Any = None) -> AsyncIterator[Any]:
        """``async for`` over JSON messages (checked as ``into`` when given); ends when the connection is over."""
        try:
            while True:
                yield self._decode(await self._receive(), into)
        except WebSocketDisconnect:
            return

    async def send_text(self, data: str) -> None:
        await self._send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._send({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, *, binary: bool = False) -> None:
        """Send ``data`` encoded by the app's JSON codec, as a text message (binary if asked)."""
        encoded = self._runtime.json_codec.dumps(data)
        await self._send({"type": "websocket.send", "bytes": encoded} if binary else {"type": "websocket.send", "text": encoded.decode()})

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` and ``reason`` (at most 123 bytes of UTF-8).

        Before ``accept()`` it denies the handshake (the server answers 403).
        Closing a socket that is already over does nothing. Raises ValueError
        for a code no endpoint may send.
        """
        if code not in _SENDABLE:
            raise ValueError(f"{code} is not a close code an application may send (1000-1003, 1007-1014, 3000-4999)")
        if len(reason.encode()) > _MAX_REASON:
            raise ValueError(f"a close reason is at most {_MAX_REASON} bytes of UTF-8")
        if self._phase == _CLOSED or self._phase == _GONE:
            return
        self._phase = _CLOSED
        self.close_code, self.close_reason = code, reason
        try:
            await self.send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass  # the client left first: the socket is over either way

    def __repr__(self) -> str:
        return f"<WebSocket {self.path}>"

    # Internals ---------------------------------------------------------------

    async def _receive(self) -> Message:
        phase = self._phase
        if phase != _OPEN:
            if phase == _GONE:
                raise WebSocketDisconnect(self.close_code or 1005, self.close_reason)
            if phase == _HANDSHAKE:
                raise RuntimeError(f"{describe_websocket(self)}: receiving before accept(); call 'await ws.accept()' first")
            raise RuntimeError(f"{describe_websocket(self)}: receiving after close()")
        message = await self.receive()
        kind = message["type"]
        if kind == "websocket.receive":
            limit = self.max_message_size
            if limit is not None:
                data = message.get("bytes")
                if data is None:
                    text = message.get("text") or ""
                    # PERF: a str's UTF-8 size lies between len and 4 * len; encode only when that cannot tell.
                    size = len(text) if len(text) * 4 <= limit or len(text) > limit else len(text.encode())
                else:
                    size = len(data)
                if size > limit:
                    await self._refuse(1009, f"message of {size} bytes; the limit is {limit}")
            return message
        if kind == "websocket.disconnect":
            self._phase = _GONE
            code: int = message.get("code", 1005)
            self.close_code, self.close_reason = code, message.get("reason") or ""
            raise WebSocketDisconnect(code, self.close_reason)
        raise RuntimeError(f"{describe_websocket(self)}: unexpected ASGI message {kind!r}")

    async def _send(self, message: Message, accepting: bool = False) -> None:
        phase = self._phase
        if phase != _OPEN and not (accepting and phase == _HANDSHAKE):
            if phase == _GONE:
                raise WebSocketDisconnect(self.close_code or 1005, self.close_reason)
            if phase == _HANDSHAKE:
                raise RuntimeError(f"{describe_websocket(self)}: sending before accept(); call 'await ws.accept()' first")
            raise RuntimeError(f"{describe_websocket(self)}: sending after close()")
        try:
            await self.send(message)
        except OSError:
            # ASGI servers raise an OSError subclass once the client has gone.
            self._phase = _GONE
            self.close_code = 1006
            raise WebSocketDisconnect(1006) from None

    async def _refuse(self, code: int, reason: str) -> None:
        """Close with ``code`` for a message the app cannot take, then end the handler's receive."""
        await self.close(code, reason[:_MAX_REASON])
        raise WebSocketDisconnect(code, reason)

    def _decode(self, message: Message, into: Any) -> Any:
        data = message.get("bytes")
        if data is None:
            data = (message.get("text") or "").encode()
        runtime = self._runtime
        try:
            value = runtime.json_codec.loads(data)
        except ValueError as exc:
            raise BadRequest(detail=f"malformed JSON: {exc}") from None
        if into is None:
            return value
        check = runtime.message_checks.get(into)
        if check is None:
            check = runtime.message_checks[into] = _compile_check(runtime, into)
        return check(value)


def _compile_check(runtime: Runtime, into: Any) -> Callable[[Any], Any]:
    validator = runtime.validator
    if validator is None:
        raise ConfigurationError(
            f"receive_json({into!r}) needs a validator: enable the built-in 'validation' plugin or install one"
        )
    return validator.compile(into, "body")


def describe_websocket(ws: WebSocket) -> str:
    """``WEBSOCKET /chat/7 (route /chat/{room}, handler app:chat)``, for log lines."""
    route = ws.route
    where = f"WEBSOCKET {ws.path[:200]}"
    return f"{where} (route {route.path}, handler {route.handler_name})" if route is not None else where
