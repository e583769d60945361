"""Falcon (``falcon.asgi``), as its docs show: resource classes with ``on_<method>`` responders.

Validation: Falcon has none of its own; its docs' msgspec recipe decodes the body
straight into a ``msgspec.Struct``. Middleware: components with async ``process_request``.
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import msgspec

from bench.apps._models import MItem, summary
from bench.common import github_body, github_paths

NOT_FOUND = {"title": "404 Not Found"}

_item_decoder = msgspec.json.Decoder(MItem)


def _github(pattern: str, methods: list[str]) -> Any:
    body = github_body(pattern)

    async def responder(self: Any, req: Any, resp: Any, **params: Any) -> None:
        resp.media = body

    return type("GitHubResource", (), {f"on_{m.lower()}": responder for m in methods})()


class Plaintext:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Json:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": "Hello, World!"}


class UserPost:
    # Falcon refuses different field names (or converters) at one level of the tree, and the
    # GitHub table has /users/{user}/...: the field keeps that name and the int is checked here.
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, user: str, post_id: str) -> None:
        if not user.isdigit():
            raise falcon.HTTPNotFound()
        resp.media = {"user_id": int(user), "post_id": post_id}


class Search:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {
            "q": req.get_param("q"),
            "page": req.get_param_as_int("page", default=1),
            "tags": req.get_param_as_list("tag", default=[]),
        }


class Echo:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


class Items:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        item = _item_decoder.decode(await req.stream.read())
        resp.media = summary(item)


class NoOp:
    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        pass


def build(middleware: int = 0) -> falcon.asgi.App:
    app = falcon.asgi.App(middleware=[NoOp() for _ in range(middleware)])
    # ?tag=a&tag=b as a list; Falcon would also split "a,b" by default.
    app.req_options.auto_parse_qs_csv = False
    for pattern, methods in github_paths().items():
        app.add_route(pattern, _github(pattern, methods))
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", Json())
    app.add_route("/users/{user}/posts/{post_id}", UserPost())
    app.add_route("/search", Search())
    app.add_route("/echo", Echo())
    app.add_route("/items", Items())
    return app


app = build()
