"""Lifespan through a real uvicorn: a failing start-up stops the server with the message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"


def test_failing_startup_exits_non_zero_with_the_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "failing_startup:app", "--host", "127.0.0.1", "--port", str(free_port())],
        cwd=APPS,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "RuntimeError: cannot reach the database at db:5432" in output
    assert "Application startup failed" in output
