"""Cases the sample cannot show (see test_bad_input.py and test_logging.py).

Run from this directory: ``uvicorn edge:app``. ``/inject/{how}`` tries to put a
CR LF into a response header in each way a handler can; ``/crash`` fails;
``/cookies`` answers the request's cookies as parsed; ``/ticks`` streams until
the client leaves and ``/ticks/closed`` counts the streams whose ``finally`` ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from hornbeam import App, JSONResponse, NotFound, RedirectResponse, Request, Response, StreamingResponse

INJECTED = "ok\r\nX-Injected: yes\r\n\r\n<html>smuggled</html>"

app = App()
closed_streams = [0]


@app.get("/crash")
async def crash(request: Request[None, None]) -> str:
    raise RuntimeError("the database is on fire")


@app.get("/inject/{how}")
async def inject(request: Request[None, None], how: str) -> Response:
    if how == "constructor":
        return Response("x", headers={"x-note": INJECTED})
    if how == "setitem":
        response = Response("x")
        response.headers["x-note"] = INJECTED
        return response
    if how == "add":
        response = Response("x")
        response.headers.add("x-note", INJECTED)
        return response
    if how == "name":
        return Response("x", headers={"x-note\r\nx-injected": "yes"})
    if how == "cookie":
        response = Response("x")
        response.set_cookie("session", INJECTED)
        return response
    if how == "cookie-path":
        response = Response("x")
        response.set_cookie("session", "1", path="/; Domain=evil.example")
        return response
    if how == "media-type":
        return Response("x", media_type="text/plain\r\nX-Injected: yes")
    if how == "json":
        return JSONResponse({"a": 1}, headers={"x-note": INJECTED})
    if how == "redirect":
        # Not an error: the URL is percent-encoded into one Location header.
        return RedirectResponse("/next\r\nX-Injected: yes")
    raise NotFound(detail=f"no injection {how}")


@app.get("/cookies")
async def cookies(request: Request[None, None]) -> dict[str, str]:
    return request.cookies


@app.get("/ticks")
async def ticks(request: Request[None, None]) -> Response:
    async def stream() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.001)
        finally:
            closed_streams[0] += 1

    return StreamingResponse(stream(), media_type="text/plain")


@app.get("/ticks/closed")
async def ticks_closed(request: Request[None, None]) -> dict[str, Any]:
    return {"closed": closed_streams[0]}
