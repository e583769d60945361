"""Reading a task's ``TaskInfo`` from docket's own record of it (the runs hash) in Redis.

docket keeps one hash per task key, ``{queue}:runs:{key}``: the state, the
arguments (ours start with the ``TaskSpec``), a generation that grows with each
retry, the current attempt's ``started_at``, and ``completed_at``. The plugin
adds two fields to that hash, so they share its expiry: ``hb_error`` (the
latest failure, written on the failure path) and ``hb_redeliveries``
(attempts cut short by a lost worker, written when a redelivered task starts).
Nothing else is written per task.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import cloudpickle

from docket import Docket
from hornbeam.tasks import TaskInfo, TaskStatus

from ._spec import TaskSpec, short_repr

__all__ = ["ERROR_FIELD", "REDELIVERIES_FIELD", "dead_letters_key", "task_info", "status_of", "result_repr"]

ERROR_FIELD = "hb_error"
REDELIVERIES_FIELD = "hb_redeliveries"

def dead_letters_key(docket: Docket) -> str:
    """The sorted set of failed task keys, scored by failure time."""
    return docket.key("hornbeam:dead")


_STATES = {
    b"running": TaskStatus.RUNNING,
    b"completed": TaskStatus.SUCCEEDED,
    b"failed": TaskStatus.FAILED,
    b"cancelled": TaskStatus.CANCELLED,
}


def status_of(state: bytes, generation: int) -> TaskStatus:
    """docket's state as a hornbeam status; a task waiting for its second or later attempt is retrying."""
    status = _STATES.get(state)
    if status is not None:
        return status
    # 'queued' (in the stream) or 'scheduled' (waiting out a backoff): the generation
    # grows with each retry, so past the first it is a retry that waits.
    return TaskStatus.QUEUED if generation <= 1 else TaskStatus.RETRYING


def _time(data: Mapping[bytes, bytes], field: bytes) -> float | None:
    value = data.get(field)
    return datetime.fromisoformat(value.decode()).timestamp() if value else None


def task_info(key: str, data: Mapping[bytes, bytes], result: str | None = None) -> TaskInfo | None:
    """The ``TaskInfo`` of the runs hash ``data`` (None when it is not one of this plugin's tasks).

    ``attempts`` counts the generations that started (one per retry), plus the
    redeliveries: an attempt a crash cut short counts too.
    """
    args = data.get(b"args")
    if not args or b"state" not in data:
        return None
    spec = cloudpickle.loads(args)[0]
    if not isinstance(spec, TaskSpec):
        return None
    generation = int(data.get(b"generation", b"1"))
    started = b"started_at" in data
    redeliveries = int(data.get(REDELIVERIES_FIELD.encode(), b"0"))
    error = data.get(ERROR_FIELD.encode())
    status = status_of(data[b"state"], generation)
    return TaskInfo(
        id=key,
        name=spec.name,
        status=status,
        attempts=generation - 1 + redeliveries + (1 if started else 0),
        max_attempts=spec.max_attempts,
        created_at=spec.created_at,
        started_at=_time(data, b"started_at"),
        finished_at=_time(data, b"completed_at"),
        last_error=error.decode() if error else None,
        result=result,
    )


def result_repr(stored: Mapping[str, Any] | None) -> str:
    """``TaskInfo.result`` of a succeeded task from docket's result storage (a task returning None stores nothing)."""
    if stored is None or "data" not in stored:
        return short_repr(None)
    return short_repr(cloudpickle.loads(base64.b64decode(stored["data"])))
