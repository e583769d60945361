"""Every Python snippet of the README runs and passes ``mypy --strict``, so the README cannot drift from the code.

A snippet whose first line is a file name comment (``# myapp.py``) is saved under
that name, so snippets can import each other as the README says; the others get a
name of their own. Test files (``# test_*.py``, ``# conftest.py``) run under
pytest; every other snippet is imported, its ``app`` (if it has one) started and
stopped through its lifespan, and a plugin module (hook implementations, no app)
loaded into an app of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_NAME = re.compile(r"# ([\w]+\.py)\s*$")

RUNNER = '''
import importlib
import sys

from hornbeam import App
from hornbeam.testing import TestClient

module = importlib.import_module(sys.argv[1])
app = getattr(module, "app", None)
if isinstance(app, App):
    with TestClient(app):
        pass
elif any(hasattr(value, "hornbeam_impl") for value in vars(module).values()):
    App(plugins=[module]).freeze()
'''


def snippets() -> dict[str, str]:
    """File name -> source of every ```python block of the README, in order."""
    found: dict[str, str] = {}
    for index, match in enumerate(_BLOCK.finditer(README.read_text())):
        source = match.group(1)
        named = _NAME.match(source.splitlines()[0]) if source.strip() else None
        name = named.group(1) if named else f"readme_snippet_{index}.py"
        assert name not in found, f"two README snippets are both {name}"
        found[name] = source
    return found


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("readme")
    for name, source in snippets().items():
        (where / name).write_text(source)
    (where / "pytest.ini").write_text("[pytest]\nhornbeam_app = myapp:app\n")
    (where / "run_snippet.py").write_text(textwrap.dedent(RUNNER))
    return where


def environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORNBEAM_", "COV_", "PYTEST_"))}
    env["PYTHONPATH"] = str(folder)
    return env


def test_the_readme_has_snippets_of_every_kind() -> None:
    names = set(snippets())
    assert "myapp.py" in names and any(name.startswith("test_") for name in names)
    assert len(names) >= 10


def test_every_snippet_passes_mypy_strict(folder: Path) -> None:
    files = sorted(name for name in snippets())
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(folder / ".mypy"), *files],
        cwd=folder, env=environment(folder), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", [name for name in snippets() if not name.startswith(("test_", "conftest"))])
def test_every_snippet_runs(folder: Path, name: str) -> None:
    result = subprocess.run(
        [sys.executable, "run_snippet.py", name.removesuffix(".py")],
        cwd=folder, env=environment(folder), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_test_snippets_pass_under_pytest(folder: Path) -> None:
    tests = [name for name in snippets() if name.startswith("test_")]
    assert tests
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests],
        cwd=folder, env=environment(folder), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
