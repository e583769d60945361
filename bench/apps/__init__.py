"""One module per framework, each exposing ``build(middleware=0)`` and a module-level ``app``.

Every app registers the GitHub API table plus the scenario routes, written as that
framework's documentation shows. ``NOT_FOUND`` is the framework's own 404 body
(bytes, or a JSON value compared parsed).
"""

from __future__ import annotations

import importlib
from types import ModuleType


def load(framework: str) -> ModuleType:
    return importlib.import_module(f"bench.apps.{framework}")
