"""FastAPI, as its docs show: decorated path operations, typed parameters, a pydantic body model."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import PlainTextResponse

from bench.apps._models import PItem, summary
from bench.apps.starlette import NoOp
from bench.common import github_body, github_paths

NOT_FOUND = {"detail": "Not Found"}


def _github(pattern: str) -> Any:
    body = github_body(pattern)

    async def handler() -> dict[str, str]:
        return body

    return handler


def build(middleware: int = 0) -> FastAPI:
    app = FastAPI()
    for _ in range(middleware):
        app.add_middleware(NoOp)
    for pattern, methods in github_paths().items():
        app.add_api_route(pattern, _github(pattern), methods=methods)

    @app.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json_() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{user_id}/posts/{post_id}")
    async def user_post(user_id: int, post_id: str) -> dict[str, Any]:
        return {"user_id": user_id, "post_id": post_id}

    @app.get("/search")
    async def search(q: str, page: int = 1, tag: list[str] = Query(default=[])) -> dict[str, Any]:
        return {"q": q, "page": page, "tags": tag}

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return await request.json()

    @app.post("/items")
    async def create_item(item: PItem) -> dict[str, Any]:
        return summary(item)

    return app


app = build()
