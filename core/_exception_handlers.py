"""User exception handlers: an exception class mapped to the function that answers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .requests import Request
    from .responses import Response

__all__ = ["ExceptionHandler", "ExceptionHandlers"]

ExceptionHandler = Callable[["Request[Any, Any]", Any], "Response | Awaitable[Response] | Any"]


class ExceptionHandlers:
    """The registered handlers; for a raised exception the most specific class (by MRO) wins."""

    def __init__(self) -> None:
        self._handlers: dict[type[BaseException], ExceptionHandler] = {}
        # PERF: the MRO walk runs once per exception type, not per error.
        self._found: dict[type[BaseException], ExceptionHandler | None] = {}

    def add(self, exc_type: type[Exception], handler: ExceptionHandler) -> None:
        if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
            raise ConfigurationError(f"exception handlers are keyed by Exception subclasses, not {exc_type!r}")
        if not callable(handler):
            raise ConfigurationError(f"the handler for {exc_type.__name__} is not callable: {handler!r}")
        self._handlers[exc_type] = handler
        self._found.clear()

    def find(self, exc_type: type[BaseException]) -> ExceptionHandler | None:
        try:
            return self._found[exc_type]
        except KeyError:
            handler = next((self._handlers[c] for c in exc_type.__mro__ if c in self._handlers), None)
            self._found[exc_type] = handler
            return handler
