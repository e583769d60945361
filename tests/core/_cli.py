"""Helpers for the command-line tests: an app module written on the fly, and running ``hornbeam``."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hornbeam.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()

AppModule = Callable[[str], str]


@pytest.fixture
def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppModule]:
    """Write a module with the given source into a fresh folder on sys.path; returns its import name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("HORNBEAM_"):
            monkeypatch.delenv(name)
    written: list[str] = []

    def write(source: str) -> str:
        name = f"cli_app_{next(_names)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


