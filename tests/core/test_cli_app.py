"""Loading ``module:app`` for the command line: every failure is one line and exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._cli import AppModule, run


@pytest.mark.parametrize("command", ["plugins", "routes"])
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nosuch:app", "module 'nosuch' not found"),
        ("nosuch.deeper:app", "module 'nosuch.deeper' not found"),
        ("{module}:nope", "module '{module}' has no attribute 'nope'"),
        ("{module}:number", "{module}:number is a int, not a hornbeam App"),
        ("{module}", "{module}:app is a str, not a hornbeam App"),
        ("{broken}:app", "importing module '{broken}' failed: ZeroDivisionError: division by zero"),
        ("{missing_dep}:app", "importing module '{missing_dep}' failed: ModuleNotFoundError: No module named 'not_installed_anywhere'"),
        (":app", "':app' is not of the form module:attribute"),
    ],
)
def test_a_bad_app_is_one_line_and_exit_status_2(
    app_module: AppModule, capsys: pytest.CaptureFixture[str], command: str, target: str, message: str
) -> None:
    names: dict[str, Any] = {
        "module": app_module("number = 3\napp = 'not an app'\n"),
        "broken": app_module("1 / 0\n"),
        "missing_dep": app_module("import not_installed_anywhere\n"),
    }
    status, out, err = run(capsys, command, target.format(**names))
    assert (status, out) == (2, "")
    assert err.startswith(f"hornbeam {command}: {message.format(**names)}")
    assert err.count("\n") == 1 and err.endswith("\n")


def test_the_installed_command_answers_a_bad_app_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hornbeam", "plugins", "nosuch:app"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"hornbeam plugins: module 'nosuch' not found (looked in {tmp_path} and sys.path)"]
