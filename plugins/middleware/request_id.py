"""Request ids: reuse a valid incoming ``X-Request-ID`` or make one, and echo it on the response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from hornbeam import CallNext, Request, Response, response_or_error
from hornbeam.plugins.middleware.headers import TOKEN

__all__ = ["RequestIDMiddleware"]

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
        if not TOKEN.fullmatch(header):
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
        request.state.request_id = request_id
        response = await response_or_error(request, call_next)
        response.headers[self.header] = request_id
        return response
