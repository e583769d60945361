"""WebSockets from outside: the ``websockets`` client against uvicorn, over each of uvicorn's WebSocket backends."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, NegotiationError

from .conftest import Server, start_server

pytestmark = pytest.mark.e2e

T = TypeVar("T")
APPS = __import__("pathlib").Path(__file__).parent / "apps"
LIMIT = 1024
# Bounds every wait on the network, so a broken server fails the test instead of hanging it; never asserted.
PATIENCE = 10.0


@pytest.fixture(scope="module", params=["websockets-sansio", "wsproto"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    backend = request.param
    log = tmp_path_factory.mktemp("sockets") / f"{backend}.log"
    server = start_server("sockets:app", log, cwd=APPS, args=["--ws", backend])
    yield server
    server.stop()


def ws_url(server: Server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def run(main: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(main(), PATIENCE)

    return asyncio.run(bounded())


def backend(server: Server) -> str:
    return server.process.args[-1]  # type: ignore[index, no-any-return]


async def closing_code(ws: ClientConnection) -> tuple[int | None, str]:
    """Read until the connection closes; the code and reason of the server's close frame (None: it sent none)."""
    with pytest.raises(ConnectionClosed):
        while True:
            await ws.recv()
    frame = ws.protocol.close_rcvd
    return (frame.code, frame.reason) if frame is not None else (None, "")


def test_handshake_chooses_a_subprotocol_the_client_offered(server: Server) -> None:
    async def main() -> list[str | None]:
        chosen = []
        for offered in (["chat.v1", "chat.v2"], ["chat.v9", "chat.v2"], ["chat.v9"], None):
            async with connect(ws_url(server, "/echo"), subprotocols=offered) as ws:  # type: ignore[arg-type]
                chosen.append(ws.subprotocol)
        return chosen

    # None acceptable: the app accepts without a subprotocol, and the client may go on or leave.
    assert run(main) == ["chat.v1", "chat.v2", None, None]


def test_text_binary_and_json_echo(server: Server) -> None:
    async def main() -> tuple[Any, ...]:
        async with connect(ws_url(server, "/echo")) as ws:
            await ws.send("héllo ✓")
            text = await ws.recv()
            await ws.send(b"\x00\xff binary")
            data = await ws.recv()
        async with connect(ws_url(server, "/json")) as ws:
            await ws.send(json.dumps({"n": [1, 2.5, None]}))
            echoed = json.loads(await ws.recv())
        return text, data, echoed

    assert run(main) == ("héllo ✓", b"\x00\xff binary", {"echo": {"n": [1, 2.5, None]}})


def test_a_message_at_the_limit_is_echoed_and_one_past_it_closes_with_1009(server: Server) -> None:
    async def main() -> tuple[Any, ...]:
        async with connect(ws_url(server, "/echo")) as ws:
            at_limit = "é" * (LIMIT // 2)  # exactly LIMIT bytes of UTF-8
            await ws.send(at_limit)
            same = await ws.recv() == at_limit
            await ws.send(b"x" * (LIMIT + 1))
            code, reason = await closing_code(ws)
        return same, code, reason

    same, code, reason = run(main)
    assert same and code == 1009 and f"the limit is {LIMIT}" in reason


@pytest.mark.parametrize("code", [1000, 1001, 4000, 4999])
def test_close_codes_chosen_by_the_app_reach_the_client(server: Server, code: int) -> None:
    async def main() -> tuple[int | None, str]:
        async with connect(ws_url(server, f"/close/{code}")) as ws:
            return await closing_code(ws)

    assert run(main) == (code, "chosen by the app")


def test_a_client_that_leaves_is_seen_by_the_handler_as_websocket_disconnect(server: Server) -> None:
    async def main() -> None:
        async with connect(ws_url(server, "/watch")) as ws:
            await ws.send("hello")
            await ws.close(4123, "bye")

    with httpx.Client(base_url=server.url, timeout=PATIENCE) as http:
        before = len(http.get("/disconnects").json())
        run(main)
        assert poll(lambda: http.get("/disconnects").json()[before:]) == [4123]


def test_a_denial_carries_its_status_and_problem_body(server: Server) -> None:
    async def main() -> InvalidStatus:
        with pytest.raises(InvalidStatus) as denied:
            async with connect(ws_url(server, "/members/blue")):
                pass
        return denied.value

    response = run(main).response
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert json.loads(response.body) == {
        "type": "about:blank", "title": "Forbidden", "status": 403,
        "detail": "room blue is for members only", "instance": "/members/blue",
    }  # fmt: skip


def test_an_unknown_path_is_denied_with_404(server: Server) -> None:
    async def main() -> int:
        with pytest.raises(InvalidStatus) as denied:
            async with connect(ws_url(server, "/nowhere")):
                pass
        return denied.value.response.status_code

    assert run(main) == 404


def test_a_handler_exception_closes_with_1011_and_one_log_line(server: Server, record_property: Any) -> None:
    before = len(server.log.splitlines())

    async def main() -> tuple[int | None, str]:
        async with connect(ws_url(server, "/crash")) as ws:
            await ws.send("boom")
            return await closing_code(ws)

    code, _ = run(main)
    record_property(f"close code after a crash ({backend(server)})", code)
    # Both backends send the close frame the app asked for; a backend that sent none would be recorded above.
    assert code == 1011
    culprit = "WEBSOCKET /crash (route /crash, handler sockets:crash) failed; closed with 1011"
    lines = poll(lambda: [line for line in server.log.splitlines()[before:] if culprit in line])
    assert len(lines) == 1


def test_ping_is_answered_with_pong(server: Server) -> None:
    async def main() -> str:
        async with connect(ws_url(server, "/echo"), ping_interval=None) as ws:
            pong = await ws.ping(b"are you there")
            await pong
            await ws.send("still open")
            return str(await ws.recv())

    assert run(main) == "still open"


def test_no_task_is_left_running_after_connections_end(server: Server) -> None:
    async def main() -> None:
        async with connect(ws_url(server, "/echo")) as ws:
            await ws.send("x")
            await ws.recv()
        async with connect(ws_url(server, "/watch")) as ws:
            await ws.send("x")
        async with connect(ws_url(server, "/crash")) as ws:
            await ws.send("x")
            await closing_code(ws)
        async with connect(ws_url(server, "/echo")) as ws:
            await ws.send(b"x" * (LIMIT + 1))
            await closing_code(ws)

    with httpx.Client(base_url=server.url, timeout=PATIENCE) as http:
        before = http.get("/tasks").json()
        run(main)
        assert poll(lambda: http.get("/tasks").json(), until=lambda tasks: tasks == before) == before


def test_http_to_a_websocket_path_is_426(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=PATIENCE) as http:
        response = http.get("/echo")
        assert response.status_code == 426 and response.headers["upgrade"] == "websocket"
        assert http.get("/disconnects").status_code == 200  # the connection is still usable


def test_a_subprotocol_the_client_did_not_offer_is_never_sent(server: Server) -> None:
    # The app only ever picks from what was offered, so the client's negotiation check never fails.
    async def main() -> str | None:
        async with connect(ws_url(server, "/echo"), subprotocols=["chat.v2"]) as ws:  # type: ignore[list-item]
            return ws.subprotocol

    try:
        assert run(main) == "chat.v2"
    except NegotiationError as exc:  # pragma: no cover - would mean the app sent a wrong one
        pytest.fail(str(exc))


def poll(read: Callable[[], T], until: Callable[[T], bool] = bool, attempts: int = 100) -> T:
    """``read()`` until ``until`` holds (another process writes it): at most ``attempts`` tries, 0.05 s apart."""
    value = read()
    for _ in range(attempts):
        if until(value):
            return value
        time.sleep(0.05)
        value = read()
    return value
