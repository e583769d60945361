"""``hornbeam worker module:app``: lifespan, the queue's worker forced on, a signal, the drain; refused for in-memory queues."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hornbeam import App
from hornbeam.worker import WorkerUnsupported, run_worker, serve_worker

ROOT = Path(__file__).resolve().parents[2]

TOY_APP = '''
import asyncio
import sys
from typing import Any

from hornbeam import App, hookimpl
from hornbeam.tasks import ShutdownReport


def say(line: str) -> None:
    print(line, flush=True)


class ToyDurableQueue:
    """Enough of a WorkerTaskQueue to show what the command calls, and when."""

    async def start(self) -> None:
        say("queue started")

    async def start_worker(self) -> None:
        say("worker started")

    async def shutdown(self, deadline: float | None = None) -> ShutdownReport:
        say("queue drained")
        return ShutdownReport(0, ())

    async def enqueue(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def options(self, **settings: Any) -> "ToyDurableQueue":
        return self

    async def get(self, task_id: str) -> None:
        return None

    async def dead_letters(self) -> tuple[()]:
        return ()

    async def counters(self) -> dict[str, int]:
        return {}


class Toy:
    @hookimpl
    def hornbeam_task_queue(self) -> ToyDurableQueue:
        return ToyDurableQueue()


app = App(plugins=[Toy()])


@app.on_startup
async def opened() -> None:
    say("user start-up")


@app.on_shutdown
async def closed() -> None:
    say("user shutdown")
'''


def hornbeam(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HORNBEAM_")}
    return subprocess.Popen(
        [sys.executable, "-m", "hornbeam", *args], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_an_in_memory_queue_cannot_serve_a_worker() -> None:
    process = hornbeam("worker", "sample:app", cwd=ROOT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(
        "error: the task queue of sample:app (InMemoryTaskQueue from plugin 'tasks') keeps its tasks in the memory"
    ), err
    assert "hornbeam-docket" in lines[0]


def test_a_durable_queue_runs_its_worker_until_sigterm(tmp_path: Path) -> None:
    (tmp_path / "toy_worker_app.py").write_text(textwrap.dedent(TOY_APP))
    process = hornbeam("worker", "toy_worker_app:app", cwd=tmp_path)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]  # blocks until the worker is up
        assert lines == ["queue started", "user start-up", "worker started"], lines
        os.kill(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, err
    assert out.split() == "queue drained user shutdown".split(), out
    assert "stopping: draining its tasks" in err


def test_a_failing_start_up_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "broken_worker_app.py").write_text(
        "from hornbeam import App\napp = App()\n\n@app.on_startup\nasync def boom() -> None:\n    raise RuntimeError('no database')\n"
    )
    process = hornbeam("worker", "broken_worker_app:app", cwd=tmp_path)
    out, err = process.communicate(timeout=60)  # returns on its own: no signal is sent
    assert process.returncode == 1
    assert "RuntimeError: no database" in err


def test_serve_worker_in_process(tmp_path: Path) -> None:
    (tmp_path / "toy_in_process.py").write_text(textwrap.dedent(TOY_APP))
    spec = importlib.util.spec_from_file_location("toy_in_process", tmp_path / "toy_in_process.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    async def stopped_at_once(app: App) -> None:
        stop = asyncio.Event()
        stop.set()
        await serve_worker(app, stop, "toy")

    asyncio.run(stopped_at_once(module.app))
    with pytest.raises(WorkerUnsupported, match=r"InMemoryTaskQueue from plugin 'tasks'"):
        asyncio.run(stopped_at_once(App()))
    err = io.StringIO()
    assert run_worker(App(), "bare:app", stderr=err) == 1
    assert err.getvalue().startswith("error: the task queue of bare:app")
