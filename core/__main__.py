"""The ``hornbeam`` command: ``hornbeam plugins [APP]`` and ``hornbeam routes APP`` (``--json`` for both);
``hornbeam worker APP`` runs the app's background tasks without serving HTTP.

``APP`` is ``module:attribute`` (``sample:app``), imported from the current
directory. Each command lives in a module of its own (``_cli_plugins``,
``_cli_routes``) that adds its subparser and sets ``run``; this module only
builds the parser and calls it. The environment variables of
``hornbeam.pluginhost`` apply, so ``HORNBEAM_DISABLE_PLUGINS=query hornbeam
plugins sample:app`` shows their effect.

Exit status: 0 on success, 1 when the app fails to start (the error is
printed), 2 for a bad command line or an ``APP`` that cannot be loaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import _cli_plugins, _cli_routes, worker

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``hornbeam`` argument parser, one subcommand per command module."""
    parser = argparse.ArgumentParser(prog="hornbeam", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _cli_plugins.add_command(commands)
    _cli_routes.add_command(commands)
    worker.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
