"""Turning a declared route into the plain callable a request runs, once, at start-up."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._contracts import check_compiled
from ._results import to_response
from .components import Source
from .concurrency import is_async_callable
from .errors import (
    BadRequest,
    ClientDisconnect,
    ConfigurationError,
    PluginError,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from .middleware import CallNext, Middleware, check_middleware, describe
from .requests import Request, describe_request
from .responses import Response
from .routing import Route

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["Endpoint", "Call", "compile_endpoint", "build_chain", "checked_response"]

logger = logging.getLogger("hornbeam")

_VAR_ARGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS

Call = Callable[["Request[Any, Any]"], Awaitable[Any]]


class Endpoint:
    """What one method of one route runs: the finished call chain and its settings.

    ``call`` gives the handler's result or, when ``middleware`` wraps it, the
    Response the outermost middleware returned.
    """

    __slots__ = (
        "call",
        "param_names",
        "max_body_size",
        "route",
        "status",
        "plain",
        "middleware",
        "kwargs_handler",
        "rename",
    )

    def __init__(self, call: Call, route: Route, max_body_size: int | None, middleware: tuple[Middleware, ...]) -> None:
        self.call = call
        self.middleware = middleware
        # Dispatch may send this route's str, dict and list answers itself: no middleware
        # must see a Response, and the status carries a body (not 204 or 304).
        self.plain = not middleware and route.status not in (204, 304)
        self.route = route
        self.param_names = route.param_names
        self.max_body_size = max_body_size
        self.status = route.status
        # PERF: an async handler taking path kwargs with nothing around it is called straight
        # from dispatch, saving the wrapper coroutine; None when anything else is involved.
        self.kwargs_handler: Callable[..., Awaitable[Any]] | None = None
        # This route's own names, when the leaf it shares calls the parameters otherwise.
        self.rename: tuple[str, ...] | None = None


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


def _is_type(spec: Any) -> bool:
    """A type (or typing form such as ``list[int]``) goes to the validator; other callables are extractors."""
    return isinstance(spec, type) or typing.get_origin(spec) is not None


def _compile_type(runtime: Runtime, route: Route, spec: Any, source: Source) -> Callable[[Any], Any]:
    validator = runtime.validator
    if validator is None:
        raise ConfigurationError(
            f"route {route.path!r} declares {source} type {spec!r}, but no plugin provides "
            "hornbeam_validator: enable the built-in 'validation' plugin or install one"
        )
    try:
        check = validator.compile(spec, source)
    except TypeError as exc:
        raise ConfigurationError(f"route {route.path!r}: cannot validate {source} as {spec!r}: {exc}") from exc
    problem = check_compiled(check)
    if problem:
        provider = runtime.app.plugins.providers.get("hornbeam_validator")
        raise PluginError(
            f"plugin {provider!r} broke hook hornbeam_validator: for {source} type {spec!r} of route "
            f"{route.path!r}, {problem}",
            plugin=provider,
            hook="hornbeam_validator",
        )
    return check


def _query_extractor(runtime: Runtime, route: Route) -> Callable[[Request[Any, Any]], Any] | None:
    spec = route.query
    if spec is None:
        return None
    convert = _compile_type(runtime, route, spec, "query") if _is_type(spec) else spec
    return lambda request: convert(request.query)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _body_extractor(runtime: Runtime, route: Route) -> Callable[[Request[Any, Any]], Awaitable[Any]] | None:
    spec = route.body
    if spec is None:
        return None
    required = route.body_required
    if _is_type(spec):
        check = _compile_type(runtime, route, spec, "body")

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
    convert_is_async = is_async_callable(convert)

    async def from_bytes(request: Request[Any, Any]) -> Any:
        value = convert(await request.body())
        return await value if convert_is_async else value

    return from_bytes


def compile_endpoint(runtime: Runtime, route: Route, app_middleware: Sequence[Middleware]) -> Endpoint:
    """Build the call for ``route``: handler, argument passing, sync-to-thread, typed data, middleware."""
    handler = route.endpoint
    pass_params = _takes_params(route)
    call: Call
    if is_async_callable(handler):
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

    if runtime.app.debug and route.response is not None:
        call = _checking_answers(runtime, route, call)
    timeout = route.timeout if route.timeout is not None else runtime.app.timeout
    if timeout is not None:
        call = _limited(route, call, timeout)
    unwrapped = call
    call = _with_extractors(call, _query_extractor(runtime, route), _body_extractor(runtime, route))
    # Order: the app's own and plugin-contributed, then group (outer first) and route middleware.
    middleware = (*app_middleware, *route.middleware)
    chained = build_chain(runtime, call, middleware, f"route {route.path!r}", route.status)
    max_body_size = route.max_body_size if route.max_body_size is not None else runtime.max_body_size
    endpoint = Endpoint(chained, route, max_body_size, middleware)
    if pass_params and chained is unwrapped and is_async_callable(handler):
        endpoint.kwargs_handler = handler
    return endpoint


def _limited(route: Route, call: Call, seconds: float) -> Call:
    """``call`` with a time limit: past it the handler is cancelled and the answer is a 503."""

    async def limited(request: Request[Any, Any]) -> Any:
        try:
            async with asyncio.timeout(seconds):
                return await call(request)
        except TimeoutError:
            logger.error("%s took longer than %gs and was cancelled; answered 503", describe_request(request), seconds)
            raise ServiceUnavailable(detail=f"the request took longer than {seconds:g} s") from None

    return limited


def _checking_answers(runtime: Runtime, route: Route, call: Call) -> Call:
    """Debug mode: check each answer that is not a Response against the route's response type.

    The answer is encoded and decoded by the app's codec and checked by the
    validator, so it is checked as the client will read it. A mismatch is a
    TypeError naming the handler (a 500 whose debug body says why).
    """
    validator = runtime.validator
    if validator is None:
        return call
    try:
        check = validator.compile(route.response, "body")
    except TypeError:
        return call  # a type the validator cannot check is documented, not checked
    codec = runtime.json_codec
    declared = route.response

    async def checked(request: Request[Any, Any]) -> Any:
        result = await call(request)
        if result is None or isinstance(result, Response):
            return result
        try:
            check(codec.loads(codec.dumps(result)))
        except Exception as exc:
            raise TypeError(
                f"{route.handler_name} returned {type(result).__name__}, which does not match its declared "
                f"response type {declared!r}: {exc}"
            ) from exc
        return result

    return checked


def _with_extractors(
    call: Call,
    query: Callable[[Request[Any, Any]], Any] | None,
    body: Callable[[Request[Any, Any]], Awaitable[Any]] | None,
) -> Call:
    """Fill ``request.query_data`` / ``body_data`` before the handler; no wrapper when neither is declared."""
    if query is None and body is None:
        return call

    async def extracting(request: Request[Any, Any]) -> Any:
        # The private slots behind request.query_data/body_data: a plain slot store, not a property call.
        if query is not None:
            request._query_data = query(request)
        if body is not None:
            request._body_data = await body(request)
        return await call(request)

    return extracting


def build_chain(runtime: Runtime, call: Call, middleware: Sequence[Middleware], where: str, status: int = 200) -> Call:
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
    answer_error = runtime.answer_error
    codec = runtime.json_codec

    async def innermost(request: Request[Any, Any]) -> Response:
        try:
            response = to_response(await call(request), codec, status)
            if response.body is None:
                # Rendered here so middleware can read and change ``response.body``.
                response.render(codec)
            return response
        except ClientDisconnect:
            raise
        except Exception as exc:
            return await answer_error(request, exc)

    chain: CallNext = innermost
    for mw in reversed(middleware):
        chain = _bind(mw, chain)
    return chain


def checked_response(result: Any, middleware: Sequence[Middleware]) -> Response:
    """``result`` if it is a Response; else a TypeError naming the middleware that could have returned it."""
    if isinstance(result, Response):
        return result
    names = ", ".join(describe(mw) for mw in middleware)
    raise TypeError(f"a middleware ({names}) returned {type(result).__name__}; middleware must return a Response")


def _bind(mw: Middleware, call_next: CallNext) -> CallNext:
    # PERF: a plain function that starts the middleware's coroutine: one coroutine per
    # layer, where a catching wrapper would add a second (about 0.1 us a layer).
    return lambda request: mw(request, call_next)
