"""Per-request dispatch: route, call the endpoint, send the answer; the router's own 404/405/OPTIONS/308.

Everything here runs per request, so it is plain function calls over what
``App.freeze`` prepared; nothing is built or looked up that could be built once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._endpoints import Endpoint, to_response
from ._tree import Leaf, Tree, split_raw_path
from .errors import ClientDisconnect, MethodNotAllowed, NotFound
from .requests import Receive, Request
from .responses import JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, Response, Send

if TYPE_CHECKING:
    from .app import App

__all__ = ["handle_http", "not_found", "method_not_allowed", "send_simple"]

logger = logging.getLogger("hornbeam")

_JSON_HEADERS = [JSON_CONTENT_TYPE]
_TEXT_HEADERS = [TEXT_CONTENT_TYPE]


async def handle_http(app: App, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    tree = app._tree
    if tree is None:
        app.freeze()
        tree = app._tree
        assert tree is not None
        if app._tasks is not None and not app.lifespans_served:
            logger.warning(
                "the server did not run lifespan start-up: background tasks wait until it does "
                "(serve with lifespan on, or use 'with TestClient(app)')"
            )
    request: Request[Any, Any] | None = None
    try:
        raw = scope.get("raw_path")
        path: str = scope["path"]
        if raw is None or b"%" not in raw:
            leaf = tree.static.get(path)
            match = (leaf, {}) if leaf is not None else tree.match(path.split("/")[1:])
        else:
            # httpx's ASGI transport puts the query string in raw_path; servers do not.
            match = tree.match(split_raw_path(raw.partition(b"?")[0]))
        if match is None:
            request = Request(scope, receive, app, {}, app.max_body_size)
            chain = app._not_found_chain
            response = await (chain(request) if chain is not None else not_found(app, request, tree))
            await send_response(app, request, response, send, scope["method"] == "HEAD")
            return
        leaf, params = match
        method = scope["method"]
        endpoint = leaf.methods.get(method)
        if endpoint is None:
            if method == "HEAD":
                endpoint = leaf.methods.get("GET")
            if endpoint is None:
                request = Request(scope, receive, app, {}, app.max_body_size)
                chain = app._fallbacks.get(leaf)
                response = await (
                    chain(request) if chain is not None else method_not_allowed(app, leaf, request)
                )
                await send_response(app, request, response, send, method == "HEAD")
                return
        if endpoint.rename is not None:
            params = dict(zip(endpoint.rename, params.values()))
        request = Request(scope, receive, app, params, endpoint.max_body_size)
        if app._observe_started is not None:
            app._observe_started(request=request)
        direct = endpoint.kwargs_handler
        result = await (direct(request, **params) if direct is not None else endpoint.call(request))
        # PERF: the common returns skip building a Response object.
        kind = type(result)
        if app._observe_ready is None:
            if kind is dict or kind is list:
                body = app.json_codec.dumps(result)
                await send_simple(send, 200, _JSON_HEADERS, body, method == "HEAD")
                return
            if kind is str:
                await send_simple(send, 200, _TEXT_HEADERS, result.encode(), method == "HEAD")
                return
        response = result if isinstance(result, Response) else to_response(result)
    except ClientDisconnect:
        logger.debug("client disconnected while sending the request body")
        return
    except Exception as exc:
        if request is None:
            request = Request(scope, receive, app, {}, app.max_body_size)
        response = await app.error_response(request, exc)
    await send_response(app, request, response, send, scope["method"] == "HEAD")

async def send_response(
    app: App, request: Request[Any, Any] | None, response: Response, send: Send, head: bool
) -> None:
    if app._observe_ready is not None and request is not None:
        app._observe_ready(request=request, response=response)
    try:
        await response.send_to(send, app.json_codec, head)
    except Exception:
        # Headers may be gone already: nothing is left to do but log and end the exchange.
        logger.exception("failed while sending the response to %s", request)
        return
    if response.tasks is not None:
        enqueue_after_send(app, response.tasks)

def enqueue_after_send(app: App, tasks: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]) -> None:
    for func, args, kwargs in tasks:
        try:
            app.tasks.enqueue_nowait(func, *args, **kwargs)
        except Exception:
            logger.exception("could not enqueue %r after the response was sent", func)

async def not_found(app: App, request: Request[Any, Any], tree: Tree[Endpoint]) -> Response:
    scope = request.scope
    if app.trailing_slash == "redirect":
        location = slash_twin(app, scope, tree)
        if location is not None:
            query = scope.get("query_string", b"")
            if query:
                location += "?" + query.decode("latin-1")
            return Response.prepared(b"", [(b"location", location.encode("latin-1"))], 308)
    return await app.error_response(request, NotFound(detail=f"no route matches {scope['path']}"))

def slash_twin(app: App, scope: dict[str, Any], tree: Tree[Endpoint]) -> str | None:
    """The request path with its trailing slash added or removed, if a route matches that; else None."""
    if not app._slash_routes and not scope["path"].endswith("/"):
        # PERF: no route ends in '/' or takes the rest of the path, so adding one cannot match.
        return None
    raw = scope.get("raw_path")
    # The raw form keeps percent-escapes, so the redirect points at exactly the same segments.
    path: str = raw.partition(b"?")[0].decode("latin-1") if raw else scope["path"]
    if path.endswith("/"):
        if path == "/":
            return None
        other = path[:-1]
    else:
        other = path + "/"
    segments = split_raw_path(other.encode("latin-1")) if "%" in other else other.split("/")[1:]
    if tree.match(segments) is None:
        return None
    return str(scope.get("root_path", "")) + other


async def method_not_allowed(app: App, leaf: Leaf[Endpoint], request: Request[Any, Any]) -> Response:
    method = request.method
    if method == "OPTIONS":
        return Response(b"", 204, {"allow": leaf.allow})
    allow = leaf.allow.split(", ")
    error = MethodNotAllowed(allow, detail=f"{method} is not allowed here; allowed: {leaf.allow}")
    return await app.error_response(request, error)


async def send_simple(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, head: bool) -> None:
    if status != 204:
        headers = [*headers, (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
