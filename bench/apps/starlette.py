"""Starlette, as its docs show: ``Route`` list, ``PlainTextResponse``/``JSONResponse``, pure ASGI middleware.

Validation: Starlette has none of its own; the body goes through a pydantic model
(``model_validate_json``), the usual pairing.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bench.apps._models import PItem, summary
from bench.common import github_body, github_paths

NOT_FOUND = b"Not Found"


def _github(pattern: str) -> Any:
    body = github_body(pattern)

    async def handler(request: Request) -> JSONResponse:
        return JSONResponse(body)

    return handler


async def plaintext(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


async def json_(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello, World!"})


async def user_post(request: Request) -> JSONResponse:
    params = request.path_params
    return JSONResponse({"user_id": params["user_id"], "post_id": params["post_id"]})


async def search(request: Request) -> JSONResponse:
    query = request.query_params
    return JSONResponse({"q": query.get("q"), "page": int(query.get("page", "1")), "tags": query.getlist("tag")})


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(await request.json())


async def create_item(request: Request) -> JSONResponse:
    item = PItem.model_validate_json(await request.body())
    return JSONResponse(summary(item))


class NoOp:
    """Pure ASGI middleware, the form Starlette's docs recommend for speed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def build(middleware: int = 0) -> Starlette:
    routes = [Route(p, _github(p), methods=m) for p, m in github_paths().items()]
    routes += [
        Route("/plaintext", plaintext),
        Route("/json", json_),
        Route("/users/{user_id:int}/posts/{post_id}", user_post),
        Route("/search", search),
        Route("/echo", echo, methods=["POST"]),
        Route("/items", create_item, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(NoOp) for _ in range(middleware)])


app = build()
