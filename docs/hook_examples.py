"""One small, working plugin per hook: ``tools/plugin_docs.py`` copies each class into docs/plugins.md.

Every class here is a complete plugin (``App(plugins=[Example()])``); the test
suite starts an app with each one and sends it a request, and ``mypy --strict``
checks this file, so the examples on the page always run as shown.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from hornbeam import (
    App,
    CallNext,
    HTTPError,
    Middleware,
    QueryParams,
    Request,
    Response,
    Setting,
    TaskInfo,
    TaskObserver,
    WebSocket,
    TextResponse,
    hookimpl,
    hookspec,
)
from hornbeam.components import Source
from hornbeam.pluginhost import PluginHost
from hornbeam.plugins.tasks import InMemoryTaskQueue

log = logging.getLogger("examples")


class AuditSpecs:
    """Hooks of the audit plugin's own, which other plugins may implement."""

    @hookspec
    def audit_event(self, app: App, event: str) -> None:
        """An auditable event happened."""


class AddHooks:
    """hornbeam_add_hooks: declare hooks of your own; call them with app.plugins.call."""

    @hookimpl
    def hornbeam_add_hooks(self, host: PluginHost) -> None:
        host.add_hookspecs(AuditSpecs)

    @hookimpl
    def hornbeam_startup(self, app: App) -> None:
        app.plugins.call("audit_event", app=app, event="started")


class Settings:
    """hornbeam_settings: declare what you read; users set it in App(settings=...) or HORNBEAM_GREETING."""

    @hookimpl
    def hornbeam_settings(self) -> list[Setting]:
        return [Setting("greeting", str, "hello", "What GET /greeting answers.")]

    @hookimpl
    def hornbeam_configure(self, app: App) -> None:
        greeting = app.settings["greeting"]
        app.add_route("/greeting", lambda request: greeting, name="greeting")


class Configure:
    """hornbeam_configure: add routes, converters or middleware before the app freezes."""

    @hookimpl
    def hornbeam_configure(self, app: App) -> None:
        async def version(request: Request[None, None]) -> dict[str, str]:
            return {"version": "1.0"}

        app.add_route("/version", version, name="version")


class StdlibCodec:
    def loads(self, data: bytes) -> Any:
        return json.loads(data)  # JSONDecodeError is a ValueError, as the contract asks

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, default=str).encode()


class JSONCodecPlugin:
    """hornbeam_json_codec: provide the codec behind request.json() and JSON answers."""

    @hookimpl
    def hornbeam_json_codec(self, app: App) -> StdlibCodec:
        return StdlibCodec()


class PlainErrors:
    """hornbeam_error_renderer: every automatic error as plain text instead of problem+json."""

    @hookimpl
    def hornbeam_error_renderer(self, app: App) -> Callable[[Request[Any, Any] | None, Exception], Response]:
        def render(request: Request[Any, Any] | None, exc: Exception) -> Response:
            status = exc.status if isinstance(exc, HTTPError) else 500
            detail = exc.detail if isinstance(exc, HTTPError) and exc.detail else "error"
            return TextResponse(f"{status} {detail}\n", status=status)

        return render


class StdlibQuery:
    """hornbeam_query_parser: parse query strings with urllib.parse."""

    @hookimpl
    def hornbeam_query_parser(self, app: App) -> Callable[[bytes], QueryParams]:
        def parse(raw: bytes) -> QueryParams:
            return QueryParams(urllib.parse.parse_qsl(raw.decode("latin-1"), keep_blank_values=True))

        return parse


class LoggingValidator:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def compile(self, tp: Any, source: Source) -> Callable[[Any], Any]:
        log.info("compiling a %s check for %r", source, tp)
        return self.inner.compile(tp, source)  # type: ignore[no-any-return]


class ValidatorPlugin:
    """hornbeam_validator: wrap the built-in validator (any object with compile(tp, source) will do)."""

    @hookimpl
    def hornbeam_validator(self, app: App) -> LoggingValidator:
        from hornbeam.plugins.validation import Validator

        return LoggingValidator(Validator())


class OneWorkerQueue:
    """hornbeam_task_queue: provide app.tasks; here the built-in queue, one task at a time."""

    @hookimpl
    def hornbeam_task_queue(self, app: App, events: TaskObserver) -> InMemoryTaskQueue:
        return InMemoryTaskQueue(workers=1, observer=events)


class PoweredBy:
    """hornbeam_middleware: wrap every route (and the 404/405 answers) in your middleware."""

    @hookimpl
    def hornbeam_middleware(self, app: App) -> Sequence[Middleware]:
        async def powered_by(request: Request[Any, Any], call_next: CallNext) -> Response:
            response = await call_next(request)
            response.headers["x-powered-by"] = "hornbeam"
            return response

        return [powered_by]


class RouteIndex:
    """hornbeam_frozen: build what depends on every route, once, before any request."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    @hookimpl
    def hornbeam_frozen(self, app: App) -> None:
        self.paths = sorted({route.path for route in app.routes})


class Startup:
    """hornbeam_startup: open what the app needs while it runs (may be async)."""

    @hookimpl
    async def hornbeam_startup(self, app: App) -> None:
        app.state.connections = ["db"]


class Shutdown:
    """hornbeam_shutdown: close it again, after the task queue drained (may be async)."""

    @hookimpl
    def hornbeam_shutdown(self, app: App) -> None:
        log.info("closing %s", getattr(app.state, "connections", []))


class RequestLog:
    """hornbeam_request_started and hornbeam_response_ready: time every answer, by route template."""

    @hookimpl
    def hornbeam_request_started(self, request: Request[Any, Any]) -> None:
        request.scope["example.start"] = time.perf_counter()

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        route = request.route.path if request.route else "<unmatched>"
        took = time.perf_counter() - request.scope["example.start"]
        log.info("%s %s -> %d in %.1f ms", request.method, route, response.status, took * 1000)


class FailureLog:
    """hornbeam_request_failed: see every exception a request raised, before its error answer."""

    @hookimpl
    def hornbeam_request_failed(self, request: Request[Any, Any], exc: BaseException) -> None:
        log.warning("%s %s failed: %r", request.method, request.path, exc)


class SocketCount:
    """hornbeam_websocket_connected and _disconnected: count open sockets per route template."""

    def __init__(self) -> None:
        self.open: dict[str, int] = {}

    @hookimpl
    def hornbeam_websocket_connected(self, websocket: WebSocket) -> None:
        route = websocket.route.path if websocket.route else "<unmatched>"
        self.open[route] = self.open.get(route, 0) + 1

    @hookimpl
    def hornbeam_websocket_disconnected(self, websocket: WebSocket, code: int) -> None:
        route = websocket.route.path if websocket.route else "<unmatched>"
        self.open[route] -= 1
        log.info("socket on %s closed with %d", route, code)


class TaskLog:
    """hornbeam_task_started, _succeeded, _retried, _failed, _cancelled: follow background tasks."""

    @hookimpl
    def hornbeam_task_started(self, info: TaskInfo) -> None:
        log.info("task %s (%s) attempt %d", info.id, info.name, info.attempts)

    @hookimpl
    def hornbeam_task_succeeded(self, info: TaskInfo) -> None:
        log.info("task %s returned %s", info.id, info.result)

    @hookimpl
    def hornbeam_task_retried(self, info: TaskInfo, error: BaseException, delay: float) -> None:
        log.info("task %s failed (%r); retry in %.1f s", info.id, error, delay)

    @hookimpl
    def hornbeam_task_failed(self, info: TaskInfo, error: BaseException) -> None:
        log.error("task %s failed for good: %r", info.id, error)

    @hookimpl
    def hornbeam_task_cancelled(self, info: TaskInfo) -> None:
        log.info("task %s cancelled", info.id)


class KeepAbandoned:
    """hornbeam_task_abandoned: persist tasks shutdown gave up on, to run them again later."""

    def __init__(self) -> None:
        self.kept: list[dict[str, Any]] = []

    @hookimpl
    def hornbeam_task_abandoned(self, app: App, info: TaskInfo) -> None:
        self.kept.append({"id": info.id, "name": info.name, "attempts": info.attempts})


# The example each hook's section shows: the plugin class last, any helper it uses before it.
EXAMPLES: dict[str, tuple[type, ...]] = {
    "hornbeam_add_hooks": (AuditSpecs, AddHooks),
    "hornbeam_settings": (Settings,),
    "hornbeam_configure": (Configure,),
    "hornbeam_json_codec": (StdlibCodec, JSONCodecPlugin),
    "hornbeam_error_renderer": (PlainErrors,),
    "hornbeam_query_parser": (StdlibQuery,),
    "hornbeam_validator": (LoggingValidator, ValidatorPlugin),
    "hornbeam_task_queue": (OneWorkerQueue,),
    "hornbeam_middleware": (PoweredBy,),
    "hornbeam_frozen": (RouteIndex,),
    "hornbeam_startup": (Startup,),
    "hornbeam_shutdown": (Shutdown,),
    "hornbeam_request_started": (RequestLog,),
    "hornbeam_response_ready": (RequestLog,),
    "hornbeam_request_failed": (FailureLog,),
    "hornbeam_websocket_connected": (SocketCount,),
    "hornbeam_websocket_disconnected": (SocketCount,),
    "hornbeam_task_started": (TaskLog,),
    "hornbeam_task_succeeded": (TaskLog,),
    "hornbeam_task_retried": (TaskLog,),
    "hornbeam_task_failed": (TaskLog,),
    "hornbeam_task_cancelled": (TaskLog,),
    "hornbeam_task_abandoned": (KeepAbandoned,),
}
