"""Loading the ``module:attribute`` an App lives at, for the command line and the pytest plugin.

Every way it can fail is an ``AppNotFound`` whose message is one line saying
which part was wrong, so a command can print it and exit with status 2.
"""

from __future__ import annotations

import importlib
import os
import sys

from .app import App

__all__ = ["AppNotFound", "load_app"]


class AppNotFound(Exception):
    """``module:attribute`` does not lead to a hornbeam App; the message says which part failed."""


def load_app(target: str, *, cwd: str | None = None) -> App:
    """Import ``module:attribute`` (``sample:app``; the attribute defaults to ``app``) from ``cwd``.

    ``cwd`` (the current directory by default) goes first on ``sys.path``, as
    ``python -m`` and uvicorn do. Raises AppNotFound when the module is
    missing or fails to import, the attribute is missing, or it is not an App.
    """
    module_name, colon, attribute = target.partition(":")
    attribute = attribute if colon else "app"
    if not module_name or not attribute:
        raise AppNotFound(f"{target!r} is not of the form module:attribute (for example sample:app)")
    folder = cwd or os.getcwd()
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the target itself (or a package on its way) is "not found"; a module it
        # imports that is missing is a failure of the target, said as such.
        if exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise AppNotFound(f"module {module_name!r} not found (looked in {folder} and sys.path)") from None
        raise AppNotFound(f"importing module {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise AppNotFound(f"importing module {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise AppNotFound(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not isinstance(app, App):
        raise AppNotFound(f"{module_name}:{attribute} is a {type(app).__name__}, not a hornbeam App")
    return app
