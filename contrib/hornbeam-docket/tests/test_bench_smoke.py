"""The task bench's Redis comparison runs (figures are never asserted: tiny counts)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_docket_comparison_runs(redis_url: str) -> None:
    own_database = redis_url.rsplit("/", 1)[0] + "/1"  # the bench flushes its database between runs
    result = subprocess.run(
        [sys.executable, "-m", "bench.tasks", "--docket", "--quick", "--redis-url", own_database],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[-5:-1]]
    assert rows == ["queue", "InMemoryTaskQueue", "hornbeam-docket", "docket"], result.stdout
