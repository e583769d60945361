"""Request ids, ``Server-Timing``, and the ``Vary`` helper the other middlewares share."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from hornbeam import CallNext, Request, Response, response_or_error

__all__ = ["RequestIDMiddleware", "TimingMiddleware", "add_vary"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def add_vary(raw_headers: list[tuple[bytes, bytes]], name: str) -> None:
    """Add ``name`` to the response's ``Vary`` header unless it (or ``*``) is already there."""
    wanted = name.lower()
    first = None
    for index, (key, value) in enumerate(raw_headers):
        if key == b"vary":
            present = {part.strip().lower() for part in value.decode("latin-1").split(",")}
            if wanted in present or "*" in present:
                return
            if first is None:
                first = index
    if first is None:
        raw_headers.append((b"vary", name.encode("latin-1")))
    else:
        key, value = raw_headers[first]
        raw_headers[first] = (key, value + b", " + name.encode("latin-1"))


def _new_id() -> str:
    return uuid.uuid4().hex


class RequestIDMiddleware:
    """Give each request an id: a valid incoming ``X-Request-ID``, else a new uuid4 hex.

    The id is set on ``request.state.request_id`` and on the response header.
    An incoming id is reused only if it has 1 to ``max_length`` characters from
    ``A-Z a-z 0-9 - _ . : ~ + / = @`` (so it is safe to log and echo);
    ``trust_incoming=False`` always generates one.
    """

    __slots__ = ("header", "trust_incoming", "generate", "_valid")

    def __init__(
        self,
        header: str = "X-Request-ID",
        *,
        max_length: int = 128,
        trust_incoming: bool = True,
        generate: Callable[[], str] = _new_id,
    ) -> None:
        if not _TOKEN.fullmatch(header):
            raise ValueError(f"invalid header name {header!r}")
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        self.header = header
        self.trust_incoming = trust_incoming
        self.generate = generate
        self._valid = re.compile(r"[A-Za-z0-9\-_.:~+/=@]{1,%d}" % max_length).fullmatch

    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        incoming = request.headers.get(self.header) if self.trust_incoming else None
        request_id = incoming if incoming is not None and self._valid(incoming) else self.generate()
        # State is a free-form attribute bag that mypy cannot see into.
        setattr(request.state, "request_id", request_id)
        response = await response_or_error(request, call_next)
        response.headers[self.header] = request_id
        return response


class TimingMiddleware:
    """Add ``Server-Timing: app;dur=<ms>``: the time the rest of the chain took to give a response.

    For a streaming response that is the time until streaming starts.
    """

    __slots__ = ("_prefix",)

    def __init__(self, metric: str = "app") -> None:
        if not _TOKEN.fullmatch(metric):
            raise ValueError(f"invalid Server-Timing metric name {metric!r}")
        self._prefix = f"{metric};dur="

    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        start = time.perf_counter()
        response = await response_or_error(request, call_next)
        elapsed = (time.perf_counter() - start) * 1000.0
        response.raw_headers.append((b"server-timing", f"{self._prefix}{elapsed:.3f}".encode()))
        return response
