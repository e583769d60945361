"""Header helpers the middlewares share: the token syntax of RFC 9110 and ``Vary``."""

from __future__ import annotations

import re

__all__ = ["TOKEN", "add_vary"]

# RFC 9110 token: what header names, Server-Timing metrics and the like are made of.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def add_vary(raw_headers: list[tuple[bytes, bytes]], name: str) -> None:
    """Add ``name`` to the response's ``Vary`` header unless it (or ``*``) is already there."""
    wanted = name.lower()
    first = None
    for index, (key, value) in enumerate(raw_headers):
        if key == b"vary":
            present = {part.strip().lower() for part in value.decode("latin-1").split(",")}
            if wanted in present or "*" in present:
                return
            if first is None:
                first = index
    if first is None:
        raw_headers.append((b"vary", name.encode("latin-1")))
    else:
        key, value = raw_headers[first]
        raw_headers[first] = (key, value + b", " + name.encode("latin-1"))
