"""The exception hierarchy; every automatic error response is built from these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

__all__ = [
    "HTTPError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "Conflict",
    "Gone",
    "ContentTooLarge",
    "UnsupportedMediaType",
    "UnprocessableContent",
    "ValidationError",
    "TooManyRequests",
    "InternalServerError",
    "ServiceUnavailable",
    "ClientDisconnect",
    "ConfigurationError",
    "PluginError",
]


# RFC 9110 renamed these; Python before 3.13 still has the old phrases.
_RFC_9110_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}
# PERF: looking up HTTPStatus(code) per error costs more than the rest of the error.
_PHRASES = {status.value: status.phrase for status in HTTPStatus} | _RFC_9110_PHRASES


def _phrase(status: int) -> str:
    phrase = _PHRASES.get(status)
    if phrase is not None:
        return phrase
    # A code http.HTTPStatus does not list, such as 499.
    return "Client Error" if status < 500 else "Server Error"


class HTTPError(Exception):
    """An error that becomes an HTTP response (RFC 9457 problem details).

    ``detail`` is shown to the client, so it must never hold secrets; ``extra``
    members are added to the problem document as they are.
    """

    # PERF: slots make building an error (every 404 builds one) about twice as fast.
    __slots__ = ("detail", "headers", "title", "type", "extra")

    status: int = 500

    def __init__(
        self,
        status: int | None = None,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        title: str | None = None,
        type: str = "about:blank",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if status is not None:
            self.status = int(status)
        if not 400 <= self.status <= 599:
            raise ValueError(f"HTTPError status must be 4xx or 5xx, got {self.status}")
        self.detail = detail
        # PERF: copies only when there is something to copy (a 404 has neither).
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.title = title or _PHRASES.get(self.status) or _phrase(self.status)
        self.type = type
        self.extra: dict[str, Any] = dict(extra) if extra else {}
        # What BaseException.__init__ would do, without the call.
        self.args = (detail or self.title,)

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem-details document for this error."""
        problem: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            problem["detail"] = self.detail
        if instance is not None:
            problem["instance"] = instance
        if self.extra:
            problem.update(self.extra)
        return problem

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, detail={self.detail!r})"


class BadRequest(HTTPError):
    status = 400


class Unauthorized(HTTPError):
    status = 401


class Forbidden(HTTPError):
    status = 403


class NotFound(HTTPError):
    status = 404


class MethodNotAllowed(HTTPError):
    """405; ``allow`` fills the ``Allow`` header the RFC requires."""

    status = 405

    def __init__(self, allow: Iterable[str], detail: str | None = None) -> None:
        self.allow = tuple(allow)
        super().__init__(detail=detail, headers={"allow": ", ".join(self.allow)})


class NotAcceptable(HTTPError):
    status = 406


class Conflict(HTTPError):
    status = 409


class Gone(HTTPError):
    status = 410


class ContentTooLarge(HTTPError):
    status = 413


class UnsupportedMediaType(HTTPError):
    status = 415


class UnprocessableContent(HTTPError):
    status = 422


class ValidationError(UnprocessableContent):
    """422 with one item per failed field: ``{"loc": [...], "msg": str, "type": str}``.

    ``loc`` starts with where the value came from (``"body"``, ``"query"``,
    ``"path"``) followed by keys and indexes into it. ``omitted`` counts errors left
    out of ``errors`` (a validator lists a bounded number); when non-zero the problem
    document says so in ``errors_omitted``.
    """

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None, *, omitted: int = 0) -> None:
        self.errors = errors
        self.omitted = omitted
        count = len(errors) + omitted
        if detail is None:
            detail = f"{count} validation error{'s' if count != 1 else ''}"
            if omitted:
                detail += f" (first {len(errors)} shown)"
        extra: dict[str, Any] = {"errors": errors}
        if omitted:
            extra["errors_omitted"] = omitted
        super().__init__(detail=detail, extra=extra)


class TooManyRequests(HTTPError):
    status = 429


class InternalServerError(HTTPError):
    status = 500


class ServiceUnavailable(HTTPError):
    status = 503


class ClientDisconnect(Exception):
    """The client went away while the request body was being read."""


class ConfigurationError(Exception):
    """The app is set up wrongly (conflicting routes, unknown converter, missing capability)."""


class PluginError(ConfigurationError):
    """A plugin failed to load or broke a hook's contract; the message names it.

    ``plugin`` and ``hook`` hold the names when they are known.
    """

    def __init__(self, message: str, *, plugin: str | None = None, hook: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.hook = hook
