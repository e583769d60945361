"""Turning a declared route into the plain callable a request runs, once, at start-up."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError
from .responses import JSONResponse, Response, TextResponse
from .routing import Route

if TYPE_CHECKING:
    from .app import App
    from .requests import Request

__all__ = ["Endpoint", "compile_endpoint", "to_response"]

Call = Callable[["Request[Any, Any]"], Awaitable[Any]]


class Endpoint:
    """What one method of one route runs: the finished call chain and its settings."""

    __slots__ = ("call", "param_names", "max_body_size", "route", "pass_params")

    def __init__(self, call: Call, route: Route, max_body_size: int | None, pass_params: bool) -> None:
        self.call = call
        self.route = route
        self.param_names = route.param_names
        self.max_body_size = max_body_size
        # True when the handler takes path parameters as keyword arguments.
        self.pass_params = pass_params


def to_response(result: Any) -> Response:
    """A handler's return value as a Response: dict/list become JSON, str becomes text."""
    if isinstance(result, Response):
        return result
    if isinstance(result, (dict, list)):
        return JSONResponse(result)
    if isinstance(result, str):
        return TextResponse(result)
    raise TypeError(
        f"a handler returned {type(result).__name__}; return a Response, a dict or list (JSON) or a str (text)"
    )


def _takes_params(route: Route) -> bool:
    """Whether the handler wants path parameters as keyword arguments (beyond ``request``)."""
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

    max_body_size = route.max_body_size if route.max_body_size is not None else app.max_body_size
    return Endpoint(call, route, max_body_size, pass_params)
