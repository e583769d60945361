"""contrib/hornbeam-prometheus: pip-installed into a folder of its own, then its own test suite runs there.

The entry point is visible only to the subprocess whose ``PYTHONPATH`` holds that
folder, so the rest of hornbeam's suite never autoloads the plugin.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "contrib" / "hornbeam-prometheus"


def test_the_package_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp_path / "site"
    # --no-deps: hornbeam and prometheus-client come from this venv, so pip builds only the plugin.
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source)]
    result = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip install failed:\n{result.stdout}\n{result.stderr}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORNBEAM_", "PROMETHEUS_", "COV_CORE_"))}
    env["PYTHONPATH"] = str(site)
    # -P keeps the source copy off sys.path: the tests import the installed package.
    tests = [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov", "tests"]
    result = subprocess.run(tests, cwd=source, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"hornbeam-prometheus tests failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-2000:]
