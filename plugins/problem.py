"""The ``problem`` plugin: errors rendered as RFC 9457 problem details (``application/problem+json``).

Error answers stay small whatever the request held: a ``detail`` longer than
``max_echo`` characters (app setting ``problem_max_echo``, default 512) is cut
there and marked with how much was left out, and the ``instance`` member (the
request path) is left out when longer, since a cut path would name another
resource. A 64 KB path thus gives a 404 of well under 1 KB.
"""

from __future__ import annotations

from typing import Any

from hornbeam import App, HTTPError, JSONCodec, Request, Response, Setting, hookimpl

__all__ = ["ProblemRenderer", "PROBLEM_JSON", "DEFAULT_MAX_ECHO"]

PROBLEM_JSON = "application/problem+json"
DEFAULT_MAX_ECHO = 512
_CONTENT_TYPE = (b"content-type", PROBLEM_JSON.encode())


class ProblemRenderer:
    """Renders an ``HTTPError`` as problem+json with the error's status and headers."""

    def __init__(self, codec: JSONCodec, max_echo: int = DEFAULT_MAX_ECHO) -> None:
        self._codec = codec
        if max_echo < 1:
            raise ValueError(f"problem_max_echo must be at least 1, got {max_echo}")
        self.max_echo = max_echo

    def __call__(self, request: Request[Any, Any] | None, exc: Exception) -> Response:
        error = exc if isinstance(exc, HTTPError) else HTTPError(500)
        limit = self.max_echo
        instance = request.path if request is not None else None
        if instance is not None and len(instance) > limit:
            instance = None
        problem = error.to_problem(instance)
        detail = error.detail
        if detail is not None and len(detail) > limit:
            problem["detail"] = f"{detail[:limit]}\u2026 ({len(detail) - limit} more characters)"
        body = self._codec.dumps(problem)
        if error.headers:
            return Response(body, error.status, error.headers, media_type=PROBLEM_JSON)
        return Response.prepared(body, [_CONTENT_TYPE], error.status)


@hookimpl
def hornbeam_settings() -> list[Setting]:
    return [
        Setting(
            "problem_max_echo",
            int,
            DEFAULT_MAX_ECHO,
            "Characters of client input (path, detail) a problem document echoes; longer is cut.",
        )
    ]


@hookimpl(trylast=True)
def hornbeam_error_renderer(app: App) -> ProblemRenderer:
    # The codec is provided before the renderer, so it can be taken once, here.
    return ProblemRenderer(app.json_codec, app.settings["problem_max_echo"])
