"""The sample's OpenAPI document, checked from outside: a spec validator, then schemathesis through uvicorn."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from .conftest import Server, start_server

pytestmark = pytest.mark.e2e

# Bounds for CI: each operation gets this many generated cases per phase, and the run a hard stop.
EXAMPLES = 40
DEADLINE = 300


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # A sample of its own: what the fuzzer creates must not change what other tests see.
    server = start_server("sample:app", tmp_path_factory.mktemp("openapi") / "sample.log")
    yield server
    server.stop()


def test_the_served_document_is_valid_openapi_3_1(sample_server: Server) -> None:
    response = httpx.get(f"{sample_server.url}/openapi.json", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert len([op for item in document["paths"].values() for op in item.values()]) == 11


def test_schemathesis_finds_nothing_wrong(fuzzed_server: Server, tmp_path: Path) -> None:
    """Every check: no 5xx, every status, content type, header and body as documented, bad input refused.

    A fixed seed, so a failure in CI is the same failure on a laptop: run the command printed with it.
    """
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "run", f"{fuzzed_server.url}/openapi.json",
        "--checks", "all",
        "--max-examples", str(EXAMPLES),
        "--workers", "1",
        "--seed", "14",
        "--request-timeout", "10",
    ]  # fmt: skip
    # In a temporary folder: schemathesis keeps its hypothesis database and reports where it runs.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE)
    report = f"$ {' '.join(command)}\n{result.stdout}\n{result.stderr}\n--- server log ---\n{fuzzed_server.log[-5000:]}"
    assert result.returncode == 0, report
    assert "No issues found" in result.stdout, report
    assert "Selected: 11/11" in result.stdout, report
