"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# pytester runs pytest on generated test files (tests of hornbeam's pytest plugin); hornbeam's own
# plugin is opted into as a user's conftest.py would.
pytest_plugins = ["pytester", "hornbeam.testing.pytest_plugin"]


@pytest.fixture
def mypy_rejects_exactly(tmp_path: Path) -> Callable[[str, str], None]:
    """Check that ``mypy --strict`` accepts ``good`` and flags exactly the lines of ``bad`` ending in ``# E``."""
    pytest.importorskip("mypy")

    def check(good: str, bad: str) -> None:
        # mypy finds hornbeam through the editable install itself, as it does for users.
        (tmp_path / "good.py").write_text(good)
        (tmp_path / "bad.py").write_text(bad)
        (tmp_path / "mypy.ini").write_text("[mypy]\n")
        env = {**os.environ}
        env.pop("PYTHONPATH", None)
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--config-file", "mypy.ini",
             "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", "good.py", "bad.py"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        errors = [line for line in result.stdout.splitlines() if ": error:" in line]
        assert result.returncode == 1, result.stdout + result.stderr
        assert not [e for e in errors if not e.startswith("bad.py:")], result.stdout
        expected = {n for n, line in enumerate(bad.splitlines(), 1) if line.endswith("# E")}
        assert {int(e.split(":")[1]) for e in errors} == expected, result.stdout

    return check
