"""Hand-written raw ASGI doing the same work as the framework apps: the upper bound.

Routing is a static dict in front of a minimal segment trie (literal children,
then one parameter child); JSON goes through orjson; the body of POST /items is
checked field by field by hand and built into the same dataclasses hornbeam uses;
a 404 is the same problem+json document hornbeam answers, path included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from bench.common import github_body, github_paths, item_summary, problem_not_found

NOT_FOUND = problem_not_found("/does/not/exist")

Handler = Callable[..., Any]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
_PROBLEM = [(b"content-type", b"application/problem+json")]
_PARAM = object()


async def _send(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _not_found(send: Any, path: str) -> None:
    # The document of bench.common.problem_not_found, built inline as a hand-written app would.
    problem = {"type": "about:blank", "title": "Not Found", "status": 404,
               "detail": f"no route matches {path}", "instance": path}
    await _send(send, 404, _PROBLEM, orjson.dumps(problem))


def _github(pattern: str) -> Handler:
    body = orjson.dumps(github_body(pattern))

    async def handler(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
        await _send(send, 200, _JSON, body)

    return handler


async def plaintext(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    await _send(send, 200, _TEXT, b"Hello, World!")


async def json_(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    await _send(send, 200, _JSON, orjson.dumps({"message": "Hello, World!"}))


async def user_post(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    user, post = params
    if not user.isdigit():
        await _not_found(send, scope["path"])
        return
    await _send(send, 200, _JSON, orjson.dumps({"user_id": int(user), "post_id": post}))


async def search(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    q = None
    page = 1
    tags = []
    for pair in scope["query_string"].decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name == "q":
            q = value
        elif name == "page":
            page = int(value)
        elif name == "tag":
            tags.append(value)
    await _send(send, 200, _JSON, orjson.dumps({"q": q, "page": page, "tags": tags}))


async def echo(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    await _send(send, 200, _JSON, orjson.dumps(orjson.loads(await _read_body(receive))))


def _check(data: Any, fields: dict[str, type | tuple[type, ...]]) -> None:
    if type(data) is not dict or data.keys() != fields.keys():
        raise ValueError("bad object")
    for key, kind in fields.items():
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise ValueError(f"bad {key}")


async def create_item(scope: Any, receive: Any, send: Any, params: list[str]) -> None:
    from bench.apps.hornbeam import Dimensions, Item, Owner, Variant

    data = orjson.loads(await _read_body(receive))
    try:
        _check(data, {"name": str, "description": str, "price": (int, float), "tags": list,
                      "owner": dict, "dimensions": dict, "variants": list})
        if not all(type(t) is str for t in data["tags"]):
            raise ValueError("bad tags")
        _check(data["owner"], {"id": int, "name": str, "email": str})
        _check(data["dimensions"], {"width": (int, float), "height": (int, float), "depth": (int, float)})
        for v in data["variants"]:
            _check(v, {"sku": str, "color": str, "size": str, "stock": int, "price": (int, float)})
    except ValueError as exc:
        await _send(send, 422, _TEXT, str(exc).encode())
        return
    item = Item(
        data["name"], data["description"], float(data["price"]), data["tags"], Owner(**data["owner"]),
        Dimensions(**{k: float(v) for k, v in data["dimensions"].items()}),
        [Variant(**{**v, "price": float(v["price"])}) for v in data["variants"]],
    )
    summary = item_summary(item.name, item.owner.id, [v.stock for v in item.variants])
    await _send(send, 200, _JSON, orjson.dumps(summary))


class RawApp:
    def __init__(self) -> None:
        self.static: dict[str, dict[str, Handler]] = {}
        self.trie: dict[Any, Any] = {}

    def add(self, pattern: str, methods: list[str], handler: Handler) -> None:
        if "{" not in pattern:
            self.static.setdefault(pattern, {}).update(dict.fromkeys(methods, handler))
            return
        node = self.trie
        for seg in pattern.split("/")[1:]:
            node = node.setdefault(_PARAM if seg.startswith("{") else seg, {})
        node.setdefault(None, {}).update(dict.fromkeys(methods, handler))

    def _match(self, segments: list[str]) -> tuple[dict[str, Handler], list[str]] | None:
        # Depth-first with backtracking: literal child first, then the parameter child.
        stack: list[tuple[dict[Any, Any], int, list[str]]] = [(self.trie, 0, [])]
        end = len(segments)
        while stack:
            node, i, params = stack.pop()
            if i == end:
                leaf = node.get(None)
                if leaf is not None:
                    return leaf, params
                continue
            seg = segments[i]
            child = node.get(_PARAM)
            if child is not None and seg:
                stack.append((child, i + 1, [*params, seg]))
            child = node.get(seg)
            if child is not None:
                stack.append((child, i + 1, params))
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope["path"]
        methods = self.static.get(path)
        params: list[str] = []
        if methods is None:
            found = self._match(path.split("/")[1:])
            if found is None:
                await _not_found(send, path)
                return
            methods, params = found
        handler = methods.get(scope["method"])
        if handler is None:
            await _send(send, 405, _TEXT, b"Method Not Allowed")
            return
        await handler(scope, receive, send, params)


class _NoOp:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def build(middleware: int = 0) -> Any:
    app = RawApp()
    for pattern, methods in github_paths().items():
        app.add(pattern, methods, _github(pattern))
    app.add("/plaintext", ["GET"], plaintext)
    app.add("/json", ["GET"], json_)
    app.add("/users/{user_id}/posts/{post_id}", ["GET"], user_post)
    app.add("/search", ["GET"], search)
    app.add("/echo", ["POST"], echo)
    app.add("/items", ["POST"], create_item)
    wrapped: Any = app
    for _ in range(middleware):
        wrapped = _NoOp(wrapped)
    return wrapped


app = build()
