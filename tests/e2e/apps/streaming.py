"""Streams that outlast their client (see test_streaming_disconnect.py).

Run from this directory: ``uvicorn streaming:app``. ``/stream/{kind}/{name}``
streams 200,000 chunks of 1 KiB (``async`` or ``sync`` generator) or server-sent
events that go idle after three (``events``); ``/stats/{name}`` tells how many
chunks that stream produced and whether its ``finally`` ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from hornbeam import App, NotFound, Request, Response, StreamingResponse

CHUNKS = 200_000
CHUNK = b"x" * 1024

app = App()
stats: dict[str, dict[str, Any]] = {}


def async_chunks(record: dict[str, Any]) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            for _ in range(CHUNKS):
                record["produced"] += 1
                yield CHUNK
        finally:
            record["closed"] = True

    return chunks()


def sync_chunks(record: dict[str, Any]) -> Iterator[bytes]:
    try:
        for _ in range(CHUNKS):
            record["produced"] += 1
            yield CHUNK
    finally:
        record["closed"] = True


def events(record: dict[str, Any]) -> AsyncIterator[str]:
    async def stream() -> AsyncIterator[str]:
        try:
            for number in range(3):
                record["produced"] += 1
                yield f"id: {number}\ndata: tick\n\n"
            await asyncio.Event().wait()  # idle: no event will ever come
        finally:
            record["closed"] = True

    return stream()


SOURCES: dict[str, Any] = {"async": async_chunks, "sync": sync_chunks, "events": events}


@app.get("/stream/{kind}/{name}")
async def stream(request: Request[None, None], kind: str, name: str) -> Response:
    if kind not in SOURCES:
        raise NotFound(detail=f"no stream kind {kind}")
    record = stats[name] = {"produced": 0, "closed": False}
    media_type = "text/event-stream" if kind == "events" else "application/octet-stream"
    return StreamingResponse(SOURCES[kind](record), media_type=media_type)


@app.get("/stats/{name}")
async def stream_stats(request: Request[None, None], name: str) -> dict[str, Any]:
    return stats.get(name, {})
