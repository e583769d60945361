"""An app for the multi-process tests: its tasks write what they do to Redis, with Redis's own clock.

Run from this directory: ``uvicorn durable_app:app`` (or ``hornbeam worker
durable_app:app``), configured by the ``HORNBEAM_DOCKET_*`` variables. Every
record goes to the queue's Redis under ``journal:{queue}:...``, so a test reads
what happened in any process, in one order, from one clock (Redis ``TIME``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

from redis.asyncio import Redis

from hornbeam import App, NotFound, Request

# uvicorn configures only its own loggers: send the queue's records to stderr too.
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
logging.getLogger("hornbeam.tasks").addHandler(_handler)

app = App()
_clients: dict[int, Redis] = {}


def journal() -> Redis:
    """This process's client for the journal (one per event loop)."""
    loop = id(asyncio.get_running_loop())
    if loop not in _clients:
        _clients[loop] = Redis.from_url(app.settings["docket_url"])
    return _clients[loop]


def key(*parts: str) -> str:
    return ":".join(("journal", app.settings["docket_queue"], *parts))


async def now() -> str:
    seconds, micros = await journal().time()
    return f"{seconds}.{micros:06d}"


async def pause(label: str, seconds: float) -> str:
    """Record a start (pid, Redis time), sleep, record the end."""
    redis = journal()
    await redis.rpush(key("starts", label), f"{os.getpid()} {await now()}")
    await asyncio.sleep(seconds)
    await redis.rpush(key("ends", label), f"{os.getpid()} {await now()}")
    return label


async def tick(n: int) -> None:
    """One of many: marks itself done."""
    await journal().sadd(key("done"), n)


async def once(label: str) -> str:
    """Counts its runs: a task enqueued with an idempotency key must count one."""
    await journal().incr(key("runs", label))
    return label


@app.post("/pause/{label}/{seconds:float}")
async def enqueue_pause(request: Request[None, None], label: str, seconds: float) -> dict[str, str]:
    handle = await app.tasks.options(max_attempts=1).enqueue(pause, label, seconds)
    return {"task_id": handle.id}


@app.post("/burst/{start:int}/{count:int}")
async def burst(request: Request[None, None], start: int, count: int) -> dict[str, int]:
    for n in range(start, start + count):
        await app.tasks.enqueue(tick, n)
    return {"enqueued": count}


@app.post("/once/{label}")
async def enqueue_once(request: Request[None, None], label: str) -> dict[str, str]:
    handle = await app.tasks.options(key=f"once-{label}").enqueue(once, label)
    return {"task_id": handle.id}


@app.get("/tasks/{task_id}")
async def task_status(request: Request[None, None], task_id: str) -> dict[str, Any]:
    info = await app.tasks.get(task_id)
    if info is None:
        raise NotFound(detail=f"task {task_id} is not known")
    return {"status": info.status.value, "attempts": info.attempts, "result": info.result}


@app.get("/counters")
async def counters(request: Request[None, None]) -> dict[str, int]:
    return dict(await app.tasks.counters())
