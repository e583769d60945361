"""The handle ``enqueue`` returns: a task key, answered from Redis each time it is asked."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from docket import Execution, ExecutionCancelled, ExecutionState
from hornbeam.tasks import TaskCancelled, TaskError, TaskFailed, TaskInfo

if TYPE_CHECKING:
    from .queue import DocketTaskQueue

__all__ = ["DocketHandle"]

R = TypeVar("R")


class DocketHandle(Generic[R]):
    """A ``hornbeam.TaskHandle`` for a task in docket: id, async info and cancel, and ``await`` for the result.

    Awaiting waits on the task's state channel (Redis pub/sub), so it returns
    whichever worker, in whichever process, finished the task.
    """

    __slots__ = ("_queue", "_execution")

    def __init__(self, queue: DocketTaskQueue, execution: Execution) -> None:
        self._queue = queue
        self._execution = execution

    @property
    def id(self) -> str:
        return self._execution.key

    async def info(self) -> TaskInfo:
        """A fresh snapshot from Redis; raises TaskError once the result retention has dropped the task."""
        info = await self._queue.get(self.id)
        if info is None:
            raise TaskError(f"task {self.id} is no longer known (past the result retention, or never enqueued)")
        return info

    async def cancel(self) -> bool:
        """Cancel the task wherever it is; False when it already finished."""
        return await self._queue._cancel(self.id)

    def __await__(self) -> Generator[Any, None, R]:
        return self._result().__await__()

    async def _result(self) -> R:
        execution = self._execution
        try:
            result: R = await execution.get_result()
        except ExecutionCancelled:
            raise TaskCancelled(await self.info()) from None
        except Exception as exc:
            # get_result raises the task's own exception (unpickled) once the task failed;
            # anything else (Redis gone, say) is not the task's failure.
            if execution.state is not ExecutionState.FAILED:
                raise
            raise TaskFailed(await self.info()) from exc
        return result

    def __repr__(self) -> str:
        return f"<DocketHandle {self.id}>"
