"""The WebSocket echo of bench/sockets.py, once per framework, each written as its documentation shows.

Every app echoes each text message on ``/ws`` until the client leaves. They are
factories, for ``uvicorn --factory bench.socket_apps:<framework>``.
"""

from __future__ import annotations

from typing import Any

FRAMEWORKS = ("hornbeam", "raw", "starlette", "litestar")


def hornbeam() -> Any:
    from hornbeam import App, WebSocket

    app = App()

    @app.websocket("/ws")
    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        async for text in ws.iter_text():
            await ws.send_text(text)

    return app


def raw() -> Any:
    """Plain ASGI: the upper bound."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "websocket" or scope["path"] != "/ws":
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            await send({"type": "websocket.send", "text": message.get("text")})

    return app


def starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return Starlette(routes=[WebSocketRoute("/ws", echo)])


def litestar() -> Any:
    from litestar import Litestar, WebSocket, websocket

    @websocket("/ws")
    async def echo(socket: WebSocket) -> None:
        await socket.accept()
        async for text in socket.iter_data(mode="text"):
            await socket.send_text(text)

    return Litestar(route_handlers=[echo])
