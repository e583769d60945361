"""Calling an ASGI app by hand, one scope at a time."""

from __future__ import annotations

import asyncio
from typing import Any

from hornbeam import App


def run_scope(app: App, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent
