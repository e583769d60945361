"""The plugin contract: every hook hornbeam calls, when it calls it, and what it expects back.

A plugin is any module or object with functions named after these hooks and
marked with ``@hornbeam.hookimpl``. Plugins are found through the entry-point
group ``hornbeam`` or passed as ``App(plugins=[...])``.

Every start-up hook goes through pluggy's hook callers, so pluggy's features
work as its documentation says: ``tryfirst``/``trylast``, ``wrapper=True``
(and old-style ``hookwrapper=True``) around factory, configuration and
lifecycle hooks, implementations that accept only some of the arguments,
``firstresult``, ``optionalhook``, ``specname``, ``enable_tracing`` and
``add_hookcall_monitoring`` (through ``app.plugins.manager``). A failure in any
implementation stops start-up with a ``PluginError`` naming the plugin and the
hook.

Factory hooks (``firstresult``) are called once, when the app starts, and
return a plain component that requests then use directly. Built-in plugins
implement them with ``trylast=True``, so a plugin of yours that implements the
same hook wins without disabling anything; two non-built-in providers of one
factory stop start-up unless ``App(providers={hook: plugin})`` picks one.

Observation hooks (``hornbeam_request_started``, ``hornbeam_response_ready``,
``hornbeam_request_failed``, ``hornbeam_websocket_connected``,
``hornbeam_websocket_disconnected``) are not called through pluggy per request: at
start-up their implementations are compiled into direct calls, so they cost
nothing when nobody implements them. They may be ``async def``, may take a
subset of the arguments, and cannot be wrappers; one that raises is logged
naming the plugin and never changes the answer.

Lifecycle hooks (``hornbeam_startup``, ``hornbeam_shutdown``) may be ``async def``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .app import App
    from .components import ErrorRenderer, JSONCodec, QueryParser, Validator
    from .middleware import Middleware
    from .pluginhost import PluginHost
    from .requests import Request
    from .responses import Response
    from .settings import Setting
    from .tasks import TaskInfo, TaskObserver, TaskQueue
    from .websockets import WebSocket

__all__ = ["hookspec", "hookimpl", "PROJECT", "FACTORY_HOOKS", "OBSERVER_HOOKS"]

PROJECT = "hornbeam"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

FACTORY_HOOKS = (
    "hornbeam_json_codec",
    "hornbeam_error_renderer",
    "hornbeam_query_parser",
    "hornbeam_validator",
    "hornbeam_task_queue",
)
OBSERVER_HOOKS = (
    "hornbeam_request_started",
    "hornbeam_response_ready",
    "hornbeam_request_failed",
    "hornbeam_websocket_connected",
    "hornbeam_websocket_disconnected",
)


# Extending the contract ------------------------------------------------------


@hookspec(historic=True)
def hornbeam_add_hooks(host: PluginHost) -> None:
    """Add hook specifications of your plugin's own, so other plugins can extend it.

    Called once for each plugin as it is registered (historic), before any
    other hook. Call ``host.add_hookspecs(module_or_class)`` with a module or
    class of ``@hornbeam.hookspec``-marked functions; call them later through
    ``app.plugins.call(name, ...)`` or ``app.plugins.manager.hook``. Returns nothing.
    """


@hookspec
def hornbeam_settings() -> Sequence[Setting] | None:
    """Declare the settings your plugin reads: a list of ``hornbeam.Setting``.

    Called once at start-up, after every plugin is registered. The app checks
    ``App(settings=...)`` against every plugin's declarations (an unknown key
    or a wrong type stops start-up), reads environment variables, and fills in
    defaults; read the typed values from ``app.settings`` in later hooks. Two
    plugins declaring one name stop start-up naming both.
    """


@hookspec
def hornbeam_configure(app: App) -> None:
    """Called once at start-up, after settings are resolved and before components and routes.

    Plugins may add routes, converters or middleware to ``app`` here. Returns nothing.
    """


# Factories: one component each, provided once at start-up ---------------------


@hookspec(firstresult=True)
def hornbeam_json_codec(app: App) -> JSONCodec | None:
    """Provide the JSON codec: an object with ``loads(bytes) -> Any`` and ``dumps(obj) -> bytes``.

    Called once at start-up (firstresult). ``loads`` must raise ``ValueError``
    (or a subclass) on malformed input; the message may be shown to the
    client. ``dumps`` should encode dataclasses, enums, datetimes, UUIDs and
    Decimals (handlers may return them) and raise ``TypeError`` for what it
    cannot encode. Checked at start-up: ``dumps`` returns bytes that ``loads``
    reads back. Required (built-in: plugin ``json``).
    """


@hookspec(firstresult=True)
def hornbeam_error_renderer(app: App) -> ErrorRenderer | None:
    """Provide the error renderer: ``render(request, exc) -> Response``.

    Called once at start-up (firstresult). ``exc`` is an ``HTTPError`` (a
    handler's crash arrives as ``InternalServerError`` with the original as
    ``__cause__``); ``request`` is None when the failure came before a request
    existed. Checked at start-up: it returns a ``Response`` for a sample error.
    A renderer that fails on one error at request time gives a plain 500
    problem, and the log names the plugin. Required (built-in: plugin ``problem``).
    """


@hookspec(firstresult=True)
def hornbeam_query_parser(app: App) -> QueryParser | None:
    """Provide the query parser: ``parse(query_string: bytes) -> QueryParams``.

    Called once at start-up (firstresult). The parser raises ``HTTPError``
    (a 400) for a query it refuses. Optional: ``request.query`` fails with a
    clear error when nothing provides it (built-in: plugin ``query``).
    """


@hookspec(firstresult=True)
def hornbeam_validator(app: App) -> Validator | None:
    """Provide the validator: ``compile(tp, source)`` turns a type into a checking function.

    Called once at start-up (firstresult); ``compile`` is then called once per
    route that declares a typed ``query`` or ``body`` (its result must be
    callable). An optional ``schema(tp, ...)`` gives JSON Schema for the
    OpenAPI document. Optional, unless a route declares a type (built-in:
    plugin ``validation``).
    """


@hookspec(firstresult=True)
def hornbeam_task_queue(app: App, events: TaskObserver) -> TaskQueue | None:
    """Provide the background task queue behind ``app.tasks`` (see ``hornbeam.tasks.TaskQueue``).

    Called at each lifespan start-up (firstresult): a queue lives as long as
    one lifespan. ``events`` is the host's task-event interface: call its
    ``started``, ``succeeded``, ``retried``, ``failed``, ``cancelled`` and
    ``abandoned`` methods and the ``hornbeam_task_*`` hooks of every plugin
    fire (only those implemented cost anything; failures are logged). hornbeam
    starts the queue before the plugins' start-up hooks and shuts it down
    first thing at lifespan shutdown (``await queue.shutdown()``; the queue
    knows its own deadline). Checked at start-up against the whole protocol.
    Optional: ``app.tasks`` fails with a clear error when nothing provides it
    (built-in: plugin ``tasks``).
    """


@hookspec
def hornbeam_middleware(app: App) -> Sequence[Middleware] | None:
    """Contribute handler middleware that wraps every route and the app's 404/405 answers.

    Called once at start-up, after the factory hooks, before routes compile.
    Not firstresult: every plugin's list is used. Return a list of middleware
    (``async def mw(request, call_next) -> Response``, or objects with such an
    async ``__call__``), or None.

    Order: plugin middleware runs inside the app's own middleware
    (``App(middleware=...)``, ``app.add_middleware``) and outside route-group
    and route middleware. Between plugins, the hook call order applies (the
    plugin registered last comes first; ``tryfirst``/``trylast`` move it);
    within one list, the first item is the outermost. A sync function or a
    non-list answer stops start-up with a PluginError naming the plugin.
    """


@hookspec
def hornbeam_frozen(app: App) -> None:
    """The app has started (frozen): every route is compiled and every component provided.

    Called once, at the end of ``app.freeze()``, before any request is served
    (and before the lifespan's start-up hooks). ``app.routes``, ``app.validator``,
    ``app.json_codec`` and ``app.url_for`` all work here: build what depends on the
    whole app, such as a document of its routes (the ``openapi`` plugin does). Routes
    can no longer be added. An exception stops start-up with a ``PluginError`` naming
    the plugin, and the app stays unstarted. Returns nothing.
    """


# Lifecycle ---------------------------------------------------------------------


@hookspec
def hornbeam_startup(app: App) -> None:
    """Called at lifespan start-up, after the task queue starts and before the user's start-up code.

    May be async. An exception fails the start-up; the server reports it and exits.
    """


@hookspec
def hornbeam_shutdown(app: App) -> None:
    """Called at lifespan shutdown, after the task queue drained and the user's shutdown code ran. May be async."""


# Per-request observation (compiled, never called through pluggy per request) ---


@hookspec
def hornbeam_request_started(request: Request[Any, Any]) -> None:
    """An HTTP request arrived: called before anything answers it, for every request (routed or not).

    ``request.route`` is the matched route, or None when no route matches.
    May be async (then awaited before the request goes on). Keep it cheap.
    """


@hookspec
def hornbeam_response_ready(request: Request[Any, Any], response: Response) -> None:
    """The answer to a request is ready: called with it just before it is sent.

    Called for every answer the app gives: a handler's, a 404, 405, OPTIONS
    or slash redirect, and error answers. ``response`` should be treated as
    read-only; it is a ``Response`` (an instance of a private subclass for a
    handler's str, dict or list answer, so check with ``isinstance``; there,
    ``add_task`` raises). Keeping it is safe: it never changes afterwards. May be async.
    """


@hookspec
def hornbeam_request_failed(request: Request[Any, Any], exc: BaseException) -> None:
    """Answering a request raised ``exc``: called before the error answer is rendered.

    Sees handler crashes and ``HTTPError`` alike (a 404 raised by a handler
    included, not the router's own 404). A client that went away while its body
    was read arrives as ``ClientDisconnect``, and then no answer follows: every
    ``hornbeam_request_started`` is followed by ``hornbeam_response_ready`` or by
    this call with ``ClientDisconnect``. May be async.
    """


@hookspec
def hornbeam_websocket_connected(websocket: WebSocket) -> None:
    """A WebSocket connection was accepted: called once ``await ws.accept()`` has sent the handshake answer.

    ``websocket.route`` is its route and ``websocket.subprotocol`` the chosen
    subprotocol. A denied handshake never connects, so it is not observed. Never
    called per message. May be async (then awaited before ``accept()`` returns).
    """


@hookspec
def hornbeam_websocket_disconnected(websocket: WebSocket, code: int | None) -> None:
    """An accepted WebSocket connection is over: called once, after its handler has finished.

    ``code`` is the close code, whichever side closed (1000 normal, 1006 the
    client vanished, 1009 a message past the size limit, 1011 a handler crash,
    ...). May be async.
    """


# Task events (fired through the ``events`` object the host gives the queue) ----


@hookspec
def hornbeam_task_started(app: App, info: TaskInfo) -> None:
    """An attempt of a background task began; ``info.attempts`` counts it. Returns nothing.

    Fired by the task queue through the ``events`` interface, in the process
    that runs the attempt. Keep it quick: it runs on the queue's event loop.
    """


@hookspec
def hornbeam_task_succeeded(app: App, info: TaskInfo) -> None:
    """A background task returned; ``info.result`` holds a short ``repr`` of its value. Returns nothing."""


@hookspec
def hornbeam_task_retried(app: App, info: TaskInfo, error: BaseException, delay: float) -> None:
    """An attempt failed with ``error``; another runs after ``delay`` seconds. Returns nothing."""


@hookspec
def hornbeam_task_failed(app: App, info: TaskInfo, error: BaseException) -> None:
    """A task failed for good with ``error`` after its last attempt; it is kept in the dead letters."""


@hookspec
def hornbeam_task_cancelled(app: App, info: TaskInfo) -> None:
    """A task was cancelled through its handle (``handle.cancel()``) before it finished. Returns nothing."""


@hookspec
def hornbeam_task_abandoned(app: App, info: TaskInfo) -> None:
    """A task was still unfinished when shutdown reached its deadline, and was given up.

    Fired by queues that keep tasks in the process (the built-in in-memory
    queue): implement it to persist the task (``info`` has its id, name,
    attempts and last error) so it can be run again later. Every abandoned task
    is also logged on the ``hornbeam.tasks`` logger. A durable queue such as
    hornbeam-docket hands unfinished tasks back to its store instead, and never
    fires it.
    """
