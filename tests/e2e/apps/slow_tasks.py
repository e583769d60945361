"""An app whose background tasks are still busy when uvicorn gets SIGTERM (see test_sample_tasks.py).

Run from this directory: ``uvicorn slow_tasks:app``. Two workers, a one-second
shutdown deadline; the plugin below prints one line per task outcome, as a plugin
persisting abandoned tasks would store them.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from hornbeam import App, Request, hookimpl
from hornbeam.tasks import TaskInfo

# uvicorn configures only its own loggers: send the queue's records to stderr too.
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
_tasks_logger = logging.getLogger("hornbeam.tasks")
_tasks_logger.addHandler(_handler)
_tasks_logger.setLevel(logging.INFO)


class Ledger:
    """Prints every finished or abandoned task."""

    hornbeam_plugin_name = "ledger"

    @hookimpl
    def hornbeam_task_succeeded(self, info: TaskInfo) -> None:
        print(f"LEDGER succeeded {info.id}", flush=True)

    @hookimpl
    def hornbeam_task_abandoned(self, info: TaskInfo) -> None:
        print(f"LEDGER abandoned {info.id} {info.name} attempts={info.attempts} status={info.status}", flush=True)


app = App(plugins=[Ledger()], settings={"tasks_workers": 2, "tasks_shutdown_deadline": 1})


async def pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


@app.post("/enqueue/{seconds:float}/{count:int}")
async def enqueue(request: Request[None, None], seconds: float, count: int) -> list[str]:
    return [(await app.tasks.enqueue(pause, seconds)).id for _ in range(count)]


@app.get("/tasks/{task_id}")
async def status(request: Request[None, None], task_id: str) -> dict[str, object]:
    info = await app.tasks.get(task_id)
    return {"status": None if info is None else info.status.value}
