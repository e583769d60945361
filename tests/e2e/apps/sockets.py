"""WebSocket routes for tests/e2e/test_websockets.py, served by uvicorn over each of its WebSocket backends.

Run from this directory: ``uvicorn sockets:app --ws wsproto``. Messages are
limited to 1 KiB (``max_message_size``); ``GET /disconnects`` lists the close
codes handlers saw, ``GET /tasks`` the asyncio tasks alive besides its own.
"""

from __future__ import annotations

import asyncio
from hornbeam import App, Forbidden, Request, WebSocket, WebSocketDisconnect

LIMIT = 1024
SUBPROTOCOLS = ("chat.v2", "chat.v1")

app = App(max_message_size=LIMIT)
disconnects: list[int] = []


@app.websocket("/echo")
async def echo(ws: WebSocket) -> None:
    """Echo text as text and bytes as bytes; picks the first offered subprotocol it speaks."""
    chosen = next((p for p in ws.subprotocols if p in SUBPROTOCOLS), None)
    await ws.accept(chosen)
    while True:
        message = await ws.receive_message()
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)


@app.websocket("/json")
async def json_echo(ws: WebSocket) -> None:
    await ws.accept()
    async for value in ws.iter_json():
        await ws.send_json({"echo": value})


@app.websocket("/close/{code:int}")
async def close(ws: WebSocket, code: int) -> None:
    await ws.accept()
    await ws.close(code, "chosen by the app")


@app.websocket("/members/{room}")
async def members(ws: WebSocket, room: str) -> None:
    raise Forbidden(detail=f"room {room} is for members only")


@app.websocket("/crash")
async def crash(ws: WebSocket) -> None:
    await ws.accept()
    await ws.receive_text()
    raise RuntimeError("handler bug")


@app.websocket("/watch")
async def watch(ws: WebSocket) -> None:
    await ws.accept()
    try:
        while True:
            await ws.receive_text()
    except WebSocketDisconnect as exc:
        disconnects.append(exc.code)
        raise


@app.get("/disconnects")
async def seen(request: Request[None, None]) -> list[int]:
    return disconnects


@app.get("/tasks")
async def tasks(request: Request[None, None]) -> list[str]:
    current = asyncio.current_task()
    return sorted(repr(task.get_coro()) for task in asyncio.all_tasks() if task is not current)
