"""An app whose parts fail on purpose, served by uvicorn in tests/e2e/test_faults.py.

Run from this directory: ``uvicorn faults:app``. ``FAULTS_BROKEN_STARTUP=1``
makes a plugin's start-up hook fail.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from hornbeam import App, CallNext, Request, Response, Router, hookimpl


class Faulty:
    """A plugin whose observer fails on one path, and whose start-up can fail."""

    hornbeam_plugin_name = "faulty"

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Response) -> None:
        if request.path == "/observed":
            raise RuntimeError("observer bug")

    @hookimpl
    def hornbeam_startup(self, app: App) -> None:
        if os.environ.get("FAULTS_BROKEN_STARTUP") == "1":
            raise RuntimeError("database unreachable")


app = App(plugins=[Faulty()], settings={"tasks_shutdown_deadline": 1.0})


@app.get("/ok")
async def ok(request: Request[None, None]) -> str:
    return "ok"


@app.get("/raise")
async def crash(request: Request[None, None]) -> str:
    raise RuntimeError("handler bug")


@app.get("/wrong")
async def wrong(request: Request[None, None]) -> Any:
    return object()


@app.get("/hang", timeout=0.5)
async def hang(request: Request[None, None]) -> str:
    await asyncio.sleep(3600)
    return "never"


@app.get("/observed")
async def observed(request: Request[None, None]) -> str:
    return "observed"


@app.get("/slow")
async def slow(request: Request[None, None]) -> str:
    await asyncio.sleep(1.5)
    return "slow done"


async def sleeper(seconds: float) -> None:
    await asyncio.sleep(seconds)


@app.post("/enqueue")
async def enqueue(request: Request[None, None]) -> dict[str, str]:
    handle = await app.tasks.enqueue(sleeper, 30)
    return {"id": handle.id}


async def explode(request: Request[Any, Any], call_next: CallNext) -> Response:
    raise RuntimeError("middleware bug")


guarded = Router("/guarded", middleware=[explode])


@guarded.get("/thing")
async def thing(request: Request[None, None]) -> str:
    return "unreachable"


app.include(guarded)
