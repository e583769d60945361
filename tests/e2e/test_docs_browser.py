"""The docs page in a real headless browser (Debian's chromium) against the sample under uvicorn.

Swagger UI renders the page in the browser from the app's own files and document; the
test reads the DOM chromium dumps once the page has settled. Networking beyond the app
is off, so a file loaded from a CDN would leave the page empty. ``make test`` installs
chromium when it is missing (``make browser``); without it the test fails, never skips.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import Server

pytestmark = pytest.mark.e2e

OPERATION = re.compile(
    r'opblock-summary-method">([A-Z]+)</span><div class="opblock-summary-path-description-wrapper">'
    r'<span class="opblock-summary-path" data-path="([^"]+)"'
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run 'make browser' (apt-get install -y chromium) or install it yourself")
    return found


def rendered(url: str, profile: str) -> str:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        # Anything but the app itself resolves nowhere: the page must need nothing else.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000", "--dump-dom", url,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_docs_page_lists_the_sample_operations(sample_server: Server, tmp_path: Path) -> None:
    dom = rendered(f"{sample_server.url}/docs", str(tmp_path))
    operations = set(OPERATION.findall(dom))
    assert {
        ("GET", "/"),
        ("GET", "/health"),
        ("GET", "/items"),
        ("POST", "/items"),
        ("GET", "/items/{item_id}"),
        ("PUT", "/items/{item_id}"),
        ("PATCH", "/items/{item_id}"),
        ("DELETE", "/items/{item_id}"),
        ("POST", "/items/{item_id}/notify"),
        ("GET", "/tasks/{task_id}"),
        ("POST", "/uploads"),
    } <= operations, dom[:3000]
    assert "hornbeam sample" in dom and "Create an item." in dom
