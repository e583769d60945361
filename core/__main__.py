"""Command line: ``hornbeam plugins [module:app]`` lists loaded plugins and who serves each hook;
``hornbeam worker module:app`` runs the app's background tasks without serving HTTP.

The environment variables of ``hornbeam.pluginhost`` apply, so
``HORNBEAM_DISABLE_PLUGINS=query hornbeam plugins sample:app`` shows their effect.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .app import App
from .errors import ConfigurationError


def load_app(target: str) -> App:
    """Import ``module:attribute`` (``sample:app``) from the current directory."""
    module_name, _, attribute = target.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module_name), attribute or "app")
    if not isinstance(app, App):
        raise SystemExit(f"{target} is {type(app).__name__}, not a hornbeam App")
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hornbeam", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plugins = commands.add_parser("plugins", help="list loaded plugins and which one serves each hook")
    plugins.add_argument("app", nargs="?", default=None, help="module:attribute of an App (default: a bare App)")
    worker = commands.add_parser("worker", help="run the app's background tasks, no HTTP (needs a durable task queue)")
    worker.add_argument("app", help="module:attribute of an App")
    args = parser.parse_args(argv)
    if args.command == "worker":
        from .worker import run_worker

        return run_worker(load_app(args.app), args.app)
    app = load_app(args.app) if args.app else App()
    try:
        app.freeze()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(app.plugins.report())
        return 1
    print(app.plugins.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
