"""``hornbeam worker module:app``: a process that runs the app's background tasks and serves no HTTP.

It runs the app's lifespan start-up exactly as a server would (plugins, the
user's start-up code, the task queue), asks the queue to run a worker here
whatever its own setting says, waits for SIGTERM or SIGINT, then runs the
lifespan shutdown, which drains the queue within its deadline. Only a queue
whose tasks live outside the process (a ``hornbeam.WorkerTaskQueue``, such as
hornbeam-docket's) can do this; any other makes the command fail at once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any, TextIO

from . import _lifespan
from ._cli_app import AppNotFound, load_app
from .app import App

__all__ = ["WorkerUnsupported", "add_command", "run_worker", "serve_worker"]

logger = logging.getLogger("hornbeam.worker")


class WorkerUnsupported(Exception):
    """The app's task queue cannot run in a dedicated worker process."""


async def serve_worker(app: App, stop: asyncio.Event, name: str = "the app") -> None:
    """Start ``app``'s lifespan, start its queue's worker, wait for ``stop``, shut down.

    Raises WorkerUnsupported (after shutting the lifespan down again) when the
    queue has no ``start_worker``; start-up failures propagate.
    """
    app.freeze()
    runtime = app.runtime
    context = await _lifespan.startup(runtime)
    try:
        queue = runtime.tasks
        start_worker = getattr(queue, "start_worker", None)
        if queue is None or not callable(start_worker):
            provider = app.plugins.providers.get("hornbeam_task_queue", "none")
            raise WorkerUnsupported(
                f"the task queue of {name} ({type(queue).__name__} from plugin {provider!r}) keeps its tasks "
                "in the memory of the process that enqueued them, so no other process can run them; "
                "install a durable queue such as hornbeam-docket"
            )
        await start_worker()
        logger.info("worker for %s running; SIGTERM or SIGINT stops it", name)
        await stop.wait()
        logger.info("worker for %s stopping: draining its tasks", name)
    finally:
        await _lifespan.shutdown(runtime, context)


def run_worker(app: App, name: str, stderr: TextIO = sys.stderr) -> int:
    """The ``hornbeam worker`` command: serve until a signal; 0 on a clean stop, 1 with one line on stderr otherwise."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve_worker(app, stop, name)

    try:
        asyncio.run(main())
    except WorkerUnsupported as exc:
        print(f"error: {exc}", file=stderr)
        return 1
    except Exception:
        logger.exception("worker for %s failed", name)
        return 1
    return 0


def add_command(commands: Any) -> None:
    """Add the ``worker`` subcommand to ``commands`` (argparse subparsers)."""
    parser = commands.add_parser(
        "worker",
        help="run the app's background tasks, no HTTP (needs a durable task queue such as hornbeam-docket)",
        description="Run the app's background tasks in this process until SIGTERM or SIGINT, serving no HTTP.",
    )
    parser.add_argument("app", help="module:attribute of an App, e.g. sample:app")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        app = load_app(args.app)
    except AppNotFound as exc:
        print(f"hornbeam worker: {exc}", file=sys.stderr)
        return 2
    return run_worker(app, args.app)
