"""Answers prepared once: the same bytes for every request, with an ETag so clients revalidate for free."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import threading
from collections.abc import Callable
from typing import Any

from hornbeam import HTTPError, Request, Response
from hornbeam.plugins.middleware.gzip import accepts_gzip

__all__ = ["PreparedAnswer", "PerRootPath", "etag_matches", "ROOT_PATHS"]

ROOT_PATHS = 16
"""Distinct ASGI root paths (where a proxy mounts the app) whose answers are kept; others are made per request."""

# Compressing Swagger UI's 1.5 MB bundle takes a tenth of a second: worth it once, never per request.
_GZIP_MIN_SIZE = 1024


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, RFC 9110 section 13.1.2) or is ``*``."""
    if if_none_match == etag:
        return True  # PERF: what a browser sends back, matched without parsing a list
    bare = etag.removeprefix(b"W/")
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == bare:
            return True
    return False


class PreparedAnswer:
    """A GET endpoint that answers bytes set once (``prepare``), as 200 or as 304 to a matching ``If-None-Match``.

    Before ``prepare`` it answers a 503 problem; ``refuse`` makes it answer an error
    of its own instead (a missing package, say). Bodies of 1 KiB or more are also
    sent gzipped to clients that accept it, compressed once, off the event loop.
    """

    __slots__ = ("what", "_body", "_headers", "_etag", "_gzip", "_gzip_etag", "_lock", "_error")

    def __init__(self, what: str) -> None:
        self.what = what
        self._body: bytes | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._etag = b""
        self._gzip: bytes | None = None
        self._gzip_etag = b""
        self._lock = threading.Lock()
        self._error: tuple[int, str] = (503, f"{what} is not ready: the app has not started")

    def prepare(self, body: bytes, media_type: str, cache_control: str) -> None:
        """Answer ``body`` from now on, as ``media_type``, with ``Cache-Control: cache_control``."""
        tag = hashlib.blake2b(body, digest_size=12).hexdigest()
        self._etag = f'"{tag}"'.encode()
        self._gzip_etag = f'"{tag}-gzip"'.encode()
        self._headers = [(b"cache-control", cache_control.encode())]
        if len(body) >= _GZIP_MIN_SIZE:
            self._headers.append((b"vary", b"Accept-Encoding"))
        self._headers.append((b"content-type", media_type.encode()))
        self._gzip = None
        self._body = body

    def refuse(self, status: int, detail: str) -> None:
        """Answer an ``HTTPError(status, detail)`` from now on, rendered by the app's error renderer."""
        self._body = None
        self._error = (status, detail)

    @property
    def body(self) -> bytes | None:
        """The prepared bytes, or None before ``prepare``."""
        return self._body

    def _compressed(self) -> bytes:
        with self._lock:
            if self._gzip is None:
                assert self._body is not None
                self._gzip = gzip.compress(self._body, 6, mtime=0)
            return self._gzip

    async def __call__(self, request: Request[Any, Any]) -> Response:
        body = self._body
        if body is None:
            raise HTTPError(*self._error)
        if_none_match = None
        compress = False
        # PERF: one pass over the raw headers; the Headers view would cost more than the answer.
        for name, value in request.scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
            elif name == b"accept-encoding" and len(body) >= _GZIP_MIN_SIZE:
                compress = accepts_gzip(value.decode("latin-1"))
        etag = self._gzip_etag if compress else self._etag
        if if_none_match is not None and etag_matches(if_none_match, etag):
            # RFC 9110: a 304 repeats the validators and caching headers, not the content's own.
            return Response.prepared(b"", [*self._headers[:-1], (b"etag", etag)], 304)
        if compress:
            packed = self._gzip if self._gzip is not None else await asyncio.to_thread(self._compressed)
            return Response.prepared(packed, [*self._headers, (b"etag", etag), (b"content-encoding", b"gzip")], 200)
        return Response.prepared(body, [*self._headers, (b"etag", etag)], 200)

    def __repr__(self) -> str:
        return f"<the openapi plugin's {self.what}>"


class PerRootPath:
    """An endpoint whose bytes depend on the ASGI ``root_path`` (an app mounted under a prefix): one answer per prefix."""

    __slots__ = ("what", "make", "media_type", "cache_control", "answers")

    def __init__(self, what: str, media_type: str, cache_control: str) -> None:
        self.what = what
        self.make: Callable[[str], bytes] | None = None
        self.media_type = media_type
        self.cache_control = cache_control
        self.answers: dict[str, PreparedAnswer] = {}

    def prepare(self, make: Callable[[str], bytes]) -> None:
        """Answer ``make(root_path)``; the answer without a prefix is made now."""
        self.make = make
        self.answers = {"": self._answer("")}

    def _answer(self, root_path: str) -> PreparedAnswer:
        assert self.make is not None
        answer = PreparedAnswer(self.what)
        answer.prepare(self.make(root_path), self.media_type, self.cache_control)
        return answer

    async def __call__(self, request: Request[Any, Any]) -> Response:
        root_path: str = request.scope.get("root_path", "")
        answer = self.answers.get(root_path)
        if answer is None:
            if self.make is None:
                raise HTTPError(503, detail=f"{self.what} is not ready: the app has not started")
            answer = self._answer(root_path)
            if len(self.answers) < ROOT_PATHS:
                self.answers[root_path] = answer
        return await answer(request)

    def __repr__(self) -> str:
        return f"<the openapi plugin's {self.what}>"
