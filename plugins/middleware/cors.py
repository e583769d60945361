"""CORS as the Fetch standard describes it: simple requests and preflights."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hornbeam import CallNext, Forbidden, Request, Response, response_or_error
from hornbeam.plugins.middleware.headers import add_vary

__all__ = ["CORSMiddleware"]

# Fetch: these methods and request headers never need to be listed by the server.
_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
_ORIGIN = re.compile(r"[a-z][a-z0-9+.\-]*://[^/?#\s]+")

_ALLOW_ORIGIN = b"access-control-allow-origin"
_CORS_RESPONSE_HEADERS = frozenset(
    {
        _ALLOW_ORIGIN,
        b"access-control-allow-credentials",
        b"access-control-expose-headers",
    }
)


def _names(value: Sequence[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    names = tuple(v.strip() for v in value)
    if any(not n or "," in n for n in names):
        raise ValueError(f"{what}: each entry must be one non-empty name, got {list(value)!r}")
    return names


def _check_credentialed(origins: tuple[str, ...], regex: str | None) -> None:
    """Refuse origin settings that would hand credentialed answers to any site."""
    if "*" in origins:
        raise ValueError(
            "allow_origins='*' with allow_credentials=True would let any site read answers made with "
            "the user's cookies: list the origins (['https://app.example']) or use allow_origin_regex"
        )
    if "null" in (o.lower() for o in origins):
        raise ValueError(
            "allow_origins 'null' with allow_credentials=True: any page can send Origin: null "
            "(sandboxed iframes, data: and file: URLs), so it is as open as '*'; list real origins"
        )
    if regex is not None and re.fullmatch(regex, "null"):
        raise ValueError(
            f"allow_origin_regex {regex!r} matches 'null', which any page can send; "
            "with allow_credentials=True, make it match your origins only"
        )


class CORSMiddleware:
    """Cross-origin resource sharing (Fetch standard), with preflights answered here.

    ``allow_origins``: exact origins (``"https://app.example"``, no path or
    trailing slash) or ``"*"``; ``allow_origin_regex`` also allows origins the
    pattern fully matches. ``allow_methods`` and ``allow_headers`` may be
    ``"*"`` (the requested ones are echoed); GET, HEAD, POST and the
    CORS-safelisted headers are always allowed.

    ``allow_credentials`` lets browsers send cookies and read the answers, so
    the origins must be named: ``"*"``, a listed ``"null"`` and a regex that
    matches ``"null"`` raise ValueError with it (any page can send
    ``Origin: null``: sandboxed iframes, ``data:`` and ``file:`` URLs).
    Without credentials ``"null"`` may be listed, and is then as open as ``"*"``.
    Responses carry ``Vary: Origin`` whenever the answer depends on the origin.
    A preflight (OPTIONS with ``Access-Control-Request-Method``) never reaches
    the handler: it gets 204 when allowed, and a 403 problem otherwise.
    ``max_age`` (seconds, None to omit) lets browsers cache preflights.
    """

    __slots__ = (
        "_any_origin",
        "_origins",
        "_origin_regex",
        "_any_method",
        "_methods",
        "_allow_methods",
        "_any_header",
        "_headers",
        "_allow_headers",
        "_varies",
        "_simple_extra",
        "_preflight_extra",
    )

    def __init__(
        self,
        allow_origins: Sequence[str] | str = (),
        *,
        allow_origin_regex: str | None = None,
        allow_methods: Sequence[str] | str = ("GET", "HEAD", "POST"),
        allow_headers: Sequence[str] | str = (),
        expose_headers: Sequence[str] | str = (),
        allow_credentials: bool = False,
        max_age: int | None = 600,
    ) -> None:
        origins = _names(allow_origins, "allow_origins")
        self._any_origin = "*" in origins
        if allow_credentials:
            _check_credentialed(origins, allow_origin_regex)
        for origin in origins:
            if origin != "*" and origin != "null" and not _ORIGIN.fullmatch(origin.lower()):
                raise ValueError(f"allow_origins: {origin!r} is not an origin like 'https://example.com:8443'")
        self._origins = frozenset(o.lower() for o in origins if o != "*")
        self._origin_regex = re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        methods = _names(allow_methods, "allow_methods")
        self._any_method = "*" in methods
        self._methods = frozenset(m.upper() for m in methods) | _SAFELISTED_METHODS
        self._allow_methods = ", ".join(sorted(self._methods)).encode()
        headers = _names(allow_headers, "allow_headers")
        self._any_header = "*" in headers
        self._headers = frozenset(h.lower() for h in headers) | _SAFELISTED_HEADERS
        self._allow_headers = ", ".join(sorted(self._headers)).encode()
        exposed = _names(expose_headers, "expose_headers")
        if allow_credentials and "*" in exposed:
            raise ValueError("expose_headers cannot be '*' with allow_credentials: browsers take it literally")
        if max_age is not None and max_age < 0:
            raise ValueError(f"max_age must be >= 0 or None, got {max_age}")
        # The answer depends on the origin unless it is a plain '*' for everyone.
        self._varies = not self._any_origin
        extra: list[tuple[bytes, bytes]] = []
        if allow_credentials:
            extra.append((b"access-control-allow-credentials", b"true"))
        self._preflight_extra = list(extra)
        if max_age is not None:
            self._preflight_extra.append((b"access-control-max-age", str(max_age).encode()))
        if exposed:
            extra.append((b"access-control-expose-headers", ", ".join(exposed).encode("latin-1")))
        self._simple_extra = extra

    def allowed_origin(self, origin: str) -> bytes | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None when it is not allowed."""
        if self._any_origin:
            return b"*"
        if origin.lower() in self._origins:
            return origin.encode("latin-1")
        if self._origin_regex is not None and self._origin_regex.fullmatch(origin):
            return origin.encode("latin-1")
        return None

    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        headers = request.headers
        origin = headers.get("origin")
        if origin is not None and request.method == "OPTIONS":
            requested = headers.get("access-control-request-method")
            if requested is not None:
                return self._preflight(origin, requested.strip(), headers.get("access-control-request-headers"))
        response = await response_or_error(request, call_next)
        raw = response.raw_headers
        if self._varies:
            add_vary(raw, "Origin")
        if origin is not None:
            allowed = self.allowed_origin(origin)
            if allowed is not None:
                raw[:] = [(k, v) for k, v in raw if k not in _CORS_RESPONSE_HEADERS]
                raw.append((_ALLOW_ORIGIN, allowed))
                raw.extend(self._simple_extra)
        return response

    def _preflight(self, origin: str, method: str, header_list: str | None) -> Response:
        allowed = self.allowed_origin(origin)
        if allowed is None:
            raise Forbidden(detail=f"CORS: origin {origin} is not allowed")
        if not self._any_method and method.upper() not in self._methods:
            raise Forbidden(detail=f"CORS: method {method} is not allowed")
        requested = [h.strip().lower() for h in (header_list or "").split(",") if h.strip()]
        if not self._any_header:
            refused = [h for h in requested if h not in self._headers]
            if refused:
                raise Forbidden(detail=f"CORS: request headers {', '.join(refused)} are not allowed")
        response = Response(b"", 204)
        raw = response.raw_headers
        raw.append((_ALLOW_ORIGIN, allowed))
        raw.append((b"access-control-allow-methods", method.encode("latin-1") if self._any_method else self._allow_methods))
        if requested:
            echoed = ", ".join(requested).encode("latin-1")
            raw.append((b"access-control-allow-headers", echoed if self._any_header else self._allow_headers))
        raw.extend(self._preflight_extra)
        if self._varies:
            add_vary(raw, "Origin")
        if self._any_method:
            add_vary(raw, "Access-Control-Request-Method")
        if self._any_header:
            add_vary(raw, "Access-Control-Request-Headers")
        return response
