"""Background tasks under a real uvicorn: the sample's notify endpoint, and SIGTERM with tasks in flight."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from .conftest import start_server
from .test_sample import assert_problem

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"


def poll(client: httpx.Client, path: str, done: set[str], limit: float = 30.0) -> dict[str, object]:
    # ``limit`` is a hang guard, not a speed check: generous, so a busy machine never trips it.
    deadline = time.monotonic() + limit
    while True:
        response = client.get(path)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        if body["status"] in done:
            return body
        if time.monotonic() > deadline:
            pytest.fail(f"{path} still {body} after {limit} s")
        time.sleep(0.02)


def test_notify_retries_then_succeeds(client: httpx.Client) -> None:
    item = client.post("/items", json={"name": "kettle", "price": 30}).json()
    response = client.post(f"/items/{item['id']}/notify")
    assert response.status_code == 202, response.text
    task_id = response.json()["task_id"]
    assert response.headers["location"] == f"/tasks/{task_id}"
    task = poll(client, f"/tasks/{task_id}", {"succeeded", "failed", "cancelled"})
    assert task == {
        "id": task_id,
        "name": "notify_watchers",
        "status": "succeeded",
        "attempts": 2,
        "max_attempts": 3,
        "last_error": "ConnectionError: mail server busy",
        "result": f"'mailed about item {item['id']}'",
    }


def test_unknown_task_is_a_problem(client: httpx.Client) -> None:
    problem = assert_problem(client.get("/tasks/0123456789abcdef"), 404)
    assert "0123456789abcdef" in str(problem["detail"])


def test_notify_on_a_missing_item_is_a_problem(client: httpx.Client) -> None:
    problem = assert_problem(client.post("/items/999999/notify"), 404)
    assert "999999" in str(problem["detail"])


def test_sigterm_accounts_for_every_task(tmp_path: Path) -> None:
    server = start_server("slow_tasks:app", tmp_path / "slow_tasks.log", cwd=APPS)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            quick = client.post("/enqueue/0.3/2").json()  # finish while shutdown drains
            slow = client.post("/enqueue/60/5").json()  # 2 will be running, 3 queued at the deadline
            for task_id in quick:
                poll(client, f"/tasks/{task_id}", {"running", "succeeded"})
    finally:
        code = server.stop()
    log = server.log
    # uvicorn >= 0.29 re-raises the signal it caught once shutdown is complete, so a clean
    # stop ends "killed by SIGTERM"; a hang would end in stop()'s SIGKILL instead.
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log and "Finished server process" in log, log
    assert sorted(re.findall(r"LEDGER succeeded (\w+)", log)) == sorted(quick), log
    abandoned = dict(re.findall(r"LEDGER abandoned (\w+) pause attempts=(\d)", log))
    assert sorted(abandoned) == sorted(slow), log
    assert sorted(abandoned.values()) == ["0", "0", "0", "1", "1"], log  # two had started
    warned = re.findall(r"WARNING hornbeam\.tasks: task (\w+) \(pause\) abandoned at shutdown", log)
    assert sorted(warned) == sorted(slow), log
    assert "Traceback" not in log, log
