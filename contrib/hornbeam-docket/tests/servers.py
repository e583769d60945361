"""Real processes for the multi-process tests: uvicorn and ``hornbeam worker``, on loopback, stopped by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from conftest import ROOT, free_port

APPS = Path(__file__).resolve().parent / "apps"
T = TypeVar("T")


@dataclass
class Process:
    """One child process, its log and (for a server) its URL."""

    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for the exit; SIGKILL after ``timeout`` so a hung child cannot outlive the test."""
        try:
            return int(self.process.wait(timeout))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"process {self.pid} did not exit within {timeout} s:\n{self.log}") from None

    def stop(self) -> int:
        """SIGTERM by pid, as a process manager would."""
        self.signal(signal.SIGTERM)
        return self.wait()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def environment(redis_url: str, queue: str, **settings: object) -> dict[str, str]:
    """The parent's environment without HORNBEAM_* variables, plus the queue's and ``settings`` as HORNBEAM_* ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HORNBEAM_")}
    env["HORNBEAM_DOCKET_URL"] = redis_url
    env["HORNBEAM_DOCKET_QUEUE"] = queue
    for name, value in settings.items():
        env[f"HORNBEAM_{name.upper()}"] = str(int(value) if isinstance(value, bool) else value)
    return env


def spawn(args: list[str], log_path: Path, env: Mapping[str, str], cwd: Path) -> Process:
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(args, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
    return Process(process, log_path)


def start_server(target: str, log_path: Path, env: Mapping[str, str], cwd: Path = APPS) -> Process:
    """``uvicorn target`` on a free loopback port; returns once it accepts connections."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    child = spawn(args, log_path, env, cwd)
    child.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {child.process.returncode}:\n{child.log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return child
        except OSError:
            time.sleep(0.05)
    child.stop()
    raise RuntimeError(f"uvicorn did not start within 30 s:\n{child.log}")


def start_worker(target: str, log_path: Path, env: Mapping[str, str], cwd: Path = APPS) -> Process:
    """``hornbeam worker target``; returns once its worker runs (it says so in its log)."""
    child = spawn([sys.executable, "-m", "hornbeam", "worker", target], log_path, env, cwd)
    until(lambda: "running; SIGTERM or SIGINT stops it" in child.log or child.process.poll() is not None, 30)
    assert child.process.poll() is None, child.log
    return child


def until(condition: Callable[[], T | None], limit: float, what: str = "condition") -> T:
    """Poll ``condition`` every 20 ms until it is truthy; fail after ``limit`` seconds (a guard, not a measure)."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not reached within {limit} s"
        time.sleep(0.02)


__all__ = ["APPS", "ROOT", "Process", "environment", "spawn", "start_server", "start_worker", "until"]
