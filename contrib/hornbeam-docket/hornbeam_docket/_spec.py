"""What travels with each task through Redis besides its arguments: the ``TaskSpec``."""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Defaults", "TaskSpec", "describe", "short_repr", "check_options"]


@dataclass(frozen=True, slots=True)
class Defaults:
    """Per-task settings after merging ``options()`` with the queue's defaults."""

    name: str | None
    max_attempts: int
    timeout: float | None
    retry_on: tuple[type[BaseException], ...]
    key: str | None = None


class TaskSpec:
    """The first argument of every docket task this plugin schedules: the function and its policy.

    The worker that runs an attempt, in whatever process, reads its policy
    from here, so every attempt follows the enqueuer's settings. Two fields
    change on the way: ``redeliveries`` (attempts cut short by a crashed or
    stopped worker) and ``last_error``; a retry carries them to the next attempt.
    """

    _fields = (
        "func", "name", "max_attempts", "timeout", "retry_on", "backoff", "backoff_max",
        "created_at", "idempotent", "redeliveries", "last_error",
    )  # fmt: skip
    # started_at is the current attempt's start, known only to the worker running it.
    __slots__ = (*_fields, "started_at")

    def __init__(
        self,
        func: Callable[..., Any],
        name: str,
        max_attempts: int,
        timeout: float | None,
        retry_on: tuple[type[BaseException], ...],
        backoff: float,
        backoff_max: float,
        created_at: float,
        idempotent: bool = False,
        redeliveries: int = 0,
        last_error: str | None = None,
    ) -> None:
        self.func = func
        self.name = name
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.retry_on = retry_on
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.created_at = created_at
        self.idempotent = idempotent
        self.redeliveries = redeliveries
        self.last_error = last_error
        self.started_at: float | None = None

    def __reduce__(self) -> tuple[type[TaskSpec], tuple[Any, ...]]:
        # PERF: a plain constructor call pickles faster than the default slots state.
        return TaskSpec, tuple(getattr(self, name) for name in TaskSpec._fields)

    def delay(self, attempt: int) -> float:
        """Seconds before the attempt after ``attempt``: ``backoff * 2**(attempt-1)``, capped at ``backoff_max``."""
        return min(self.backoff_max, self.backoff * 2.0 ** min(attempt - 1, 64))


def describe(error: BaseException) -> str:
    """``"ExceptionType: message"``, or the type alone when the message is empty (as the built-in queue says it)."""
    text = str(error)
    return f"{type(error).__qualname__}: {text}" if text else type(error).__qualname__


def short_repr(value: object) -> str:
    """A length-capped ``repr`` that never raises (``reprlib``), as ``TaskInfo.result`` holds."""
    return reprlib.repr(value)


def check_options(max_attempts: int | None, timeout: float | None, retry_on: tuple[Any, ...] | None) -> None:
    """Raise ValueError or TypeError for options the queue cannot honour."""
    if max_attempts is not None and max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if timeout is not None and not math.isinf(timeout) and timeout <= 0:
        raise ValueError("timeout must be positive (math.inf for none)")
    if retry_on is not None and not all(isinstance(c, type) and issubclass(c, BaseException) for c in retry_on):
        raise TypeError("retry_on must hold exception classes")


def timeout_of(value: float | None) -> float | None:
    """None for no limit (``math.inf`` means the same)."""
    return None if value is None or math.isinf(value) else float(value)
