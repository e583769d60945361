"""setuptools, with editable installs in its "strict" mode by default.

``core/`` installs as ``hornbeam`` and ``plugins/`` as ``hornbeam.plugins``. For
that mapping setuptools' default editable install uses an import hook, which
type checkers cannot follow: ``mypy`` then finds no ``hornbeam`` at all. The
strict mode instead links each file into ``build/__editable__.*`` and puts that
folder on ``sys.path``, which every tool understands. Edits show at once; a new
module shows after ``pip install -e .`` again (``make`` does that by itself).
Pass ``--config-settings editable_mode=compat`` (or ``lenient``) to override.
"""

from __future__ import annotations

from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403 - every other hook is setuptools' own

__all__ = [name for name in dir(build_meta) if name.startswith(("build_", "get_requires_", "prepare_"))]


def build_editable(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    settings = dict(config_settings or {})
    settings.setdefault("editable_mode", "strict")
    return build_meta.build_editable(wheel_directory, settings, metadata_directory)
