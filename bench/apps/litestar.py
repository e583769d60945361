"""Litestar, as its docs show: decorated handlers, typed path and query parameters, a msgspec Struct body.

Middleware: the documented factory form (a callable taking the next ASGI app).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar, Request, get, post, route

from bench.apps._models import MItem, summary
from bench.common import github_body, github_paths

NOT_FOUND = {"status_code": 404, "detail": "Not Found"}


_RESERVED = {"data", "socket", "state", "request", "body", "headers", "scope", "query", "cookies"}


def _typed(pattern: str) -> str:
    # Litestar wants a type on every parameter and reserves a few names (the table has {state}).
    return re.sub(r"\{(\w+)\}", lambda m: f"{{{m[1]}_:str}}" if m[1] in _RESERVED else f"{{{m[1]}:str}}", pattern)


def _github(pattern: str, methods: list[str]) -> Any:
    body = github_body(pattern)

    async def handler() -> dict[str, str]:
        return body

    # Litestar answers POST with 201 by default; the table's routes all answer 200.
    return route(_typed(pattern), http_method=methods, status_code=200, name=f"gh:{pattern}")(handler)


@get("/plaintext")
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def json_() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/users/{user_id:int}/posts/{post_id:str}")
async def user_post(user_id: int, post_id: str) -> dict[str, Any]:
    return {"user_id": user_id, "post_id": post_id}


@get("/search")
async def search(q: str, page: int = 1, tag: list[str] | None = None) -> dict[str, Any]:
    return {"q": q, "page": page, "tags": tag or []}


@post("/echo", status_code=200)
async def echo(request: Request[Any, Any, Any]) -> Any:
    return await request.json()


@post("/items", status_code=200)
async def create_item(data: MItem) -> dict[str, Any]:
    return summary(data)


def _noop(app: Any) -> Any:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)

    return middleware


def build(middleware: int = 0) -> Litestar:
    handlers = [_github(p, m) for p, m in github_paths().items()]
    handlers += [plaintext, json_, user_post, search, echo, create_item]
    return Litestar(route_handlers=handlers, middleware=[_noop] * middleware, openapi_config=None, debug=False)


app = build()
