"""Handler middleware: its contract and the check made when it is registered.

The chain itself is built once per route at start-up (``_endpoints.build_chain``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .errors import ClientDisconnect, ConfigurationError
from .responses import Response

if TYPE_CHECKING:
    from .requests import Request

__all__ = ["CallNext", "Middleware", "check_middleware", "response_or_error"]

CallNext = Callable[["Request[Any, Any]"], Awaitable[Response]]
"""What a middleware calls to run the rest of the chain.

Whatever the handler does, errors included, arrives as a Response (an error
becomes the app's error response). An exception raised by an inner middleware
itself travels outward as an exception, as in plain Python; ``response_or_error``
turns it into the error response for middleware that must see every response.
"""

Middleware = Callable[["Request[Any, Any]", CallNext], Awaitable[Response]]
"""``async def mw(request, call_next) -> Response``, or an object with such an async ``__call__``."""


def describe(middleware: object) -> str:
    """A middleware's name for error messages."""
    return getattr(middleware, "__qualname__", None) or type(middleware).__qualname__


def check_middleware(middleware: object, where: str) -> None:
    """Raise ConfigurationError unless ``middleware`` is an async callable (function or instance)."""
    if isinstance(middleware, type):
        raise ConfigurationError(
            f"{where}: middleware {middleware.__qualname__} is a class; pass an instance, "
            f"e.g. {middleware.__qualname__}(...)"
        )
    if not callable(middleware):
        raise ConfigurationError(f"{where}: middleware {middleware!r} is not callable")
    func: Any = middleware
    while isinstance(func, functools.partial):
        func = func.func
    if not (inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "__call__", None))):
        raise ConfigurationError(
            f"{where}: middleware {describe(middleware)} is not async; write it as "
            "'async def mw(request, call_next) -> Response' (call_next must be awaited, "
            "so sync middleware is not supported)"
        )


async def response_or_error(request: Request[Any, Any], call_next: CallNext) -> Response:
    """``await call_next(request)``, with an exception from an inner middleware answered as the app's error response.

    For middleware that must decorate every response, such as CORS or request ids;
    a client that went away (``ClientDisconnect``) still ends the exchange.
    """
    try:
        return await call_next(request)
    except ClientDisconnect:
        raise
    except Exception as exc:
        return await request.app.error_response(request, exc)
