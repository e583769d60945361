"""Noticing that the client left while a response streams, without taking the request body from the handler.

Servers may drop what is sent after a disconnect without an error (uvicorn 0.54
does, with h11 and httptools alike), so the only sign is ``http.disconnect`` on
the receive channel. Reading that channel also yields the request body, which a
stream may still want (a proxy, an echo): the watch reads it in the request's
place and hands each message on, through ``request.receive``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .requests import Receive, Request

__all__ = ["DisconnectWatch", "UNLIMITED_BODY_HOLD"]

logger = logging.getLogger("hornbeam")

Message = dict[str, Any]

# With no body limit, at most this much unread body is held; past it, reading pauses (and
# so does noticing a disconnect) until the stream reads on, so memory stays bounded.
UNLIMITED_BODY_HOLD = 1024 * 1024


class DisconnectWatch:
    """Reads the request's receive channel for as long as a response streams.

    ``watch()`` returns True once the client has disconnected, or False when the
    server's channel cannot be watched (it answers without waiting once the body
    is complete, against the ASGI spec). Body messages are kept for the request,
    which reads them through ``request.receive``: up to the request's body limit
    (the message that crosses it is kept so that reading gives the 413; the rest is
    dropped), or UNLIMITED_BODY_HOLD at a time when the request has no limit.
    """

    __slots__ = ("_receive", "_pending", "_held", "_received", "_limit", "_arrived", "_taken", "_complete", "gone")

    def __init__(self, request: Request[Any, Any]) -> None:
        self._receive: Receive = request.receive
        self._pending: deque[Message] = deque()
        self._held = 0
        self._received = 0
        self._limit = request.max_body_size
        self._arrived = asyncio.Event()
        self._taken = asyncio.Event()
        self._complete = False
        self.gone = False
        request.receive = self.receive

    async def watch(self) -> bool:
        try:
            while True:
                while self._limit is None and self._held >= UNLIMITED_BODY_HOLD:
                    self._taken.clear()
                    await self._taken.wait()
                message = await self._receive()
                kind = message.get("type")
                if kind == "http.disconnect":
                    self.gone = True
                    self._arrived.set()
                    return True
                if kind != "http.request":
                    continue
                if self._complete:
                    logger.debug("the server answers receive() without waiting: disconnects go unnoticed")
                    return False
                self._complete = not message.get("more_body", False)
                self._keep(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.debug("cannot watch for a disconnect", exc_info=True)
            return False

    def _keep(self, message: Message) -> None:
        size = len(message.get("body", b""))
        limit = self._limit
        crossed = limit is not None and self._received > limit
        self._received += size
        if crossed:
            return  # the request stops at the message that crossed its limit
        self._pending.append(message)
        self._held += size
        self._arrived.set()

    async def receive(self) -> Message:
        """What the request reads instead of the server's channel: the body messages, then a disconnect."""
        while not self._pending:
            if self.gone:
                return {"type": "http.disconnect"}
            self._arrived.clear()
            await self._arrived.wait()
        message = self._pending.popleft()
        self._held -= len(message.get("body", b""))
        self._taken.set()
        return message
