"""The load test's bookkeeping: the wrk script's summary line and the memory growth it reports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loadtest.__main__ import Phase, growth, parse_wrk, report  # noqa: E402

LINE = (
    'LOADTEST {"requests": 3000, "duration_us": 30000000, "bytes": 90000, '
    '"socket_errors": {"connect": 0, "read": 1, "write": 0, "timeout": 0}, '
    '"latency_us": {"p50": 1500, "p90": 4000, "p99": 9000, "max": 20000}, '
    '"unexpected": 2, "statuses": {"200": 2998, "500": 2}, "mismatches": {"200->500": 2}}'
)


def test_the_summary_line_is_found_among_wrks_output() -> None:
    result = parse_wrk("Running 30s test @ http://127.0.0.1:1\n  2 threads\n" + LINE + "\n")
    assert result["requests"] == 3000 and result["mismatches"] == {"200->500": 2}
    with pytest.raises(RuntimeError, match="no LOADTEST line"):
        parse_wrk("Running 30s test\n")


def test_growth_is_first_to_last_sample() -> None:
    assert growth([100_000, 150_000, 110_000]) == (10_000, 10.0)
    assert growth([100_000]) == (0, 0.0)


def test_a_phase_fails_on_unintended_statuses_and_socket_errors_and_reports_them() -> None:
    phase = Phase("mixed", 30, parse_wrk(LINE), [51_200, 52_224])
    assert phase.unexpected == 2 and phase.socket_errors == 1
    text = "\n".join(report([phase], "h11"))
    assert "3000 requests in 30.0 s (100/s)" in text
    assert 'unintended statuses 2 {"200->500": 2}' in text
    assert "RSS 50.0 -> 51.0 MiB (+1.0 MiB, +2.0%)" in text
