"""BlackSheep, as its docs show: router decorators, typed handler parameters, ``FromJSON`` pydantic binding.

Middleware: the documented ``async def middleware(request, handler)`` form.
"""

from __future__ import annotations

import logging
from typing import Any

from blacksheep import Application, FromJSON, Request, Router, json, text

from bench.apps._models import PItem, summary
from bench.common import github_body, github_paths

NOT_FOUND = b"Resource not found"


def _github(pattern: str) -> Any:
    body = github_body(pattern)

    async def handler() -> Any:
        return json(body)

    return handler


async def _noop(request: Request, handler: Any) -> Any:
    return await handler(request)


def build(middleware: int = 0) -> Application:
    # Its own Router: the default one is shared by every Application in the process.
    app = Application(show_error_details=False, router=Router())
    # BlackSheep logs every 404 at INFO; under a server with no logging set up those records
    # are dropped, so they are here too rather than written to the terminal.
    app.logger.setLevel(logging.WARNING)
    router = app.router
    for pattern, methods in github_paths().items():
        handler = _github(pattern)
        for method in methods:
            router.add(method, pattern, handler)

    @router.get("/plaintext")
    async def plaintext() -> Any:
        return text("Hello, World!")

    @router.get("/json")
    async def json_() -> Any:
        return json({"message": "Hello, World!"})

    @router.get("/users/{user_id}/posts/{post_id}")
    async def user_post(user_id: int, post_id: str) -> Any:
        return json({"user_id": user_id, "post_id": post_id})

    @router.get("/search")
    async def search(q: str, page: int = 1, tag: list[str] | None = None) -> Any:
        return json({"q": q, "page": page, "tags": tag or []})

    @router.post("/echo")
    async def echo(request: Request) -> Any:
        return json(await request.json())

    @router.post("/items")
    async def create_item(item: FromJSON[PItem]) -> Any:
        return json(summary(item.value))

    for _ in range(middleware):
        app.middlewares.append(_noop)
    return app


app = build()
