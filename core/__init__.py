"""hornbeam: a small, fast ASGI framework whose every capability is a replaceable plugin."""

from .app import App
from .components import ErrorRenderer, JSONCodec, QueryParser, Validator
from .connections import Connection
from .converters import Converter
from .datastructures import Headers, MutableHeaders, QueryParams, State
from .errors import (
    BadRequest,
    ClientDisconnect,
    ConfigurationError,
    Conflict,
    ContentTooLarge,
    Forbidden,
    Gone,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    PluginError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
    ValidationError,
)
from .hookspecs import hookimpl, hookspec
from .middleware import CallNext, Middleware, response_or_error
from .parsers import parse_bool, parse_decimal, parse_float, parse_int
from .requests import Request
from .responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    TextResponse,
)
from .routing import ResponseDoc, Route, RouteOptions, Router, WebSocketOptions
from .settings import Setting, Settings
from .websockets import WebSocket, WebSocketDisconnect
from .state import StateKey
from .tasks import (
    TaskCancelled,
    TaskFailed,
    TaskHandle,
    TaskInfo,
    TaskObserver,
    TaskQueue,
    TaskQueueClosed,
    TaskQueueFull,
    TaskStatus,
    WorkerTaskQueue,
)

__version__ = "0.1.0"

__all__ = [
    "App",
    "BadRequest",
    "CallNext",
    "ClientDisconnect",
    "ConfigurationError",
    "Conflict",
    "Connection",
    "ContentTooLarge",
    "Converter",
    "ErrorRenderer",
    "Forbidden",
    "Gone",
    "HTMLResponse",
    "HTTPError",
    "Headers",
    "InternalServerError",
    "JSONCodec",
    "JSONResponse",
    "MethodNotAllowed",
    "Middleware",
    "MutableHeaders",
    "NotAcceptable",
    "NotFound",
    "PluginError",
    "QueryParams",
    "QueryParser",
    "RedirectResponse",
    "Request",
    "Response",
    "ResponseDoc",
    "Route",
    "RouteOptions",
    "Router",
    "ServiceUnavailable",
    "Setting",
    "Settings",
    "State",
    "StateKey",
    "StreamingResponse",
    "TaskCancelled",
    "TaskFailed",
    "TaskHandle",
    "TaskInfo",
    "TaskObserver",
    "TaskQueue",
    "TaskQueueClosed",
    "TaskQueueFull",
    "TaskStatus",
    "TextResponse",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "ValidationError",
    "Validator",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketOptions",
    "WorkerTaskQueue",
    "hookimpl",
    "hookspec",
    "parse_bool",
    "parse_decimal",
    "parse_float",
    "parse_int",
    "response_or_error",
]
