"""hornbeam's log records under a real uvicorn: INFO and up, with time, level and logger name, unless the app configured logging.

uvicorn configures its own loggers only; hornbeam's records went through
Python's last-resort handler (WARNING and up, no time, no logger name).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from .conftest import start_server

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
# How a log line names the failed request: "<Request GET /crash>" or "GET /crash (route ...)".
CRASH = r"(?:<Request )?GET /crash\b"


def crash_and_stop(target: str, log: Path) -> str:
    server = start_server(target, log, cwd=APPS)
    try:
        response = httpx.get(f"{server.url}/crash", timeout=30)
        assert response.status_code == 500
        assert "on fire" not in response.text
    finally:
        server.stop()
    return server.log


def test_hornbeam_records_carry_time_level_and_logger_name(tmp_path: Path) -> None:
    log = crash_and_stop("edge:app", tmp_path / "edge.log")
    assert re.search(rf"^{STAMP} INFO hornbeam: hornbeam logs INFO and above to stderr", log, re.M), log
    crash = re.search(rf"^{STAMP} ERROR hornbeam: unhandled error in {CRASH}.*\nTraceback", log, re.M)
    assert crash is not None, log
    assert "RuntimeError: the database is on fire" in log[crash.end() :]
    # Written once: not also by the last-resort handler.
    assert len(re.findall(rf"unhandled error in {CRASH}", log)) == 1, log


def test_an_apps_own_logging_configuration_is_left_alone(tmp_path: Path) -> None:
    log = crash_and_stop("own_logging:app", tmp_path / "own.log")
    assert len(re.findall(rf"unhandled error in {CRASH}", log)) == 1, log
    assert re.search(rf"OWN ERROR hornbeam unhandled error in {CRASH}", log), log
    assert "hornbeam logs INFO and above" not in log and not re.search(STAMP, log), log
