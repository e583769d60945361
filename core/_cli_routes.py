"""``hornbeam routes APP``: every route as the app serves it, with handler, typed data and middleware.

Like ``hornbeam plugins``, the report is plain data first (``routes_report``),
printed as JSON with ``--json`` or rendered as text.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._cli_app import AppNotFound, load_app
from ._cli_plugins import type_name
from .errors import ConfigurationError
from .middleware import describe
from .routing import Route, describe_handler

__all__ = ["add_command", "routes_report", "render_routes"]


def add_command(commands: Any) -> None:
    """Add the ``routes`` subcommand to ``commands`` (argparse subparsers)."""
    parser = commands.add_parser(
        "routes",
        help="list every route: methods, path, name, handler, query/body/response types, middleware",
        description="List every route as the app serves it (group prefixes, names and middleware applied).",
    )
    parser.add_argument("app", help="module:attribute of an App, e.g. sample:app")
    parser.add_argument("--json", action="store_true", help="print the routes as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the routes; 2 for an APP that cannot be loaded, 1 when the app fails to start."""
    try:
        app = load_app(args.app)
    except AppNotFound as exc:
        print(f"hornbeam routes: {exc}", file=sys.stderr)
        return 2
    try:
        routes = app.routes
    except ConfigurationError as exc:
        print(f"hornbeam routes: the app failed to start: {exc}", file=sys.stderr)
        return 1
    report = routes_report(routes)
    print(json.dumps(report, indent=2) if args.json else render_routes(report))
    return 0


def _typed(spec: Any) -> str | None:
    """A declared query/body/response: a type's name, or the extractor function's ``module:qualname``."""
    if spec is None:
        return None
    if isinstance(spec, type) or getattr(spec, "__origin__", None) is not None or not callable(spec):
        return type_name(spec)
    return describe_handler(spec)


def routes_report(routes: tuple[Route, ...]) -> list[dict[str, Any]]:
    """Each route as plain data, in the order the app declared them."""
    return [
        {
            "methods": sorted(route.methods),
            "path": route.path,
            "name": route.name,
            "handler": route.handler_name,
            "path_params": [list(pair) for pair in route.path_params],
            "query": _typed(route.query),
            "body": _typed(route.body),
            "response": _typed(route.response),
            "status": route.status,
            "middleware": [describe(mw) for mw in route.middleware],
            "summary": route.summary,
            "tags": list(route.tags),
            "deprecated": route.deprecated,
        }
        for route in routes
    ]


def render_routes(report: list[dict[str, Any]]) -> str:
    """The routes as aligned text: one line per route, its typed data and middleware on the next."""
    if not report:
        return "no routes"
    methods = [",".join(r["methods"]) for r in report]
    width_m = max(len(m) for m in methods)
    width_p = max(len(r["path"]) for r in report)
    width_n = max(len(r["name"] or "-") for r in report)
    lines = []
    for route, method in zip(report, methods):
        lines.append(f"{method:<{width_m}}  {route['path']:<{width_p}}  {route['name'] or '-':<{width_n}}  {route['handler']}")
        details = [f"{key}: {route[key]}" for key in ("query", "body", "response") if route[key]]
        if route["status"] != 200:
            details.append(f"status: {route['status']}")
        if route["middleware"]:
            details.append(f"middleware: {', '.join(route['middleware'])}")
        if route["deprecated"]:
            details.append("deprecated")
        if details:
            lines.append(f"{'':<{width_m}}  {'; '.join(details)}")
    return "\n".join(lines)
