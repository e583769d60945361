"""Hypothesis: how a body is split into chunks never changes what a handler reads; headers parse from any bytes."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, Headers, Request
from hornbeam.requests import parse_content_type, parse_cookies

app = App(max_body_size=4096)


@app.post("/body")
async def read_body(request: Request[Any, Any]) -> dict[str, Any]:
    return {"body": (await request.body()).hex()}


@app.post("/stream")
async def read_stream(request: Request[Any, Any]) -> dict[str, Any]:
    return {"body": b"".join([chunk async for chunk in request.stream()]).hex()}


def run(path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    messages = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


@st.composite
def split(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    body = draw(st.binary(max_size=6000))
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
    edges = [0, *cuts, len(body)]
    return body, [body[a:b] for a, b in zip(edges, edges[1:])]


@settings(max_examples=200, deadline=None)
@given(split(), st.sampled_from(["/body", "/stream"]), st.booleans())
def test_chunking_never_changes_what_the_handler_reads(data: tuple[bytes, list[bytes]], path: str, declare: bool) -> None:
    body, chunks = data
    headers = [(b"content-length", str(len(body)).encode())] if declare else []
    status, answer = run(path, chunks, headers)
    if len(body) > 4096:
        assert status == 413
    else:
        assert status == 200
        assert answer == b'{"body":"' + body.hex().encode() + b'"}'


header_bytes = st.binary(min_size=0, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(header_bytes, header_bytes), max_size=8), st.text(max_size=10))
def test_headers_from_arbitrary_bytes(raw: list[tuple[bytes, bytes]], key: str) -> None:
    headers = Headers(raw)
    # Header names are ASCII tokens: case folding is ASCII-only, like bytes.lower().
    names = {k.lower().decode("latin-1") for k, _ in raw}
    assert set(headers) == names and len(headers) == len(names)
    for name in names:
        assert headers.getlist(name) == [v.decode("latin-1") for k, v in raw if k.lower().decode("latin-1") == name]
        assert headers[name] == headers.getlist(name)[0]
    try:
        folded = key.encode("latin-1").lower().decode("latin-1")
    except UnicodeEncodeError:
        assert key not in headers and headers.getlist(key) == []
        return
    assert (key in headers) == (folded in names)
    cookie = headers.get("cookie")
    if cookie is not None:
        assert isinstance(parse_cookies(cookie), dict)
    media_type, params = parse_content_type(headers.get("content-type"))
    assert media_type == media_type.lower() and isinstance(params, dict)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(header_bytes, header_bytes), max_size=6))
def test_arbitrary_request_headers_never_cause_a_500(raw: list[tuple[bytes, bytes]]) -> None:
    status, _ = run("/body", [b"{}"], [(k.lower(), v) for k, v in raw])
    # A lying or malformed Content-Length is the client's error; nothing else may fail.
    assert status in (200, 400, 413)
