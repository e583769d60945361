"""A streaming response stops, and its generator's ``finally`` runs, when the client leaves: real uvicorn, h11 and httptools.

uvicorn drops what is sent after a disconnect without telling the app, so
without watching for ``http.disconnect`` a generator ran on to its last chunk,
and an idle event stream never ended.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import HTTP_IMPLEMENTATIONS, Server, start_server

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"
TOTAL_CHUNKS = 200_000


@pytest.fixture(scope="module", params=HTTP_IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("uvicorn") / f"streaming-{request.param}.log"
    # --log-level debug: the disconnect is logged at debug, and nothing of it may be a traceback.
    running = start_server("streaming:app", log, cwd=APPS, args=["--http", request.param, "--log-level", "debug"])
    yield running
    running.stop()
    assert "Traceback" not in running.log, running.log


def read_then_leave(server: Server, path: str, wanted: bytes | int) -> None:
    """GET ``path`` on a raw socket, read until ``wanted`` (bytes seen, or a byte count), then close."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        received = bytearray()
        while (wanted not in received) if isinstance(wanted, bytes) else (len(received) < wanted):
            data = sock.recv(65536)
            assert data, f"the server closed first, after {len(received)} bytes"
            received += data


def stats_once_closed(client: httpx.Client, name: str) -> dict[str, int]:
    deadline = time.monotonic() + 30  # a hang guard, not a speed check
    while True:
        stats = client.get(f"/stats/{name}").json()
        if stats.get("closed"):
            return stats  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            pytest.fail(f"the stream {name} was never closed: {stats}")
        time.sleep(0.05)


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_stream_stops_soon_after_the_client_reads_1_mb_and_leaves(server: Server, kind: str) -> None:
    name = uuid.uuid4().hex
    read_then_leave(server, f"/stream/{kind}/{name}", 1024 * 1024)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        stats = stats_once_closed(client, name)
        # What the socket buffers held, not the 200,000 chunks the generator had to give.
        assert stats["produced"] < TOTAL_CHUNKS // 2, stats
        assert client.get(f"/stats/{name}").status_code == 200


def test_an_idle_event_stream_ends_when_the_client_leaves(server: Server) -> None:
    name = uuid.uuid4().hex
    read_then_leave(server, f"/stream/events/{name}", b"id: 2\n")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert stats_once_closed(client, name) == {"produced": 3, "closed": True}


def test_an_event_stream_reaches_a_reading_client(server: Server) -> None:
    name = uuid.uuid4().hex
    with httpx.Client(base_url=server.url, timeout=30) as client:
        with client.stream("GET", f"/stream/events/{name}") as response:
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            lines = response.iter_lines()
            assert [next(lines) for _ in range(3)] == ["id: 0", "data: tick", ""]
        assert stats_once_closed(client, name)["produced"] == 3
