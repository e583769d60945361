"""Streaming responses: they stop, and close their iterator, when the client leaves; sync iterables run in a thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from hornbeam import App, Request, Response, StreamingResponse
from hornbeam.responses import iterate_chunks
from hornbeam.testing import AsyncTestClient

Message = dict[str, Any]
# A hang guard for each exchange, not a speed check.
GUARD = 30.0


class Client:
    """One connection as a server presents it: the request, then a disconnect once the client has left."""

    def __init__(self, body: list[bytes] | None = None, leave_after: int | None = None) -> None:
        self.body = list(body or [])
        self.leave_after = leave_after
        self.left = asyncio.Event()
        self.messages: list[Message] = []
        self.receives = 0

    @property
    def chunks(self) -> list[bytes]:
        return [m["body"] for m in self.messages if m["type"] == "http.response.body" and m.get("more_body")]

    async def receive(self) -> Message:
        self.receives += 1
        if self.body:
            chunk = self.body.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self.body)}
        if self.receives == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        # Like uvicorn: once the client has gone, messages are dropped without an error.
        if self.left.is_set():
            return
        self.messages.append(message)
        if self.leave_after is not None and len(self.chunks) >= self.leave_after:
            self.left.set()


def scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
    }


def serve(app: App, client: Client, path: str, method: str = "GET") -> None:
    asyncio.run(asyncio.wait_for(app(scope(path, method), client.receive, client.send), GUARD))


def streaming_app(make: Callable[[], Any], **route: Any) -> App:
    app = App()

    @app.route("/stream", ["GET", "POST"], **route)
    async def stream(request: Request[Any, Any]) -> Response:
        return StreamingResponse(make(), media_type="text/plain")

    return app


def test_an_async_stream_stops_and_closes_when_the_client_leaves() -> None:
    produced: list[int] = []
    closed: list[bool] = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            for i in range(200_000):
                produced.append(i)
                yield b"x" * 1024
        finally:
            closed.append(True)

    client = Client(leave_after=3)
    serve(streaming_app(chunks), client, "/stream")
    assert closed == [True]
    assert len(produced) < 10
    assert len(client.chunks) == 3


def test_an_endless_stream_waiting_for_events_is_cancelled_and_closed() -> None:
    closed: list[bool] = []
    cancelled: list[bool] = []
    client = Client()

    async def events() -> AsyncIterator[str]:
        try:
            yield "data: hello\n\n"
            client.left.set()  # the client leaves while the stream waits for its next event
            try:
                await asyncio.Event().wait()  # no more events, ever
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
            yield "data: never\n\n"
        finally:
            closed.append(True)

    serve(streaming_app(events), client, "/stream")
    assert cancelled == [True] and closed == [True]
    assert client.chunks == [b"data: hello\n\n"]


def test_a_sync_stream_runs_in_a_worker_thread_and_is_closed_there() -> None:
    threads: list[threading.Thread] = []
    closed: list[threading.Thread] = []

    def chunks() -> Iterator[bytes]:
        try:
            for _ in range(200_000):
                threads.append(threading.current_thread())
                yield b"y" * 1024
        finally:
            closed.append(threading.current_thread())

    client = Client(leave_after=3)
    loop_threads: list[threading.Thread] = []

    async def main() -> None:
        loop_threads.append(threading.current_thread())
        await asyncio.wait_for(streaming_app(chunks)(scope("/stream"), client.receive, client.send), GUARD)

    asyncio.run(main())
    assert len(closed) == 1 and len(threads) < 10
    assert loop_threads[0] not in {*threads, *closed}


def test_a_sync_stream_blocked_in_next_is_closed_once_next_returns() -> None:
    # close() on a generator that a thread is running raises; it must wait for that next() to return.
    gate = threading.Event()
    closed: list[bool] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"first"
            gate.wait(0.2)  # still running when the client leaves
            yield b"second"
            yield b"third"
        finally:
            closed.append(True)

    client = Client(leave_after=1)
    serve(streaming_app(chunks), client, "/stream")
    assert closed == [True]
    assert client.chunks == [b"first"]


def test_the_stream_can_read_the_request_body_while_the_client_is_watched() -> None:
    app = App(max_body_size=None)

    @app.post("/echo")
    async def echo(request: Request[Any, Any]) -> Response:
        return StreamingResponse(request.stream())

    # More than the watch holds unread, in many messages.
    parts = [bytes([i % 251]) * 65_536 for i in range(40)]

    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async def main() -> bytes:
        async with AsyncTestClient(app) as client:
            response = await client.post("/echo", content=body())
            assert response.status_code == 200
            return response.content

    assert asyncio.run(asyncio.wait_for(main(), GUARD)) == b"".join(parts)


def test_an_unread_body_past_the_limit_does_not_hide_the_client_leaving() -> None:
    closed: list[bool] = []

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    client = Client(body=[b"z" * 65_536] * 64, leave_after=5)  # 4 MiB the handler never reads
    serve(streaming_app(endless, max_body_size=1024), client, "/stream", "POST")
    assert closed == [True]


def test_a_server_that_never_blocks_receive_is_not_spun_on() -> None:
    app = streaming_app(lambda: iter([b"a", b"b", b"c"]))
    calls: list[Message] = []

    async def receive() -> Message:
        calls.append({})
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope("/stream"), receive, send), GUARD))
    assert [m["body"] for m in sent[1:]] == [b"a", b"b", b"c", b""]
    assert len(calls) <= 3


def test_head_closes_an_async_stream_without_starting_it() -> None:
    started: list[bool] = []

    async def chunks() -> AsyncIterator[bytes]:
        started.append(True)
        yield b"x"

    stream = chunks()
    client = Client()
    serve(streaming_app(lambda: stream), client, "/stream", "HEAD")
    assert started == []
    with pytest.raises(StopAsyncIteration):
        asyncio.run(anext(stream))  # closed


def test_head_closes_the_stream_without_iterating_it() -> None:
    class Source:
        def __init__(self) -> None:
            self.closed = False
            self.iterated = False

        def __iter__(self) -> Iterator[bytes]:
            self.iterated = True
            yield b"x"

        def close(self) -> None:
            self.closed = True

    source = Source()
    client = Client()
    serve(streaming_app(lambda: source), client, "/stream", "HEAD")
    assert source.closed and not source.iterated
    assert [m.get("body") for m in client.messages[1:]] == [b""]


def test_a_cancelled_exchange_closes_the_stream() -> None:
    closed: list[bool] = []
    started = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield b"one"
            started.set()
            await asyncio.Event().wait()
            yield b"two"
        finally:
            closed.append(True)

    async def main() -> None:
        client = Client()
        call = asyncio.ensure_future(streaming_app(chunks)(scope("/stream"), client.receive, client.send))
        await asyncio.wait_for(started.wait(), GUARD)
        call.cancel()  # as a server does at shutdown
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(main())
    assert closed == [True]


def test_an_error_in_the_stream_is_logged_and_ends_the_exchange(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"ok"
        raise RuntimeError("the disk went away")

    client = Client()
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        serve(streaming_app(broken), client, "/stream")
    assert client.chunks == [b"ok"]
    (record,) = [r for r in caplog.records if r.name == "hornbeam"]
    assert record.getMessage().startswith("failed while sending the response")
    assert record.exc_info is not None and "the disk went away" in str(record.exc_info[1])


def test_a_stream_reading_the_body_when_the_client_leaves_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    app = App()
    received: list[bytes] = []

    class Leaving(Client):
        async def receive(self) -> Message:
            self.receives += 1
            if self.receives == 1:
                return {"type": "http.request", "body": b"part", "more_body": True}
            await self.left.wait()
            return {"type": "http.disconnect"}

    client = Leaving()

    @app.post("/echo")
    async def echo(request: Request[Any, Any]) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            body = request.stream()
            received.append(await anext(body))
            yield received[-1]
            client.left.set()  # gone while the stream waits for the rest of the body
            async for chunk in body:
                received.append(chunk)
                yield chunk

        return StreamingResponse(chunks())

    with caplog.at_level(logging.DEBUG, logger="hornbeam"):
        serve(app, client, "/echo", "POST")
    assert received == [b"part"] and client.chunks == [b"part"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_channel_that_cannot_be_watched_lets_the_stream_finish() -> None:
    for trouble in ("unknown message", "receive fails"):
        calls = 0

        async def receive() -> Message:
            nonlocal calls
            calls += 1
            if calls == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            if trouble == "receive fails" or calls > 2:
                raise RuntimeError("the server's receive broke")
            return {"type": "http.something.else"}

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        app = streaming_app(lambda: iter([b"a", b"b"]))
        asyncio.run(asyncio.wait_for(app(scope("/stream"), receive, send), GUARD))
        assert [m["body"] for m in sent[1:]] == [b"a", b"b", b""], trouble


class TestIterateChunks:
    """The one rule both StreamingResponse and the gzip middleware follow."""

    def test_async_iterables_are_iterated_as_they_are(self) -> None:
        async def items() -> AsyncIterator[str]:
            yield "a"
            yield "b"

        async def collect() -> list[bytes | str]:
            return [chunk async for chunk in iterate_chunks(items())]

        assert asyncio.run(collect()) == ["a", "b"]

    def test_sync_iterables_are_advanced_and_closed_in_a_worker_thread(self) -> None:
        seen: list[threading.Thread] = []

        class Chunks:
            def __init__(self) -> None:
                self.left = [b"1", b"2"]

            def __iter__(self) -> Chunks:
                return self

            def __next__(self) -> bytes:
                seen.append(threading.current_thread())
                if not self.left:
                    raise StopIteration
                return self.left.pop(0)

            def close(self) -> None:
                seen.append(threading.current_thread())

        async def collect() -> list[bytes | str]:
            return [chunk async for chunk in iterate_chunks(Chunks())]

        assert asyncio.run(collect()) == [b"1", b"2"]
        assert len(seen) == 4 and threading.main_thread() not in seen

    def test_async_iterators_without_aclose_are_iterated_too(self) -> None:
        class Countdown:
            def __init__(self) -> None:
                self.left = 2

            def __aiter__(self) -> Countdown:
                return self

            async def __anext__(self) -> bytes:
                if not self.left:
                    raise StopAsyncIteration
                self.left -= 1
                return b"%d" % self.left

        async def collect() -> list[bytes | str]:
            return [chunk async for chunk in iterate_chunks(Countdown())]

        assert asyncio.run(collect()) == [b"1", b"0"]

    def test_plain_lists_need_no_close(self) -> None:
        async def collect() -> list[bytes | str]:
            return [chunk async for chunk in iterate_chunks([b"a", "b"])]

        assert asyncio.run(collect()) == [b"a", "b"]
