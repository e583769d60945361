"""Gzip compression of responses for clients that accept it, streaming responses included."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import aclosing
from typing import Any

from hornbeam import CallNext, Request, Response, StreamingResponse
from hornbeam.responses import iterate_chunks
from hornbeam.plugins.middleware.headers import add_vary

__all__ = ["GZipMiddleware", "accepts_gzip"]

_NO_BODY = frozenset({204, 304})


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip``/``x-gzip`` or ``*`` with q > 0)."""
    if not accept_encoding:
        return False
    star = False
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, eq, value = param.partition("=")
            if eq and key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            star = quality > 0
    return star


class GZipMiddleware:
    """Gzip response bodies of at least ``minimum_size`` bytes when the client accepts gzip.

    Streaming responses are compressed chunk by chunk (each flushed, so they
    still stream) whatever their size, iterated as ``StreamingResponse`` does
    (a sync iterable in a worker thread) and closed with it. Responses that already have a
    ``Content-Encoding``, have no body (204, 304) or whose media type is in
    ``exclude_media_types`` are left alone. Every response that could be
    compressed gets ``Vary: Accept-Encoding``; a strong ``ETag`` becomes weak.
    """

    __slots__ = ("minimum_size", "compresslevel", "_excluded")

    def __init__(
        self,
        minimum_size: int = 500,
        *,
        compresslevel: int = 6,
        exclude_media_types: Sequence[str] = ("text/event-stream",),
    ) -> None:
        if not 0 <= compresslevel <= 9:
            raise ValueError(f"compresslevel must be 0..9, got {compresslevel}")
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self._excluded = tuple(t.lower().encode("latin-1") for t in exclude_media_types)

    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        response = await call_next(request)
        if response.status < 200 or response.status in _NO_BODY:
            return response
        raw = response.raw_headers
        media_type = b""
        for key, value in raw:
            if key == b"content-encoding":
                return response
            if key == b"content-type":
                media_type = value.partition(b";")[0].strip().lower()
        if media_type in self._excluded:
            return response
        streaming = isinstance(response, StreamingResponse)
        body = b""
        if not streaming:
            body = response.body if response.body is not None else response.render(request.app.json_codec)
            if len(body) < self.minimum_size:
                return response
        add_vary(raw, "Accept-Encoding")
        if not accepts_gzip(request.headers.get("accept-encoding")):
            return response
        raw[:] = [(k, _weak(v) if k == b"etag" else v) for k, v in raw if k != b"content-length"]
        raw.append((b"content-encoding", b"gzip"))
        if isinstance(response, StreamingResponse):
            response.stream = _gzip_stream(response.stream, response.charset, self.compresslevel)
        else:
            response.body = gzip.compress(body, self.compresslevel, mtime=0)
        return response


def _weak(etag: bytes) -> bytes:
    # The compressed bytes differ from the identity ones, so a strong validator would lie.
    return etag if etag.startswith(b"W/") else b"W/" + etag


async def _gzip_stream(
    stream: AsyncIterable[bytes | str] | Iterable[bytes | str], charset: str, level: int
) -> AsyncIterator[bytes]:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: gzip framing

    def feed(chunk: bytes | str) -> bytes:
        data = chunk.encode(charset) if isinstance(chunk, str) else chunk
        return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)

    # The rule every body follows (sync iterables advanced in a worker thread), and the
    # stream closed with this generator, as when it is sent uncompressed.
    async with aclosing(iterate_chunks(stream)) as chunks:
        async for chunk in chunks:
            yield feed(chunk)
    yield compressor.flush()
