"""``pip install . uvicorn && uvicorn sample:app`` must work: the sample imports nothing from the dev extra.

A fresh virtualenv would need the package index; instead the sample is imported
in a child interpreter where every installed distribution outside the runtime
closure (hornbeam's own dependencies, uvicorn and theirs, computed from the
installed metadata) cannot be imported.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: refuse the top-level names given in argv[1] (JSON), then load sample:app.
CHILD = """
import importlib.abc, json, sys
blocked = frozenset(json.loads(sys.argv[1]))

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not installed by 'pip install . uvicorn')", name=name)
        return None

sys.meta_path.insert(0, Block())
from uvicorn.importer import import_from_string
app = import_from_string("sample:app")
app.freeze()
print("sample loaded:", type(app).__name__)
"""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(roots: list[str]) -> set[str]:
    """The installed distributions ``roots`` need (no extras), themselves included, normalized."""
    seen: set[str] = set()
    pending = [Requirement(root) for root in roots]
    while pending:
        requirement = pending.pop()
        name = _normalize(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                pending.append(needed)
    return seen


def blocked_modules(allowed: set[str]) -> set[str]:
    """Top-level import names that only distributions outside ``allowed`` provide."""
    blocked = set()
    for module, dists in metadata.packages_distributions().items():
        if not any(_normalize(dist) in allowed for dist in dists):
            blocked.add(module)
    return blocked


def test_closure_leaves_out_the_dev_extra() -> None:
    closure = runtime_closure(["hornbeam", "uvicorn"])
    assert {"hornbeam", "pluggy", "orjson", "uvicorn", "click", "h11"} <= closure
    assert not {"annotated-types", "pydantic", "httpx", "pytest", "hypothesis", "mypy"} & closure
    blocked = blocked_modules(closure)
    assert {"annotated_types", "pydantic", "httpx", "hypothesis"} <= blocked
    assert not {"orjson", "pluggy", "uvicorn", "h11"} & blocked


def test_sample_needs_only_hornbeam_and_uvicorn() -> None:
    blocked = blocked_modules(runtime_closure(["hornbeam", "uvicorn"]))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(sorted(blocked))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "sample loaded: App" in result.stdout
