"""The log throttle."""

from __future__ import annotations

import pytest

from hornbeam._throttle import Throttle


def test_the_throttle_lets_one_through_per_interval_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("hornbeam._throttle.time.monotonic", lambda: now[0])
    throttle = Throttle(10.0)
    assert throttle.allow() == 0
    assert [throttle.allow() for _ in range(3)] == [None, None, None]
    now[0] += 10.0
    assert throttle.allow() == 3
