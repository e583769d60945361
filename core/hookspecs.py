"""The plugin contract: every hook hornbeam calls, when it calls it, and what it expects back.

A plugin is any module or object with functions named after these hooks and
marked with ``@hornbeam.hookimpl``. Plugins are found through the entry-point
group ``hornbeam`` or passed as ``App(plugins=[...])``.

Factory hooks (``firstresult``) are called once, when the app starts, and
return a plain component that requests then use directly: no hook is called
per request unless a plugin implements a per-request observation hook. The
built-in plugins implement their hooks with ``trylast=True``, so a plugin of
yours that implements the same factory hook wins without disabling anything.

Lifecycle hooks may be ``async def``; hornbeam awaits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .app import App
    from .components import ErrorRenderer, JSONCodec, QueryParser, Validator
    from .middleware import Middleware
    from .requests import Request
    from .responses import Response
    from .tasks import TaskInfo, TaskQueue

__all__ = ["hookspec", "hookimpl", "PROJECT"]

PROJECT = "hornbeam"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def hornbeam_configure(app: App) -> None:
    """Called once at start-up, after every plugin is registered and before routes are compiled.

    Plugins may add routes, converters or settings to ``app`` here. Returns nothing.
    """


@hookspec(firstresult=True)
def hornbeam_json_codec(app: App) -> JSONCodec | None:
    """Provide the JSON codec: an object with ``loads(bytes) -> Any`` and ``dumps(obj) -> bytes``.

    Called once at start-up (firstresult). ``loads`` must raise ``ValueError``
    (or a subclass) on malformed input; the message may be shown to the client.
    Required: the app does not start without one (built-in: plugin ``json``).
    """


@hookspec(firstresult=True)
def hornbeam_query_parser(app: App) -> QueryParser | None:
    """Provide the query parser: ``parse(query_string: bytes) -> QueryParams``.

    Called once at start-up (firstresult). The parser raises ``HTTPError``
    (a 400) for a query it refuses. Optional: ``request.query`` fails with a
    clear error when nothing provides it (built-in: plugin ``query``).
    """


@hookspec(firstresult=True)
def hornbeam_error_renderer(app: App) -> ErrorRenderer | None:
    """Provide the error renderer: ``render(request, exc) -> Response``.

    Called once at start-up (firstresult). ``exc`` is an ``HTTPError`` (a
    handler's crash arrives as ``InternalServerError`` with the original as
    ``__cause__``); ``request`` is None when the failure came before a request
    existed. Required (built-in: plugin ``problem``, RFC 9457 problem details).
    """


@hookspec(firstresult=True)
def hornbeam_validator(app: App) -> Validator | None:
    """Provide the validator: ``compile(tp, source)`` turns a type into a checking function.

    Called once at start-up (firstresult); ``compile`` is then called once per
    route that declares a typed ``query`` or ``body``. Optional, unless a route
    declares a type (built-in: plugin ``validation``).
    """


@hookspec
def hornbeam_middleware(app: App) -> Sequence[Middleware] | None:
    """Contribute handler middleware that wraps every route and the app's 404/405 answers.

    Called once at start-up, after ``hornbeam_configure`` and the factory
    hooks, before routes compile. Not firstresult: every plugin's list is used.
    Return a list of middleware (``async def mw(request, call_next) ->
    Response``, or objects with such an async ``__call__``), or None.

    Order: plugin middleware runs inside the app's own middleware
    (``App(middleware=...)``, ``app.add_middleware``) and outside route-group
    and route middleware. Between plugins, the hook call order applies (the
    plugin registered last comes first; ``tryfirst``/``trylast`` move it);
    within one list, the first item is the outermost. A sync function or a
    non-list answer stops start-up with a PluginError naming the plugin.
    """


@hookspec
def hornbeam_startup(app: App) -> None:
    """Called at lifespan start-up, after the app is built and before the user's start-up code.

    May be async. An exception fails the start-up; the server reports it and exits.
    """


@hookspec
def hornbeam_shutdown(app: App) -> None:
    """Called at lifespan shutdown, after the user's shutdown code. May be async."""


@hookspec
def hornbeam_request_started(request: Request[Any, Any]) -> None:
    """Per-request observation: called before the handler runs. Sync; keep it cheap.

    hornbeam calls it only when at least one plugin implements it, so it costs
    nothing otherwise.
    """


@hookspec
def hornbeam_response_ready(request: Request[Any, Any], response: Response) -> None:
    """Per-request observation: called with the response before it is sent. Sync; keep it cheap.

    Called only when implemented, like ``hornbeam_request_started``.
    """


@hookspec(firstresult=True)
def hornbeam_task_queue(app: App) -> TaskQueue | None:
    """Provide the background task queue behind ``app.tasks`` (see ``hornbeam.tasks.TaskQueue``).

    Called once at start-up (firstresult). hornbeam starts the queue at lifespan
    start-up, before the plugins' start-up hooks, and shuts it down first thing
    at lifespan shutdown (tasks may need what later shutdown code closes), with
    the deadline ``app.settings["tasks_shutdown_deadline"]`` (seconds, default 10). Optional: ``app.tasks`` fails with a clear error when
    nothing provides it (built-in: plugin ``tasks``).
    """


@hookspec
def hornbeam_task_started(app: App, info: TaskInfo) -> None:
    """Task observation: an attempt of a background task began. Sync; called only when implemented."""


@hookspec
def hornbeam_task_succeeded(app: App, info: TaskInfo) -> None:
    """Task observation: a background task returned. Sync; called only when implemented."""


@hookspec
def hornbeam_task_retried(app: App, info: TaskInfo, error: BaseException, delay: float) -> None:
    """Task observation: an attempt failed; another runs after ``delay`` seconds. Called only when implemented."""


@hookspec
def hornbeam_task_failed(app: App, info: TaskInfo, error: BaseException) -> None:
    """Task observation: a task exhausted its attempts (it stays in the dead letters). Called only when implemented."""


@hookspec
def hornbeam_task_abandoned(app: App, info: TaskInfo) -> None:
    """A task was still unfinished when shutdown reached its deadline, and was cancelled.

    Implement it to persist the task (``info`` has its id, name, attempts and
    last error) so it can be run again later. Every abandoned task is also
    logged on the ``hornbeam.tasks`` logger. Sync; called only when implemented.
    """
