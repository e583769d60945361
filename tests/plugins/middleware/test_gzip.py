"""GZipMiddleware: thresholds, Accept-Encoding, streaming, and what it leaves alone."""

from __future__ import annotations

import asyncio
import gzip
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from hornbeam import App, JSONResponse, Request, Response, StreamingResponse
from hornbeam.plugins.middleware import GZipMiddleware, accepts_gzip
from hornbeam.testing import TestClient

BIG = "hornbeam " * 200


def make_app(minimum_size: int = 500) -> App:
    app = App(middleware=[GZipMiddleware(minimum_size)])

    @app.get("/big")
    async def big(request: Request[Any, Any]) -> str:
        return BIG

    @app.get("/small")
    async def small(request: Request[Any, Any]) -> str:
        return "tiny"

    @app.get("/json")
    async def as_json(request: Request[Any, Any]) -> dict[str, str]:
        return {"text": BIG}

    @app.get("/json-response")
    async def json_response(request: Request[Any, Any]) -> Response:
        return JSONResponse({"text": BIG}, headers={"etag": '"v1"'})

    @app.get("/encoded")
    async def encoded(request: Request[Any, Any]) -> Response:
        return Response(BIG.encode(), headers={"content-encoding": "br"})

    @app.get("/events")
    async def events(request: Request[Any, Any]) -> Response:
        return Response(BIG, media_type="text/event-stream")

    @app.get("/empty")
    async def empty(request: Request[Any, Any]) -> Response:
        return Response(status=204)

    @app.get("/stream")
    async def stream(request: Request[Any, Any]) -> Response:
        async def chunks() -> AsyncIterator[str | bytes]:
            yield "part one, "
            yield b"part two"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/sync-stream")
    async def sync_stream(request: Request[Any, Any]) -> Response:
        def chunks() -> Iterator[bytes]:
            yield b"a" * 10
            yield b"b" * 10

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


def raw_get(client: TestClient, path: str, encoding: str | None = "gzip") -> tuple[Any, bytes]:
    headers = {"accept-encoding": encoding} if encoding is not None else {"accept-encoding": "identity"}
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_large_bodies_are_compressed_when_accepted() -> None:
    with TestClient(make_app()) as client:
        response, raw = raw_get(client, "/big", "br;q=1.0, gzip;q=0.8")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(raw) < len(BIG)
    assert gzip.decompress(raw).decode() == BIG


def test_json_results_are_rendered_then_compressed_and_etags_weakened() -> None:
    with TestClient(make_app()) as client:
        response = client.get("/json", headers={"accept-encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip" and response.json() == {"text": BIG}
        tagged = client.get("/json-response", headers={"accept-encoding": "gzip"})
        assert tagged.headers["etag"] == 'W/"v1"'


def test_not_accepted_means_identity_but_still_varies() -> None:
    with TestClient(make_app()) as client:
        for encoding in ("identity", "gzip;q=0", "br", "*;q=0", None):
            response, raw = raw_get(client, "/big", encoding)
            assert "content-encoding" not in response.headers, encoding
            assert raw.decode() == BIG
            assert response.headers["vary"] == "Accept-Encoding"


def test_small_encoded_excluded_and_bodiless_responses_are_left_alone() -> None:
    with TestClient(make_app()) as client:
        small, raw = raw_get(client, "/small")
        assert raw == b"tiny" and "vary" not in small.headers
        encoded, raw = raw_get(client, "/encoded")
        assert encoded.headers["content-encoding"] == "br" and raw == BIG.encode()
        events, raw = raw_get(client, "/events")
        assert "content-encoding" not in events.headers and raw == BIG.encode()
        empty, raw = raw_get(client, "/empty")
        assert empty.status_code == 204 and "content-encoding" not in empty.headers


def test_streaming_responses_are_compressed_chunk_by_chunk() -> None:
    with TestClient(make_app()) as client:
        response, raw = raw_get(client, "/stream")
        assert response.headers["content-encoding"] == "gzip"
        assert "content-length" not in response.headers
        assert gzip.decompress(raw) == b"part one, part two"
        sync, raw = raw_get(client, "/sync-stream")
        assert zlib.decompress(raw, 31) == b"a" * 10 + b"b" * 10


def test_error_responses_above_threshold_are_compressed() -> None:
    with TestClient(make_app(minimum_size=10)) as client:
        response, raw = raw_get(client, "/missing")
    assert response.status_code == 404
    assert response.headers["content-encoding"] == "gzip"
    assert b"no route matches" in gzip.decompress(raw)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("*", True),
        ("*;q=0", False),
        ("br, deflate", False),
        ("gzip;q=nonsense", False),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding_parsing(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_bad_compresslevel_fails_early() -> None:
    with pytest.raises(ValueError, match="compresslevel"):
        GZipMiddleware(compresslevel=10)


def gzip_stream_app(make: Any) -> App:
    app = App(middleware=[GZipMiddleware()])

    @app.get("/s")
    async def stream(request: Request[Any, Any]) -> Response:
        return StreamingResponse(make(), media_type="text/plain")

    return app


def gzip_scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/s",
        "raw_path": b"/s",
        "query_string": b"",
        "headers": [(b"accept-encoding", b"gzip")],
    }


def test_sync_streams_are_iterated_in_a_worker_thread_as_without_gzip() -> None:
    # One rule for sync iterables: never advanced on the event loop, compressed or not.
    threads: list[threading.Thread] = []

    def chunks() -> Iterator[bytes]:
        for part in (b"a" * 10, b"b" * 10):
            threads.append(threading.current_thread())
            yield part

    with TestClient(gzip_stream_app(chunks)) as client:
        response, raw = raw_get(client, "/s")
    assert response.headers["content-encoding"] == "gzip"
    assert zlib.decompress(raw, 31) == b"a" * 10 + b"b" * 10
    assert len(threads) == 2 and all(t.name.startswith("asyncio") for t in threads)


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_compressed_stream_is_closed_when_the_client_leaves(kind: str) -> None:
    closed: list[bool] = []

    async def async_chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"data\n"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    def sync_chunks() -> Iterator[bytes]:
        try:
            while True:
                yield b"data\n"
        finally:
            closed.append(True)

    app = gzip_stream_app(async_chunks if kind == "async" else sync_chunks)
    left = asyncio.Event()
    sent: list[dict[str, Any]] = []
    receives = 0

    async def receive() -> dict[str, Any]:
        nonlocal receives
        receives += 1
        if receives == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if len(sent) > 4:
            left.set()

    async def main() -> list[bool]:
        await asyncio.wait_for(app(gzip_scope(), receive, send), 30)
        return list(closed)  # closed by the time the exchange ends, not later by the garbage collector

    assert asyncio.run(main()) == [True]
    assert dict(sent[0]["headers"])[b"content-encoding"] == b"gzip"
