"""Turning a declared route into the plain callable a request runs, once, at start-up."""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import BadRequest, ClientDisconnect, ConfigurationError, UnsupportedMediaType
from .responses import JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, JSONResponse, Response, TextResponse
from .components import Source
from .middleware import CallNext, Middleware, check_middleware
from .routing import Route

if TYPE_CHECKING:
    from .app import App

from .requests import Request

__all__ = ["Endpoint", "compile_endpoint", "to_response", "build_chain"]

_VAR_ARGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS

Call = Callable[["Request[Any, Any]"], Awaitable[Any]]


class Endpoint:
    """What one method of one route runs: the finished call chain and its settings."""

    __slots__ = ("call", "param_names", "max_body_size", "route", "pass_params", "kwargs_handler", "rename")

    def __init__(self, call: Call, route: Route, max_body_size: int | None, pass_params: bool) -> None:
        self.call = call
        self.route = route
        self.param_names = route.param_names
        self.max_body_size = max_body_size
        # True when the handler takes path parameters as keyword arguments.
        self.pass_params = pass_params
        # PERF: an async handler taking path kwargs with nothing around it is called straight
        # from dispatch, saving the wrapper coroutine; None when anything else is involved.
        self.kwargs_handler: Callable[..., Awaitable[Any]] | None = None
        # This route's own names, when the leaf it shares calls the parameters otherwise.
        self.rename: tuple[str, ...] | None = None

def to_response(result: Any) -> Response:
    """A handler's return value as a Response: dict/list become JSON, str becomes text."""
    if isinstance(result, Response):
        return result
    if isinstance(result, (dict, list)):
        return JSONResponse(result)
    if isinstance(result, str):
        return TextResponse(result)
    raise TypeError(
        f"a handler (or a middleware) returned {type(result).__name__}; "
        "return a Response, a dict or list (JSON) or a str (text)"
    )


def _takes_params(route: Route) -> bool:
    """Whether the handler wants path parameters as keyword arguments (beyond ``request``)."""
    endpoint = route.endpoint
    # PERF: inspect.signature was most of freeze(); a plain one-argument function answers from its code.
    if type(endpoint) is types.FunctionType:
        code = endpoint.__code__
        if code.co_argcount == 1 and not code.co_kwonlyargcount and not code.co_flags & _VAR_ARGS:
            return False
    try:
        signature = inspect.signature(route.endpoint)
    except (TypeError, ValueError):
        return False
    params = list(signature.parameters.values())
    if not params:
        raise ConfigurationError(f"route {route.path!r}: the handler must accept the request as first argument")
    rest = params[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in rest):
        return True
    wanted = {p.name for p in rest if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    required = {p.name for p in rest if p.default is p.empty and p.kind is not p.VAR_POSITIONAL}
    names = set(route.param_names)
    if not wanted:
        return False
    if not required <= names or not wanted <= names:
        raise ConfigurationError(
            f"route {route.path!r}: handler parameters {sorted(wanted)} must be path parameters "
            f"of the route ({sorted(names)})"
        )
    return True


def _is_async(func: Callable[..., Any]) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "__call__", None))


def _is_type(spec: Any) -> bool:
    """A type (or typing form such as ``list[int]``) goes to the validator; other callables are extractors."""
    return isinstance(spec, type) or typing.get_origin(spec) is not None


def _compile_type(app: App, route: Route, spec: Any, source: Source) -> Callable[[Any], Any]:
    if app.validator is None:
        raise ConfigurationError(
            f"route {route.path!r} declares {source} type {spec!r}, but no plugin provides "
            "hornbeam_validator: enable the built-in 'validation' plugin or install one"
        )
    try:
        return app.validator.compile(spec, source)
    except TypeError as exc:
        raise ConfigurationError(f"route {route.path!r}: cannot validate {source} as {spec!r}: {exc}") from exc


def _query_extractor(app: App, route: Route) -> Callable[[Request[Any, Any]], Any] | None:
    spec = route.query
    if spec is None:
        return None
    convert = _compile_type(app, route, spec, "query") if _is_type(spec) else spec
    return lambda request: convert(request.query)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _body_extractor(app: App, route: Route) -> Callable[[Request[Any, Any]], Awaitable[Any]] | None:
    spec = route.body
    if spec is None:
        return None
    required = route.body_required
    if _is_type(spec):
        check = _compile_type(app, route, spec, "body")

        async def from_json(request: Request[Any, Any]) -> Any:
            media_type = request.content_type[0]
            declared = request.content_length
            if declared != 0 and (not media_type or _is_json(media_type)):
                data = await request.body()
                if data:
                    if not media_type:
                        raise UnsupportedMediaType(detail="expected Content-Type application/json, got none")
                    return check(await request.json())
            elif declared != 0:
                raise UnsupportedMediaType(detail=f"expected Content-Type application/json, got {media_type}")
            if required:
                raise BadRequest(detail="a JSON request body is required")
            return None

        return from_json
    convert = spec
    convert_is_async = _is_async(convert)

    async def from_bytes(request: Request[Any, Any]) -> Any:
        value = convert(await request.body())
        return await value if convert_is_async else value

    return from_bytes


def compile_endpoint(app: App, route: Route) -> Endpoint:
    """Build the call for ``route``: handler, argument passing, sync-to-thread, typed data."""
    handler = route.endpoint
    pass_params = _takes_params(route)
    call: Call
    if _is_async(handler):
        if pass_params:

            async def call(request: Request[Any, Any]) -> Any:
                return await handler(request, **request.path_params)

        else:
            # PERF: an async handler without path kwargs is called directly, no wrapper.
            call = handler
    else:
        # Sync handlers run in a worker thread so they never block the event loop.
        async def call(request: Request[Any, Any]) -> Any:
            bound = functools.partial(handler, request, **request.path_params) if pass_params else functools.partial(handler, request)
            return await asyncio.get_running_loop().run_in_executor(None, bound)

    unwrapped = call
    call = _with_extractors(call, _query_extractor(app, route), _body_extractor(app, route))
    # Order: the app's own, then plugin-contributed, then group (outer first) and route middleware.
    middleware = (*app.middleware, *app.plugin_middleware, *route.middleware)
    call = build_chain(app, call, middleware, f"route {route.path!r}")
    max_body_size = route.max_body_size if route.max_body_size is not None else app.max_body_size
    endpoint = Endpoint(call, route, max_body_size, pass_params)
    if pass_params and call is unwrapped and _is_async(handler):
        endpoint.kwargs_handler = handler
    return endpoint


def _with_extractors(
    call: Call,
    query: Callable[[Request[Any, Any]], Any] | None,
    body: Callable[[Request[Any, Any]], Awaitable[Any]] | None,
) -> Call:
    """Fill ``request.query_data`` / ``body_data`` before the handler; no wrapper when neither is declared."""
    if query is None and body is None:
        return call

    async def extracting(request: Request[Any, Any]) -> Any:
        if query is not None:
            request.query_data = query(request)
        if body is not None:
            request.body_data = await body(request)
        return await call(request)

    return extracting


def build_chain(app: App, call: Call, middleware: Sequence[Middleware], where: str) -> Call:
    """Wrap ``call`` in ``middleware``, the first outermost; ``call`` itself when there is none.

    The innermost layer turns the handler's result, or its exception, into a
    Response with its body rendered, so every middleware sees a Response for
    whatever the handler did. An exception raised by a middleware itself goes
    outward as an exception (dispatch answers it at the edge).
    """
    if not middleware:
        return call
    for mw in middleware:
        check_middleware(mw, where)
    error_response = app.error_response
    codec = app.json_codec

    async def innermost(request: Request[Any, Any]) -> Response:
        try:
            result = await call(request)
            kind = type(result)
            # PERF: the common returns become a Response without the checks of its constructor.
            if kind is dict or kind is list:
                return Response.prepared(codec.dumps(result), [JSON_CONTENT_TYPE])
            if kind is str:
                return Response.prepared(result.encode(), [TEXT_CONTENT_TYPE])
            response = result if isinstance(result, Response) else to_response(result)
            if response.body is None:
                # Rendered here so middleware can read and change ``response.body``.
                response.render(codec)
            return response
        except ClientDisconnect:
            raise
        except Exception as exc:
            return await error_response(request, exc)

    chain: CallNext = innermost
    for mw in reversed(middleware):
        chain = _bind(mw, chain)
    return chain


def _bind(mw: Middleware, call_next: CallNext) -> CallNext:
    # PERF: a plain function that starts the middleware's coroutine: one coroutine per
    # layer, where a catching wrapper would add a second (about 0.1 us a layer).
    return lambda request: mw(request, call_next)
