"""WebSocket connections: their routes compiled at start-up, and each connection served from handshake to close.

``serve`` is what dispatch calls for a ``websocket`` scope. It finds the route
in the same tree as HTTP routes, runs the handler (through the route's handler
middleware, if any) and gives every ending its answer:

- before ``accept()``: an ``HTTPError`` (or any exception, as a 500) denies the
  handshake with the app's error response, sent through the server's denial
  extension (``websocket.http.response``), else as a close (1008; 1011 for a
  crash), which servers turn into a 403; a handler that returns without
  accepting is denied with 403; an unknown path with 404;
- after ``accept()``: a crash closes with 1011 and one log line naming the
  handler; an uncaught ``HTTPError`` closes with 1008 (a 4xx), 1013 (503) or
  1011, its detail as the reason; returning without closing closes with 1000.

Handler middleware sees the handshake as a ``Request`` (method GET, the
socket's scope and state); answering without calling ``call_next`` denies the
handshake with that answer. ``call_next`` returns once the connection is over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._endpoints import _takes_params, build_chain, checked_response
from ._tree import split_raw_path
from .errors import Forbidden, HTTPError, NotFound
from .middleware import Middleware
from .requests import Request
from .responses import Response, Send
from .routing import Route
from .websockets import _HANDSHAKE, _OPEN, WebSocket, WebSocketDisconnect, describe_websocket

if TYPE_CHECKING:
    from ._runtime import Runtime
    from .requests import Receive

__all__ = ["WebSocketEndpoint", "compile_endpoint", "serve"]

logger = logging.getLogger("hornbeam")

_PERCENT = ord("%")
_DENIAL = "websocket.http.response"

Handler = Callable[[WebSocket], Awaitable[None]]


class WebSocketEndpoint:
    """What a WebSocket route runs: the handler call, its middleware chain (None without middleware), its limits."""

    __slots__ = ("run", "chain", "middleware", "route", "param_names", "rename", "max_message_size")

    def __init__(
        self,
        run: Handler,
        chain: Callable[[Request[Any, Any]], Awaitable[Any]] | None,
        middleware: tuple[Middleware, ...],
        route: Route,
        max_message_size: int | None,
    ) -> None:
        self.run = run
        self.chain = chain
        self.middleware = middleware
        self.route = route
        self.param_names = route.param_names
        # This route's own names, when the leaf it shares calls the parameters otherwise.
        self.rename: tuple[str, ...] | None = None
        self.max_message_size = max_message_size


class _Handshake(Request[None, None]):
    """The handshake as handler middleware sees it: an HTTP GET with the socket's scope, state and route.

    It has no body; ``websocket`` is the socket the handler gets.
    """

    __slots__ = ("websocket",)

    def __init__(self, ws: WebSocket) -> None:
        scope = ws.scope
        scope.setdefault("method", "GET")
        super().__init__(scope, _no_body, ws._runtime, ws.path_params, 0, ws.route)
        self._state = ws.state
        self.websocket = ws


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def compile_endpoint(runtime: Runtime, route: Route, app_middleware: Sequence[Middleware]) -> WebSocketEndpoint:
    """The handler call for ``route`` (path parameters as keywords) and its middleware chain."""
    handler = route.endpoint
    run: Handler
    if _takes_params(route):

        def run(ws: WebSocket) -> Awaitable[None]:
            return handler(ws, **ws.path_params)  # type: ignore[no-any-return]

    else:
        run = handler
    middleware = (*app_middleware, *route.middleware)
    chain = None
    if middleware:

        async def innermost(request: Request[Any, Any]) -> Response:
            ws = request.websocket  # type: ignore[attr-defined]
            denial = await _session(runtime, run, ws)
            # Once the socket was accepted, middleware sees a bare 101: the connection is over by now.
            return denial if denial is not None else Response.prepared(b"", [], 101)

        chain = build_chain(runtime, innermost, middleware, f"websocket route {route.path!r}")
    limit = route.max_message_size if route.max_message_size is not None else runtime.app.max_message_size
    return WebSocketEndpoint(run, chain, middleware, route, limit)


async def serve(runtime: Runtime, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Serve one ``websocket`` scope: route it, run its handler, and close or deny as the handler's ending asks."""
    first = await receive()
    if first["type"] != "websocket.connect":
        return  # the client left during the handshake
    ws = WebSocket(scope, receive, send, runtime, {})
    try:
        found = _find(runtime, scope)
    except HTTPError as exc:
        await _deny(runtime, ws, await runtime.app.error_response(_Handshake(ws), exc))
        return
    if found is None:
        error = NotFound(detail=f"no WebSocket route matches {scope['path']}")
        await _deny(runtime, ws, await runtime.app.error_response(_Handshake(ws), error))
        return
    endpoint, params = found
    ws.route = endpoint.route
    ws.path_params = params
    ws.max_message_size = endpoint.max_message_size
    try:
        if endpoint.chain is None:
            denial = await _session(runtime, endpoint.run, ws)
        else:
            request = _Handshake(ws)
            try:
                outcome = await endpoint.chain(request)
                denial = checked_response(outcome, endpoint.middleware) if ws._phase == _HANDSHAKE else None
            except Exception as exc:  # raised by a middleware itself
                denial = await _failed(runtime, ws, exc)
        if denial is not None and ws._phase == _HANDSHAKE:
            await _deny(runtime, ws, denial)
    finally:
        if ws.accepted:
            observe = runtime.on_websocket_disconnected
            if observe is not None:
                observed = observe(ws, ws.close_code)
                if observed is not None:
                    await observed


def _find(runtime: Runtime, scope: dict[str, Any]) -> tuple[WebSocketEndpoint, dict[str, Any]] | None:
    """The WebSocket route for the path, with its parameters; None when the path has none."""
    raw = scope.get("raw_path")
    path: str = scope["path"]
    tree = runtime.tree
    if raw is None or _PERCENT not in raw:
        leaf = tree.static.get(path)
        match = (leaf, {}) if leaf is not None else tree.match(path.split("/")[1:])
    else:
        match = tree.match(split_raw_path(raw.partition(b"?")[0]))
    if match is None:
        return None
    leaf, params = match
    endpoint = runtime.websockets.get(leaf)
    if endpoint is None:
        return None
    if endpoint.rename is not None:
        params = dict(zip(endpoint.rename, params.values()))
    return endpoint, params


async def _session(runtime: Runtime, run: Handler, ws: WebSocket) -> Response | None:
    """Run the handler and end the connection as it ended; the denial to send if it never accepted."""
    try:
        await run(ws)
    except WebSocketDisconnect:
        return None
    except Exception as exc:
        return await _failed(runtime, ws, exc)
    if ws._phase == _HANDSHAKE:
        error = Forbidden(detail="the handler returned without accepting the connection")
        return await runtime.app.error_response(_Handshake(ws), error)
    if ws._phase == _OPEN:
        await ws.close(1000)
    return None


async def _failed(runtime: Runtime, ws: WebSocket, exc: Exception) -> Response | None:
    """The denial for a failure before ``accept()``; after it, the close (and log line) it calls for."""
    if ws._phase == _HANDSHAKE:
        return await runtime.app.error_response(_Handshake(ws), exc)
    if isinstance(exc, HTTPError):
        code = 1008 if exc.status < 500 else 1013 if exc.status == 503 else 1011
        if ws._phase == _OPEN:
            await ws.close(code, _reason(exc.detail or exc.title))
        logger.debug("%s raised %r; closed with %d", describe_websocket(ws), exc, code)
        return None
    if ws._phase == _OPEN:
        logger.error("%s failed; closed with 1011", describe_websocket(ws), exc_info=exc)
        await ws.close(1011)
    else:
        logger.error("%s failed after the connection closed", describe_websocket(ws), exc_info=exc)
    return None


def _reason(text: str) -> str:
    """``text`` cut to fit a close frame (123 bytes of UTF-8)."""
    data = text.encode()
    return text if len(data) <= 123 else data[:120].decode(errors="ignore") + "..."


async def _deny(runtime: Runtime, ws: WebSocket, response: Response) -> None:
    """Refuse the handshake with ``response`` where the server can send one, else with a close."""
    if _DENIAL in ws.scope.get("extensions", {}):
        send = ws.send

        async def as_denial(message: dict[str, Any]) -> None:
            # The HTTP response messages, renamed: the denial extension has the same fields.
            await send({**message, "type": "websocket." + message["type"]})

        try:
            await response.send_to(as_denial, runtime.json_codec)
        except OSError:
            return
    else:
        await ws.close(1011 if response.status >= 500 else 1008)
