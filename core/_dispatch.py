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
from .logs import configure_default_logging
from .requests import Receive, Request
from .responses import JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, Response, Send

if TYPE_CHECKING:
    from .app import App

__all__ = ["handle", "not_found", "method_not_allowed"]

logger = logging.getLogger("hornbeam")

_PERCENT = ord("%")


async def handle(app: App, scope: dict[str, Any], receive: Receive, send: Send, *, inner: bool = False) -> None:
    """The ASGI entry, ``App.__call__``: serves HTTP; hands anything else to the app.

    ``inner`` is set when the innermost ASGI middleware calls the app.
    """
    if scope["type"] != "http" or (app.asgi_middleware and not inner):
        await app._serve_other(scope, receive, send, inner)
        return
    tree = app._tree
    if tree is None:
        configure_default_logging()
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
        if path[:1] != "/":
            # '*' (OPTIONS *) or a relative target such as 'x/admin', which h11 passes on:
            # dropping its first segment would route it like '/admin'.
            match = None
        # PERF: an int needle; `b"%" in raw` would first try b"%" as an int, and fail, per request.
        elif raw is None or _PERCENT not in raw:
            leaf = tree.static.get(path)
            match = (leaf, {}) if leaf is not None else tree.match(path.split("/")[1:])
        else:
            # httpx's ASGI transport puts the query string in raw_path; servers do not.
            match = tree.match(split_raw_path(raw.partition(b"?")[0]))
        if match is None:
            request = Request(scope, receive, app, {}, app.max_body_size)
            chain = app._not_found_chain
            if chain is not None:
                response = await chain(request)
            else:
                # PERF: rendered without a coroutine unless an exception handler takes 404s.
                outcome = not_found(app, request, tree)
                response = outcome if isinstance(outcome, Response) else await app.error_response(request, outcome)
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
        # PERF: the common returns are sent from here: no Response object, no other coroutine.
        kind = type(result)
        if (kind is dict or kind is list or kind is str) and app._observe_ready is None:
            if kind is str:
                content_type, body = TEXT_CONTENT_TYPE, result.encode()
            else:
                content_type, body = JSON_CONTENT_TYPE, app.json_codec.dumps(result)
            length = (b"content-length", b"%d" % len(body))
            await send({"type": "http.response.start", "status": 200, "headers": [content_type, length]})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
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
        await response.send_to(send, app.json_codec, head, request)
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

def not_found(app: App, request: Request[Any, Any], tree: Tree[Endpoint]) -> Response | NotFound:
    """The 308 to the path's slash twin when a route takes it, else the 404.

    The 404 comes rendered, or as the NotFound error itself when an exception
    handler must answer it (handlers may be async).
    """
    scope = request.scope
    # PERF: with no route ending in '/' (or taking the rest of the path), only a path
    # that ends in '/' can have a twin: most 404s skip the lookup.
    if app.trailing_slash == "redirect" and (app._slash_routes or scope["path"].endswith("/")):
        location = slash_twin(app, scope, tree)
        if location is not None:
            query = scope.get("query_string", b"")
            if query:
                location += "?" + query.decode("latin-1")
            return Response.prepared(b"", [(b"location", location.encode("latin-1"))], 308)
    error = NotFound(detail=f"no route matches {scope['path']}")
    if app.exception_handlers.find(NotFound) is not None:
        return error
    return app.render_error(request, error)


def slash_twin(app: App, scope: dict[str, Any], tree: Tree[Endpoint]) -> str | None:
    """The request path with its trailing slash added or removed, if a route matches that; else None."""
    raw = scope.get("raw_path")
    # The raw form keeps percent-escapes, so the redirect points at exactly the same segments.
    path: str = raw.partition(b"?")[0].decode("latin-1") if raw else scope["path"]
    if not path.startswith("/"):
        return None
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
