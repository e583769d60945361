"""The ``middleware`` plugin: the handler middlewares most apps want, all opt-in.

Add them like any middleware, globally, on a route group or on one route::

    from hornbeam.plugins.middleware import CORSMiddleware, RequestIDMiddleware, TimingMiddleware

    app = App(middleware=[RequestIDMiddleware(), TimingMiddleware()])
    app.add_middleware(CORSMiddleware(["https://app.example"], allow_credentials=True))

The first added runs outermost. Nothing here runs unless added: the plugin
contributes no middleware through ``hornbeam_middleware``.
"""

from __future__ import annotations

from hornbeam.plugins._middleware_basic import RequestIDMiddleware, TimingMiddleware, add_vary
from hornbeam.plugins._middleware_cors import CORSMiddleware
from hornbeam.plugins._middleware_gzip import GZipMiddleware, accepts_gzip

__all__ = [
    "CORSMiddleware",
    "GZipMiddleware",
    "RequestIDMiddleware",
    "TimingMiddleware",
    "accepts_gzip",
    "add_vary",
]
