"""``hornbeam plugins APP``: every plugin found, why each is on or off, its hooks and settings, who serves what.

The report is built once as plain data (``plugins_report``); ``--json`` prints
that data and the text form is rendered from it, so both always agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._cli_app import AppNotFound, load_app
from .app import App
from .errors import ConfigurationError
from .hookspecs import FACTORY_HOOKS

__all__ = ["add_command", "plugins_report", "render_plugins", "type_name"]


def add_command(commands: Any) -> None:
    """Add the ``plugins`` subcommand to ``commands`` (argparse subparsers)."""
    parser = commands.add_parser(
        "plugins",
        help="list every plugin found (loaded or disabled, and why), its hooks and settings, and who serves each hook",
        description="List every plugin found, loaded or disabled (and by what), with its distribution, version, "
        "hooks and declared settings, and the plugin serving each factory hook. The HORNBEAM_* environment "
        "variables apply, so HORNBEAM_DISABLE_PLUGINS=query shows its effect.",
    )
    parser.add_argument("app", nargs="?", default=None, help="module:attribute of an App (default: a bare App())")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the report; 2 for an APP that cannot be loaded, 1 when the app fails to start."""
    try:
        app = load_app(args.app) if args.app else App()
    except AppNotFound as exc:
        print(f"hornbeam plugins: {exc}", file=sys.stderr)
        return 2
    error = None
    try:
        app.freeze()
    except ConfigurationError as exc:
        error = str(exc)
        print(f"hornbeam plugins: the app failed to start: {exc}", file=sys.stderr)
    report = plugins_report(app, error)
    if args.json:
        print(json.dumps(report, indent=2, default=repr))
    else:
        print(render_plugins(report))
    return 1 if error else 0


def type_name(tp: Any) -> str:
    """A short readable name for a type or typing form (``int | None``, ``sample.Page``)."""
    if tp is None or tp is type(None):
        return "None"
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        module = tp.__module__
        return tp.__qualname__ if module == "builtins" else f"{module}.{tp.__qualname__}"
    return repr(tp).replace("typing.", "")


def plugins_report(app: App, error: str | None = None) -> dict[str, Any]:
    """The report as plain data: ``plugins`` (each with hooks and settings), ``factories``, ``hooks``, ``error``."""
    host = app.plugins
    declared = getattr(app.settings, "declared", {})
    plugins = []
    for info in host.plugins():
        settings = [
            {
                "name": name,
                "type": type_name(item.setting.type),
                "value": item.value,
                "default": item.setting.default,
                "source": item.source,
                "env": item.setting.env_var,
                "doc": item.setting.doc,
            }
            for name, item in declared.items()
            if item.plugin == info.name
        ]
        plugins.append(
            {
                "name": info.name,
                "status": info.status,
                "reason": info.reason,
                "builtin": info.builtin,
                "distribution": info.distribution,
                "version": info.version,
                "source": info.source,
                "hooks": list(info.hooks),
                "settings": settings,
            }
        )
    factories = {}
    for hook in FACTORY_HOOKS:
        implementers = host.implementers(hook, wrappers=False)
        provider = host.providers.get(hook)
        factories[hook] = {
            "provider": provider,
            # The task queue is asked for at each lifespan start-up, so a plain start names nobody yet.
            "first_in_line": provider or (implementers[0] if implementers else None),
            "implementers": implementers,
        }
    hooks = {name: host.implementers(name) for name in host.hook_names()}
    return {"plugins": plugins, "factories": factories, "hooks": hooks, "error": error}


def render_plugins(report: dict[str, Any]) -> str:
    """The report as text for people."""
    plugins = report["plugins"]
    loaded = sum(1 for p in plugins if p["status"] == "loaded")
    lines = [f"plugins: {len(plugins)} found, {loaded} loaded"]
    for plugin in plugins:
        dist = plugin["distribution"] or "-"
        if plugin["version"]:
            dist += f" {plugin['version']}"
        kind = "built-in" if plugin["builtin"] else "third-party"
        status = "loaded" if plugin["status"] == "loaded" else f"disabled by {plugin['reason']}"
        lines.append(f"  {plugin['name']}  [{plugin['source']}]  {dist}, {kind}, {status}")
        if plugin["hooks"]:
            lines.append(f"      hooks: {', '.join(plugin['hooks'])}")
        for setting in plugin["settings"]:
            env = f", env {setting['env']}" if setting["env"] else ""
            lines.append(
                f"      setting {setting['name']} = {setting['value']!r}  "
                f"({setting['type']}, from {setting['source']}{env})  {setting['doc']}"
            )
    lines.append("factory hooks (the first non-None answer wins):")
    for hook, factory in report["factories"].items():
        others = [name for name in factory["implementers"] if name != factory["first_in_line"]]
        also = f" (also implemented by {', '.join(others)})" if others else ""
        if factory["provider"]:
            lines.append(f"  {hook}: served by {factory['provider']}{also}")
        elif factory["first_in_line"]:
            lines.append(f"  {hook}: {factory['first_in_line']} first in line, asked at start-up{also}")
        else:
            lines.append(f"  {hook}: nobody")
    lines.append("hooks (implementers in call order):")
    for hook, implementers in report["hooks"].items():
        lines.append(f"  {hook}: {', '.join(implementers) or 'nobody'}")
    if report["error"]:
        lines.append(f"error: {report['error']}")
    return "\n".join(lines)
