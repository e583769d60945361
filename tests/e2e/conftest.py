"""A real uvicorn serving an app on a free loopback port, stopped by its process id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM by pid, as a process manager would; kill if it does not exit in time."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return int(self.process.returncode)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# The HTTP parsers uvicorn can serve with; input handling is tested under each.
HTTP_IMPLEMENTATIONS = ("h11", "httptools")


def start_server(
    target: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    args: Sequence[str] = (),
) -> Server:
    """uvicorn serving ``target`` on a free loopback port; ``args`` go to uvicorn (``["--http", "h11"]``)."""
    port = free_port()
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{server.log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"uvicorn did not start within 20 s:\n{server.log}")


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server("sample:app", tmp_path_factory.mktemp("uvicorn") / "sample.log")
    yield server
    server.stop()


@pytest.fixture
def client(sample_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sample_server.url, timeout=10) as http:
        yield http
