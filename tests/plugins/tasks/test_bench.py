"""bench/tasks.py still runs against the queue's API (figures are never asserted: tiny counts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_task_queue_bench_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.tasks", "--quick", "--workers", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "InMemoryTaskQueue(4) await enqueue" in result.stdout
