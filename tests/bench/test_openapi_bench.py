"""Smoke test of bench.openapi: it runs and checks what it measures. Figures are never asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import openapi  # noqa: E402


def test_the_quick_run_measures_every_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "openapi.json"
    assert openapi.main(["--quick", "--output", str(output)]) == 0
    results = json.loads(output.read_text())
    assert {"hornbeam github (203 routes)", "hornbeam typed (1,000 routes)"} <= set(results["startup"])
    served = results["serving"]["hornbeam"]
    assert {"plaintext", "document", "document 304", "document bytes"} <= set(served)
    assert served["document bytes"] > 100_000
    assert "hornbeam" in results["typed_response"]
    assert "written to" in capsys.readouterr().out


def test_every_typed_route_is_documented() -> None:
    app = openapi.hornbeam_typed(True)
    from hornbeam.plugins.openapi import document

    built = document(app)
    operations = [op for item in built["paths"].values() for op in item.values()]
    assert len(operations) == openapi.TYPED_ROUTES + 1  # and /plaintext
    assert {f"Body{n}" for n in range(openapi.MODELS)} <= set(built["components"]["schemas"])
