"""Faults through a real uvicorn: each gives its error answer (or a clean failed start) and one log line naming the culprit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import Server, free_port, start_server

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("faults:app", tmp_path_factory.mktemp("faults") / "faults.log", cwd=APPS)
    yield server
    server.stop()


def answer(server: Server, path: str, method: str = "GET") -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return client.request(method, path)


def new_log_lines(server: Server, before: int) -> list[str]:
    # The log is written by another process: give it a moment to reach the file.
    time.sleep(0.2)
    return server.log.splitlines()[before:]


@pytest.mark.parametrize(
    ("path", "status", "culprit"),
    [
        ("/raise", 500, "GET /raise (route /raise, handler faults:crash)"),
        ("/wrong", 500, "GET /wrong (route /wrong, handler faults:wrong)"),
        ("/hang", 503, "GET /hang (route /hang, handler faults:hang) took longer than 0.5s"),
        ("/guarded/thing", 500, "GET /guarded/thing (route /guarded/thing, handler faults:thing)"),
    ],
)
def test_a_failing_part_gives_its_error_answer_and_one_log_line_naming_it(
    server: Server, path: str, status: int, culprit: str
) -> None:
    before = len(server.log.splitlines())
    response = answer(server, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text and "bug" not in response.text
    lines = new_log_lines(server, before)
    assert len([line for line in lines if culprit in line]) == 1, "\n".join(lines)
    assert answer(server, "/ok").text == "ok"


def test_an_observer_that_fails_at_run_time_changes_nothing_and_is_named(server: Server) -> None:
    before = len(server.log.splitlines())
    assert answer(server, "/observed").text == "observed"
    lines = new_log_lines(server, before)
    assert len([line for line in lines if "observer hornbeam_response_ready of plugin 'faulty' failed" in line]) == 1


def test_a_plugin_failing_at_start_up_stops_the_server_naming_plugin_and_hook() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "faults:app", "--host", "127.0.0.1", "--port", str(free_port())],
        cwd=APPS,
        env={**os.environ, "FAULTS_BROKEN_STARTUP": "1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "plugin 'faulty' failed in hook hornbeam_startup: RuntimeError: database unreachable" in output
    assert "Application startup failed" in output


def test_sigterm_finishes_requests_in_flight_and_accounts_for_queued_tasks(tmp_path: Path) -> None:
    server = start_server("faults:app", tmp_path / "sigterm.log", cwd=APPS)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            task_ids = [client.post("/enqueue").json()["id"] for _ in range(3)]
        answers: list[httpx.Response] = []
        in_flight = threading.Thread(target=lambda: answers.append(answer(server, "/slow")))
        in_flight.start()
        time.sleep(0.5)  # the request is inside its handler now
        os.kill(server.process.pid, signal.SIGTERM)
        in_flight.join(15)
        server.process.wait(15)
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [200] and answers[0].text == "slow done"
    log = server.log
    for task_id in task_ids:
        assert f"task {task_id} (sleeper) abandoned at shutdown" in log
    assert "Traceback" not in log
