"""A throttle for log lines that a burst would otherwise repeat per request."""

from __future__ import annotations

import time

__all__ = ["Throttle"]


class Throttle:
    """Lets one event through per ``interval`` seconds and counts the ones it held back."""

    __slots__ = ("interval", "_next", "_held")

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._next = 0.0
        self._held = 0

    def allow(self) -> int | None:
        """None when this event is held back; else how many were held back since the last one let through."""
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return None
        self._next = now + self.interval
        held, self._held = self._held, 0
        return held
