"""The validator conformance kit run against ``examples/hornbeam-pydantic``, as any provider would run it.

The package is imported from its source folder, not installed: without its
distribution metadata its entry point stays invisible, so the rest of the
suite keeps the built-in validator.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from hornbeam.testing.conformance.validator import ValidatorContract

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hornbeam-pydantic"


@pytest.fixture(scope="module", autouse=True)
def importable() -> Any:
    sys.path.insert(0, str(EXAMPLE))
    yield
    sys.path.remove(str(EXAMPLE))


class TestPydanticValidatorContract(ValidatorContract):
    def make_validator(self) -> Any:
        from hornbeam_pydantic import PydanticValidator

        return PydanticValidator()
