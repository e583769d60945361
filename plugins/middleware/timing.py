"""``Server-Timing``: how long the rest of the chain took to give a response."""

from __future__ import annotations

import time
from typing import Any

from hornbeam import CallNext, Request, Response, response_or_error
from hornbeam.plugins.middleware.headers import TOKEN

__all__ = ["TimingMiddleware"]

class TimingMiddleware:
    """Add ``Server-Timing: app;dur=<ms>``: the time the rest of the chain took to give a response.

    For a streaming response that is the time until streaming starts.
    """

    __slots__ = ("_prefix",)

    def __init__(self, metric: str = "app") -> None:
        if not TOKEN.fullmatch(metric):
            raise ValueError(f"invalid Server-Timing metric name {metric!r}")
        self._prefix = f"{metric};dur="

    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        start = time.perf_counter()
        response = await response_or_error(request, call_next)
        elapsed = (time.perf_counter() - start) * 1000.0
        response.raw_headers.append((b"server-timing", f"{self._prefix}{elapsed:.3f}".encode()))
        return response
