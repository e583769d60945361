"""The ``hornbeam`` command itself: one subcommand per module, a command required."""

from __future__ import annotations

import pytest

from hornbeam.__main__ import main


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
