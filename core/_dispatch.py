"""Per-connection dispatch: route an HTTP request, call its endpoint, send the answer.

``dispatch`` is the innermost ASGI callable of the runtime: it serves ``http``
scopes here and hands ``lifespan`` and ``websocket`` scopes to their modules. Everything here runs per request, so it is plain function calls over
what ``build_runtime`` prepared; nothing is built or looked up that could be
built once. The router's own answers (404, 405, OPTIONS, slash redirects) live
here too.
"""

from __future__ import annotations

import logging
import sys
from sys import getrefcount
from typing import TYPE_CHECKING, Any

from . import _lifespan, _websocket
from ._endpoints import Endpoint, checked_response
from ._observers import observer_failed
from ._results import to_response
from ._tree import Leaf, split_raw_path
from .errors import ClientDisconnect, HTTPError, MethodNotAllowed, NotFound
from .requests import Receive, Request, describe_request
from .responses import JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, AfterSendTask, Response, Send

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["dispatch", "not_found", "method_not_allowed"]

logger = logging.getLogger("hornbeam")

_PERCENT = ord("%")
STARTED, READY = "hornbeam_request_started", "hornbeam_response_ready"
_UPGRADE = {"upgrade": "websocket", "connection": "upgrade"}


class _Observed(Response):
    """The Response observers see for a handler's str, dict or list answer; dispatch fills its slots.

    Its body is already encoded and no after-send task runs on this path, so
    ``charset`` and ``tasks`` are fixed: class attributes shadow the slots, and
    an observer that tries ``add_task`` fails loudly instead of being ignored.
    PERF: ``_Observed()`` runs object's own C ``__init__``: ~300 instructions fewer
    than ``object.__new__(Response)``, whose wrapper copies its arguments.
    """

    __slots__ = ()
    __init__ = object.__init__
    charset = "utf-8"
    tasks = None


# PERF: one _Observed is reused while nothing else holds it (allocating and freeing
# one costs ~500 instructions, a fifth of what a no-op observer costs). An observer
# that keeps its response, an async one still running or another thread's raises
# the count: the request then gets a new one, so no response changes under anyone.
_SPARE = _Observed()


def _count_when_free() -> int:
    """``getrefcount`` of the spare held by its module and one local, counted as dispatch counts it."""
    response = _SPARE
    return getrefcount(response)


# Without the GIL, counts race: never reuse.
_SPARE_FREE = _count_when_free() if getattr(sys, "_is_gil_enabled", lambda: True)() else -1


async def dispatch(runtime: Runtime, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Serve one ASGI connection by its scope type."""
    kind = scope["type"]
    if kind != "http":
        if kind == "lifespan":
            await _lifespan.run(runtime, receive, send)
        elif kind == "websocket":
            await _websocket.serve(runtime, scope, receive, send)
        else:
            raise RuntimeError(f"hornbeam cannot serve ASGI scope type {kind!r}")
        return
    request: Request[Any, Any] | None = None
    try:
        raw = scope.get("raw_path")
        path: str = scope["path"]
        tree = runtime.tree
        match: tuple[Leaf[Endpoint], dict[str, Any]] | None
        # PERF: an int needle; `b"%" in raw` would first try b"%" as an int, and fail, per request.
        if raw is None or _PERCENT not in raw:
            leaf = tree.static.get(path)
            if leaf is not None:
                match = (leaf, {})
            else:
                # Only a path starting with '/' is routed: '*' (OPTIONS *) or a relative target such as
                # 'x/admin', which h11 passes on, would lose its first segment and route like '/admin'.
                # PERF: checked after the static lookup, whose keys all start with '/'.
                match = tree.match(path.split("/")[1:]) if path[:1] == "/" else None
        else:
            # httpx's ASGI transport puts the query string in raw_path; servers do not.
            match = tree.match(split_raw_path(raw.partition(b"?")[0])) if path[:1] == "/" else None
        if match is None:
            request = _bare_request(runtime, scope, receive)
            if runtime.on_started is None and runtime.not_found_chain is None:
                # PERF: the plain 404 is rendered without a coroutine unless an exception handler takes it.
                outcome = not_found(runtime, request)
                response = outcome if isinstance(outcome, Response) else await runtime.app.error_response(request, outcome)
            else:
                response = await _unrouted(runtime, request)
        else:
            leaf, params = match
            method = scope["method"]
            endpoint = leaf.methods.get(method)
            if endpoint is None and method == "HEAD":
                endpoint = leaf.methods.get("GET")
            if endpoint is None:
                request = _bare_request(runtime, scope, receive)
                response = await _unrouted(runtime, request, leaf)
            else:
                if endpoint.rename is not None:
                    params = dict(zip(endpoint.rename, params.values()))
                request = Request(scope, receive, runtime, params, endpoint.max_body_size, endpoint.route)
                observe = runtime.on_started
                if observe is not None:
                    try:
                        observed = observe(request)
                        if observed is not None:
                            await observed
                    except Exception:
                        observer_failed(STARTED, runtime.observer_plugins[STARTED])
                direct = endpoint.kwargs_handler
                result = await (direct(request, **params) if direct is not None else endpoint.call(request))
                kind = type(result)
                if (kind is str or kind is dict or kind is list) and endpoint.plain:
                    # PERF: the three commonest answers, sent without the general tail below
                    # (~4,700 instructions, a fifth of a plaintext request). The bytes are
                    # to_response's own: tests/core/test_results.py.
                    if kind is str:
                        content_type, body = TEXT_CONTENT_TYPE, result.encode()
                    else:
                        content_type, body = JSON_CONTENT_TYPE, runtime.json_codec.dumps(result)
                    status = endpoint.status
                    observe = runtime.on_response
                    if observe is None:
                        headers = [content_type, (b"content-length", b"%d" % len(body))]
                    else:
                        # Observers see a Response, filled inline: Response.prepared's class
                        # attribute lookup and frame cost ~900 instructions.
                        response = _SPARE
                        if getrefcount(response) != _SPARE_FREE:
                            response = _Observed()
                        response.body, response.status, response.raw_headers = body, status, [content_type]
                        try:
                            observed = observe(request, response)
                            if observed is not None:
                                await observed
                        except Exception:
                            observer_failed(READY, runtime.observer_plugins[READY])
                        # Read back, as every other path sends what the observer leaves.
                        body, status, headers = response.body, response.status, response.raw_headers
                        headers.append((b"content-length", b"%d" % len(body)))
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
                    return
                else:
                    response = (
                        checked_response(result, endpoint.middleware)
                        if endpoint.middleware
                        else to_response(result, runtime.json_codec, endpoint.status)
                    )
    except ClientDisconnect as exc:
        logger.debug("client disconnected while sending the request body")
        # No answer follows: observers that paired request_started with response_ready learn of it here.
        failed = runtime.on_failed
        if failed is not None and request is not None:
            observed = failed(request, exc)
            if observed is not None:
                await observed
        return
    except Exception as exc:
        if request is None:
            request = _bare_request(runtime, scope, receive)
        response = await runtime.answer_error(request, exc)
    # PERF: a plain Response is sent from here, without another coroutine (observed first, if anyone observes).
    if type(response) is Response and response.tasks is None:
        observe = runtime.on_response
        if observe is not None:
            try:
                observed = observe(request, response)
                if observed is not None:
                    await observed
            except Exception:
                observer_failed(READY, runtime.observer_plugins[READY])
        body = response.body
        status = response.status
        if status == 204 or status == 304:
            headers, body = response.raw_headers, b""
        else:
            headers = response.raw_headers + [(b"content-length", b"%d" % len(body))]  # type: ignore[arg-type]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        return
    await send_response(runtime, request, response, send)


def _bare_request(runtime: Runtime, scope: dict[str, Any], receive: Receive) -> Request[Any, Any]:
    """The request of an answer no route gives (404, 405, OPTIONS, a failure before routing)."""
    return Request(scope, receive, runtime, {}, runtime.max_body_size)


async def _unrouted(runtime: Runtime, request: Request[Any, Any], leaf: Leaf[Endpoint] | None = None) -> Response:
    """The router's own answer: 404 or slash redirect when no route matched, 405 or OPTIONS for a known path."""
    observe = runtime.on_started
    if observe is not None:
        try:
            observed = observe(request)
            if observed is not None:
                await observed
        except Exception:
            observer_failed(STARTED, runtime.observer_plugins[STARTED])
    if leaf is not None:
        fallback = runtime.fallbacks.get(leaf)
        if fallback is None:
            return await method_not_allowed(runtime, leaf, request)
        chain, middleware = fallback
        return checked_response(await chain(request), middleware)
    if runtime.not_found_chain is not None:
        chain, middleware = runtime.not_found_chain
        return checked_response(await chain(request), middleware)
    outcome = not_found(runtime, request)
    return outcome if isinstance(outcome, Response) else await runtime.app.error_response(request, outcome)


async def send_response(runtime: Runtime, request: Request[Any, Any], response: Response, send: Send) -> None:
    """Observe ``response`` and send it; an answer that cannot be encoded becomes a 500, logged with its route."""
    if response.body is None:
        try:
            response.render(runtime.json_codec)
        except Exception as exc:
            response = await runtime.answer_error(request, _EncodingFailed(request, exc))
    observe = runtime.on_response
    if observe is not None:
        try:
            observed = observe(request, response)
            if observed is not None:
                await observed
        except Exception:
            observer_failed(READY, runtime.observer_plugins[READY])
    try:
        await response.send_to(send, runtime.json_codec, request.scope["method"] == "HEAD", request)
    except Exception:
        # Headers may be gone already: nothing is left to do but log and end the exchange.
        logger.exception("failed while sending the response to %s", describe_request(request))
        return
    if response.tasks is not None:
        await enqueue_after_send(runtime, response.tasks)


class _EncodingFailed(TypeError):
    """A handler's answer that the JSON codec could not encode; the message names the route."""

    def __init__(self, request: Request[Any, Any], cause: Exception) -> None:
        provider = request.app.plugins.providers.get("hornbeam_json_codec")
        super().__init__(
            f"the JSON codec (plugin {provider!r}) could not encode the answer of "
            f"{describe_request(request)}: {type(cause).__name__}: {cause}"
        )
        self.__cause__ = cause


async def enqueue_after_send(runtime: Runtime, tasks: list[AfterSendTask]) -> None:
    for enqueuer, func, args, kwargs in tasks:
        try:
            target = enqueuer if enqueuer is not None else runtime.app.tasks.options(max_attempts=1)
            await target.enqueue(func, *args, **kwargs)
        except Exception:
            logger.exception("could not enqueue %r after the response was sent", func)


def not_found(runtime: Runtime, request: Request[Any, Any]) -> Response | NotFound:
    """The 308 to the path's slash twin when a route takes it, else the 404.

    The 404 comes rendered, or as the NotFound error itself when an exception
    handler must answer it (handlers may be async).
    """
    scope = request.scope
    # PERF: with no route ending in '/' (or taking the rest of the path), only a path
    # that ends in '/' can have a twin: most 404s skip the lookup.
    if runtime.trailing_slash == "redirect" and (runtime.slash_routes or scope["path"].endswith("/")):
        location = slash_twin(runtime, scope)
        if location is not None:
            query = scope.get("query_string", b"")
            if query:
                location += "?" + query.decode("latin-1")
            return Response.prepared(b"", [(b"location", location.encode("latin-1"))], 308)
    path = scope["path"]
    app = runtime.app
    # A typed parameter that refused its value keeps the 404 (it takes part in routing), said plainly.
    error = NotFound(detail=runtime.near_miss.explain(path) or f"no route matches {path}")
    if app.exception_handlers.find(NotFound) is not None:
        return error
    return app.render_error(request, error)


def slash_twin(runtime: Runtime, scope: dict[str, Any]) -> str | None:
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
    if runtime.tree.match(segments) is None:
        return None
    return str(scope.get("root_path", "")) + other


async def method_not_allowed(runtime: Runtime, leaf: Leaf[Endpoint], request: Request[Any, Any]) -> Response:
    method = request.method
    if not leaf.methods:
        # Only a WebSocket route ends here: the client must upgrade (RFC 9110, 426).
        error = HTTPError(426, detail="this path serves WebSocket connections only", headers=_UPGRADE)
        return await runtime.app.error_response(request, error)
    if method == "OPTIONS":
        return Response(b"", 204, {"allow": leaf.allow})
    allow = leaf.allow.split(", ")
    error = MethodNotAllowed(allow, detail=f"{method} is not allowed here; allowed: {leaf.allow}")
    return await runtime.app.error_response(request, error)
