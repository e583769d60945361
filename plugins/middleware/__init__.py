"""The ``middleware`` plugin: the handler middlewares most apps want, all opt-in.

Add them like any middleware, globally, on a route group or on one route::

    from hornbeam.plugins.middleware import CORSMiddleware, RequestIDMiddleware, TimingMiddleware

    app = App(middleware=[RequestIDMiddleware(), TimingMiddleware()])
    app.add_middleware(CORSMiddleware(["https://app.example"], allow_credentials=True))

The first added runs outermost. Nothing here runs unless added. They can also
be switched on from configuration, through this plugin's ``hornbeam_middleware``
hook: ``App(settings={"middleware": {"request_id": {}, "timing": {},
"cors": {"allow_origins": ["https://app.example"]}, "gzip": {"minimum_size": 1000}}})``
adds them in that order (each value holds the class's keyword arguments; an
unknown name stops start-up). Disabling this plugin ignores that setting.
"""

from __future__ import annotations

from typing import Any

from hornbeam import App, ConfigurationError, Setting, hookimpl
from hornbeam.middleware import Middleware
from hornbeam.plugins.middleware.cors import CORSMiddleware
from hornbeam.plugins.middleware.gzip import GZipMiddleware, accepts_gzip
from hornbeam.plugins.middleware.headers import add_vary
from hornbeam.plugins.middleware.request_id import RequestIDMiddleware
from hornbeam.plugins.middleware.timing import TimingMiddleware

__all__ = [
    "CORSMiddleware",
    "GZipMiddleware",
    "RequestIDMiddleware",
    "TimingMiddleware",
    "accepts_gzip",
    "add_vary",
    "hornbeam_middleware",
    "hornbeam_settings",
]

_BY_NAME: dict[str, Any] = {
    "request_id": RequestIDMiddleware,
    "timing": TimingMiddleware,
    "cors": CORSMiddleware,
    "gzip": GZipMiddleware,
}


@hookimpl
def hornbeam_settings() -> list[Setting]:
    return [
        Setting(
            "middleware",
            dict[str, dict[str, Any]],
            {},
            "Built-in middleware to switch on, in order: name -> keyword arguments (request_id, timing, cors, gzip).",
        )
    ]


@hookimpl(trylast=True)
def hornbeam_middleware(app: App) -> list[Middleware]:
    """The built-ins named in ``app.settings["middleware"]``, in the order given."""
    wanted = app.settings["middleware"]
    unknown = sorted(set(wanted) - set(_BY_NAME))
    if unknown:
        raise ConfigurationError(f"unknown middleware {unknown} in settings; known: {sorted(_BY_NAME)}")
    return [_BY_NAME[name](**(options or {})) for name, options in wanted.items()]
