"""Arbitrary bytes in the path, query, headers and body of every sample route, through a real uvicorn (h11 and httptools).

Whatever arrives: never a 5xx, and every 4xx hornbeam gives is problem+json
without a traceback. A 400 from uvicorn's own parser (bytes it refuses before
the app sees them) is recognised by its body. The server log holds no traceback
once the server has stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import HTTP_IMPLEMENTATIONS, ROOT, Server, start_server
from .rawhttp import SERVER_REFUSAL, Reply, exchange

pytestmark = pytest.mark.e2e

# Every route of the sample, "{}" where a path parameter goes.
ROUTES = [
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/items"),
    ("POST", "/items"),
    ("GET", "/items/{}"),
    ("PUT", "/items/{}"),
    ("PATCH", "/items/{}"),
    ("DELETE", "/items/{}"),
    ("POST", "/items/{}/notify"),
    ("GET", "/tasks/{}"),
    ("POST", "/uploads"),
]
HEADER_NAMES = [
    "Content-Type",
    "Cookie",
    "Accept",
    "Accept-Encoding",
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "X-Request-ID",
    "Authorization",
    "Content-Encoding",
    "Range",
    "X-Anything",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/merge-patch+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
]
# What a header value may hold on the wire (obs-text included); controls but tab are the parser's to refuse.
VALUE_BYTES = [9, *range(0x20, 0x7F), *range(0x80, 0x100)]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
json_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"name": st.text(max_size=30), "price": st.floats(allow_nan=False) | st.integers()},
        optional={"tags": st.lists(st.text(max_size=5), max_size=12), "extra": json_values},
    ),
).map(lambda value: json.dumps(value).encode())


def encoded(raw: bytes) -> bytes:
    return quote_from_bytes(raw, safe="").encode("ascii")


# Mostly text, as clients send, so that requests get past UTF-8 checks to routing and validation.
parts = st.one_of(st.text(max_size=20).map(str.encode), st.text(max_size=20).map(str.encode), st.binary(max_size=20))


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method, template = draw(st.sampled_from(ROUTES))
    method = draw(st.sampled_from([method, method, method, "HEAD", "OPTIONS", "PATCH", "TRACE"]))
    if draw(st.integers(0, 3)):
        path = template.replace("{}", draw(parts.map(encoded).map(bytes.decode))).encode()
    else:
        path = b"/" + draw(st.binary(max_size=40).map(encoded))
    pairs = draw(st.lists(st.tuples(st.sampled_from([b"limit", b"offset", b"tag"]) | parts, parts), max_size=6))
    query = b"&".join(encoded(name) + b"=" + encoded(value) for name, value in pairs)
    if draw(st.booleans()):
        query += draw(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="#"), max_size=20)).encode()
    target = path + (b"?" + query if query else b"")
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: fuzz", b"Connection: close"]
    names = draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=4, unique=True))
    if method in ("POST", "PUT", "PATCH") and "Content-Type" not in names and draw(st.integers(0, 3)):
        names.append("Content-Type")
    for name in names:
        if name == "Content-Type" and draw(st.integers(0, 3)):
            value = draw(st.sampled_from(CONTENT_TYPES)).encode()
        else:
            value = draw(st.binary(max_size=40).map(lambda b: bytes(VALUE_BYTES[x % len(VALUE_BYTES)] for x in b)))
        lines.append(name.encode() + b": " + value.strip(b" \t"))
    body = draw(st.one_of(st.just(b""), st.binary(max_size=512), json_bodies, json_bodies))
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(scope="module", params=HTTP_IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("uvicorn") / f"fuzz-{request.param}.log"
    running = start_server("sample:app", log, cwd=ROOT, args=["--http", request.param])
    yield running
    running.stop()
    # The marker of a Python traceback, not the word: a fuzzed query may say "Traceback" in the access log.
    assert TRACEBACK not in running.log, running.log[-5000:]


def check(reply: Reply, head: bool) -> None:
    assert reply.status is not None, "the connection ended without an answer"
    assert reply.status < 500, reply.raw[:2000]
    if 400 <= reply.status < 500 and reply.body != SERVER_REFUSAL:
        assert reply.headers["content-type"] == "application/problem+json", reply.raw[:2000]
        if head:  # the headers of the problem, without its body
            return
        problem = json.loads(reply.body)
        assert problem["status"] == reply.status
        assert TRACEBACK not in reply.body.decode("utf-8", "replace")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests())
def test_any_request_to_any_route_is_answered_cleanly(server: Server, request: bytes) -> None:
    check(exchange(server, request), head=request.startswith(b"HEAD "))
