"""The ``problem`` plugin: errors rendered as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from hornbeam import App, HTTPError, JSONCodec, Request, Response, hookimpl

__all__ = ["ProblemRenderer", "PROBLEM_JSON"]

PROBLEM_JSON = "application/problem+json"
_CONTENT_TYPE = (b"content-type", PROBLEM_JSON.encode())


class ProblemRenderer:
    """Renders an ``HTTPError`` as problem+json with the error's status and headers."""

    def __init__(self, codec: JSONCodec) -> None:
        self._codec = codec

    def __call__(self, request: Request[Any, Any] | None, exc: Exception) -> Response:
        error = exc if isinstance(exc, HTTPError) else HTTPError(500)
        instance = request.path if request is not None else None
        body = self._codec.dumps(error.to_problem(instance))
        if error.headers:
            return Response(body, error.status, error.headers, media_type=PROBLEM_JSON)
        return Response.prepared(body, [_CONTENT_TYPE], error.status)


@hookimpl(trylast=True)
def hornbeam_error_renderer(app: App) -> ProblemRenderer:
    # The codec is provided before the renderer, so it can be taken once, here.
    return ProblemRenderer(app.json_codec)
