"""Every kind of bad input through a real uvicorn, under h11 and httptools: the right 4xx, and a server that carries on.

Requests go over raw sockets, so they can be malformed in ways httpx refuses to
be. Each case says what the client gets under each HTTP parser: an answer from
hornbeam (a 4xx is then ``application/problem+json``, small, without a
traceback) or from uvicorn's parser, which refuses some requests before the app
sees them (``400 Invalid HTTP request received.``). After each case the server
log holds no new traceback and the server answers normally. Apps: the sample,
and ``apps/edge.py`` for what the sample cannot show.
"""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import HTTP_IMPLEMENTATIONS, Server, start_server
from .rawhttp import SERVER_REFUSAL, Reply, exchange, http_request

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps"
PROBLEM_MAX = 64 * 1024
ITEMS_LIMIT = 1024 * 1024  # the sample's /items takes the app's default body limit


def post_json(target: bytes, body: bytes, content_type: str = "application/json") -> bytes:
    return http_request("POST", target, {"Content-Type": content_type}, body)


def chunked(parts: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


@dataclass(frozen=True)
class Expect:
    status: int | None  # None: the connection ends without an answer
    by: str = "app"  # "app": hornbeam answered; "server": uvicorn's parser refused it first


# What the client may get under one parser: one answer, or either of two when the parser's
# choice depends on how TCP splits the request (h11 refuses a head over 16 KiB unless it
# arrives in one read).
Outcome = Expect | tuple[Expect, Expect]


def both(status: int | None, by: str = "app") -> dict[str, Outcome]:
    return {http: Expect(status, by) for http in HTTP_IMPLEMENTATIONS}


def per_parser(h11: Outcome, httptools: Outcome) -> dict[str, Outcome]:
    return {"h11": h11, "httptools": httptools}


def h11_head_over_16_kib(app: Expect) -> Outcome:
    return (app, Expect(400, "server"))


@pytest.fixture(scope="module", params=HTTP_IMPLEMENTATIONS)
def http(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serve(target: str, http: str, factory: pytest.TempPathFactory) -> Server:
    log = factory.mktemp("uvicorn") / f"{target.partition(':')[0]}-{http}.log"
    cwd = APPS if target.startswith("edge") else APPS.parents[2]
    return start_server(target, log, cwd=cwd, args=["--http", http])


@pytest.fixture(scope="module")
def sample(http: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve("sample:app", http, tmp_path_factory)
    yield server
    server.stop()
    # Stopped, so every request has ended and the log is complete.
    assert "Traceback" not in server.log, server.log[-5000:]


@pytest.fixture(scope="module")
def edge(http: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve("edge:app", http, tmp_path_factory)
    yield server
    server.stop()
    # The only tracebacks are those of the handlers that tried to inject a header (a server error).
    injected = re.findall(r"unhandled error in (?:<Request )?GET /inject/", server.log)
    assert server.log.count("Traceback") == len(injected), server.log


def check(server: Server, reply: Reply, outcome: Outcome) -> None:
    if isinstance(outcome, tuple):
        served = outcome[0] if reply.body != SERVER_REFUSAL else outcome[1]
        check(server, reply, served)
        return
    expect = outcome
    assert reply.status == expect.status, reply.raw[:2000]
    if expect.status is None:
        assert reply.raw == b""
        return
    if expect.by == "server":
        # uvicorn's own refusal: the request never reached hornbeam.
        assert reply.body == SERVER_REFUSAL, reply.raw[:2000]
        return
    assert reply.body.count(b"HTTP/1.1 ") == 0, "a second response followed the first"
    if expect.status >= 400:
        assert reply.headers["content-type"] == "application/problem+json", reply.raw[:2000]
        assert len(reply.body) <= PROBLEM_MAX, len(reply.body)
        problem = json.loads(reply.body)
        assert problem["status"] == expect.status
        assert "Traceback" not in reply.body.decode("utf-8", "replace")


def healthy(server: Server, path: str = "/health") -> None:
    reply = exchange(server, http_request("GET", path.encode()))
    assert reply.status == 200, reply.raw[:2000]


def no_new_traceback(server: Server, since: int) -> None:
    assert "Traceback" not in server.log[since:], server.log[since:]


def run_case(server: Server, http: str, request: bytes, expected: dict[str, Outcome], **options: object) -> Reply:
    before = len(server.log)
    reply = exchange(server, request, **options)  # type: ignore[arg-type]
    check(server, reply, expected[http])
    healthy(server)
    no_new_traceback(server, before)
    return reply


NESTED = b"[" * 1025 + b"]" * 1025
WITHIN_DEPTH = b'{"name": "x", "price": 1, "tags": ' + b"[" * 1000 + b"]" * 1000 + b"}"

BODY_CASES: dict[str, tuple[bytes, dict[str, Outcome]]] = {
    "malformed JSON": (post_json(b"/items", b'{"name": "x", "price": 1'), both(400)),
    "JSON then garbage": (post_json(b"/items", b'{"name": "x", "price": 1} trailing'), both(400)),
    "single quotes": (post_json(b"/items", b"{'name': 'x', 'price': 1}"), both(400)),
    "nesting past the parser's 1024 levels": (post_json(b"/items", NESTED), both(400)),
    "nested objects past the limit": (post_json(b"/items", b'{"a":' * 1100 + b"1" + b"}" * 1100), both(400)),
    "nesting within the limit, wrong type": (post_json(b"/items", WITHIN_DEPTH), both(422)),
    "number past a double": (post_json(b"/items", b'{"name": "x", "price": 1e400}'), both(400)),
    "5,000-digit number": (post_json(b"/items", b'{"name": "x", "price": ' + b"9" * 5000 + b"}"), both(400)),
    "integer past 64 bits read as a float": (
        post_json(b"/items", b'{"name": "x", "price": 123456789012345678901234567890}'),
        both(201),
    ),
    "NaN": (post_json(b"/items", b'{"name": "x", "price": NaN}'), both(400)),
    "Infinity": (post_json(b"/items", b'{"name": "x", "price": Infinity}'), both(400)),
    "-Infinity": (post_json(b"/items", b'{"name": "x", "price": -Infinity}'), both(400)),
    "not UTF-8": (post_json(b"/items", b'{"name": "\xff\xfe", "price": 1}'), both(400)),
    "lone surrogate escape": (post_json(b"/items", b'{"name": "\\ud800", "price": 1}'), both(400)),
    "empty body": (post_json(b"/items", b""), both(400)),
    "a number where an object goes": (post_json(b"/items", b"1"), both(422)),
    "string for a number": (post_json(b"/items", b'{"name": "x", "price": "1"}'), both(422)),
    "latin-1 charset": (post_json(b"/items", '{"name": "caf\u00e9", "price": 1}'.encode("latin-1"), "application/json; charset=latin-1"), both(415)),
    "utf-16 charset": (post_json(b"/items", '{"name": "x", "price": 1}'.encode("utf-16"), "application/json; charset=utf-16"), both(415)),
    "text/plain": (post_json(b"/items", b'{"name": "x", "price": 1}', "text/plain"), both(415)),
    "form": (post_json(b"/items", b"name=x&price=1", "application/x-www-form-urlencoded"), both(415)),
    "multipart": (post_json(b"/items", b"--x--\r\n", "multipart/form-data; boundary=x"), both(415)),
    "wildcard type": (post_json(b"/items", b'{"name": "x", "price": 1}', "*/*"), both(415)),
    "no content type": (http_request("POST", b"/items", {}, b'{"name": "x", "price": 1}'), both(415)),
    "declared body over the limit": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Content-Length": "2000000"}),
        both(413),
    ),
    "body over the limit": (post_json(b"/items", b'{"name": "' + b"x" * ITEMS_LIMIT + b'", "price": 1}'), both(413)),
    "chunked body over the limit": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        + chunked([b"x" * 65536] * 20),
        both(413),
    ),
    "chunked body within the limit": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        + chunked([b'{"name": "chunked", ', b'"price": 2}']),
        both(201),
    ),
    "malformed chunk size": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        + b"zz\r\nabc\r\n0\r\n\r\n",
        both(400, "server"),
    ),
    "Content-Length not a number": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Content-Length": "twelve"}),
        both(400, "server"),
    ),
    "negative Content-Length": (
        http_request("POST", b"/items", {"Content-Type": "application/json", "Content-Length": "-1"}),
        both(400, "server"),
    ),
    # RFC 9112 lets a server refuse this framing (request smuggling); h11 lets chunked win.
    "Content-Length and chunked at once": (
        http_request(
            "POST", b"/items", {"Content-Type": "application/json", "Content-Length": "5", "Transfer-Encoding": "chunked"}
        )
        + b"0\r\n\r\n",
        per_parser(Expect(400), Expect(400, "server")),
    ),
}


@pytest.mark.parametrize("case", list(BODY_CASES))
def test_bodies(sample: Server, http: str, case: str) -> None:
    request, expected = BODY_CASES[case]
    run_case(sample, http, request, expected)


def get(target: bytes, headers: dict[str, str] | None = None) -> bytes:
    return http_request("GET", target, headers)


TARGET_CASES: dict[str, tuple[bytes, dict[str, Outcome]]] = {
    "malformed escape in the path": (get(b"/items/%zz"), both(404)),
    "truncated escape in the path": (get(b"/items/%F"), both(404)),
    "escape at the end of the path": (get(b"/tasks/%"), both(404)),
    "invalid UTF-8 once decoded": (get(b"/items/%FF%FE"), both(400)),
    "raw bytes that are not ASCII": (get(b"/items/\xff"), both(400, "server")),
    "raw NUL in the path": (get(b"/items/\x00"), both(400, "server")),
    "escaped NUL in the path": (get(b"/tasks/%00"), both(404)),
    "Arabic-Indic digits for an int": (get(b"/items/%D9%A1%D9%A2"), both(404)),
    "fullwidth digits for an int": (get(b"/items/%EF%BC%91%EF%BC%92"), both(404)),
    "dot segments are not collapsed": (get(b"/items/../health"), both(404)),
    "a 64 KB path": (get(b"/" + b"a" * 65535), per_parser(h11_head_over_16_kib(Expect(404)), Expect(400, "server"))),
    "an 8 KB path": (get(b"/" + b"a" * 8000), both(404)),
    "asterisk target": (get(b"*"), both(404)),
    "malformed escape in the query": (get(b"/items?tag=%zz"), both(200)),
    "invalid UTF-8 in the query": (get(b"/items?tag=%FF"), both(400)),
    "raw bytes that are not ASCII in the query": (get(b"/items?tag=\xff"), both(400, "server")),
    "escaped NUL in the query": (get(b"/items?tag=%00"), both(200)),
    "raw NUL in the query": (get(b"/items?tag=\x00"), both(400, "server")),
    "1,001 query fields": (get(b"/items?" + b"&".join(b"f=1" for _ in range(1001))), both(400)),
    "10,000 query fields": (
        get(b"/items?" + b"&".join(b"f%d=1" % i for i in range(10_000))),
        per_parser(h11_head_over_16_kib(Expect(400)), Expect(400, "server")),
    ),
    "100,000 query fields": (get(b"/items?" + b"&".join(b"f=1" for _ in range(100_000))), both(400, "server")),
    # What the validator does (the validation branch makes every number parser ASCII-only).
    "Arabic-Indic digits in the query": (get(b"/items?limit=%D9%A1%D9%A2"), both(422)),
    "fullwidth digits in the query": (get(b"/items?limit=%EF%BC%91%EF%BC%90"), both(422)),
    "superscript digit in the query": (get(b"/items?offset=%C2%B2"), both(422)),
    "unknown method": (http_request("FROB", b"/items"), per_parser(Expect(405), Expect(400, "server"))),
    "lower-case method": (http_request("get", b"/items"), per_parser(Expect(405), Expect(400, "server"))),
    "a method the route lacks": (http_request("TRACE", b"/items"), both(405)),
    "header without a colon": (get(b"/health", {"Junk": ""}).replace(b"Junk: \r\n", b"Junk\r\n"), both(400, "server")),
    "space in a header name": (get(b"/health", {"Bad Name": "1"}), both(400, "server")),
}


@pytest.mark.parametrize("case", list(TARGET_CASES))
def test_paths_queries_methods_and_headers(sample: Server, http: str, case: str) -> None:
    request, expected = TARGET_CASES[case]
    reply = run_case(sample, http, request, expected)
    if case == "a 64 KB path" and reply.body != SERVER_REFUSAL:
        # The path is echoed once, cut short: the whole answer stays under 1 KB.
        assert len(reply.body) < 1024 and "instance" not in json.loads(reply.body)
    if case == "unknown method" and http == "h11":
        assert reply.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_amplifying_list_errors_stay_small(sample: Server, http: str) -> None:
    # 1 MB of wrong items in a MaxLen(10) list of str: one error each would be tens of MB.
    body = b'{"name": "x", "price": 1, "tags": [' + b",".join([b"0"] * 500_000) + b"]}"
    assert len(body) < ITEMS_LIMIT
    reply = run_case(sample, http, post_json(b"/items", body), both(422))
    assert len(reply.body) <= PROBLEM_MAX


def test_amplifying_unknown_keys_stay_small(sample: Server, http: str) -> None:
    keys = b",".join(b'"%x":0' % i for i in range(95_000))
    body = b'{"name": "x", "price": 1, ' + keys + b"}"
    assert len(body) < ITEMS_LIMIT
    reply = run_case(sample, http, post_json(b"/items", body), both(422))
    assert len(reply.body) <= PROBLEM_MAX


@pytest.mark.parametrize(
    ("header", "expected", "cookies"),
    [
        (';;;=;a=b=c; "quoted"; =novalue; b=2; b=3', both(200), {"a": "b=c", "b": "2"}),
        ("a=1; " + "c" * 20_000 + "=2", per_parser(h11_head_over_16_kib(Expect(200)), Expect(200)), {"a": "1", "c" * 20_000: "2"}),
        ("a=\x01\x7f; b=2", per_parser(Expect(200), Expect(400, "server")), {"a": "\x01\x7f", "b": "2"}),
    ],
    ids=["separators", "20 KB name", "control bytes"],
)
def test_junk_cookies(edge: Server, http: str, header: str, expected: dict[str, Outcome], cookies: dict[str, str]) -> None:
    before = len(edge.log)
    reply = exchange(edge, get(b"/cookies", {"Cookie": header}))
    check(edge, reply, expected[http])
    if reply.status == 200:
        assert json.loads(reply.body) == cookies
    healthy(edge, "/ticks/closed")
    no_new_traceback(edge, before)


@pytest.mark.parametrize("how", ["constructor", "setitem", "add", "name", "cookie", "cookie-path", "media-type", "json"])
def test_a_handler_injecting_a_header_gets_a_500_problem_not_a_split_response(edge: Server, http: str, how: str) -> None:
    reply = exchange(edge, get(b"/inject/" + how.encode()))
    check(edge, reply, Expect(500))
    assert reply.headers["content-type"] == "application/problem+json"
    assert b"x-injected" not in reply.raw.lower() and b"smuggled" not in reply.raw
    assert reply.raw.count(b"HTTP/1.1 ") == 1
    assert json.loads(reply.body) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "instance": f"/inject/{how}",
    }
    healthy(edge, "/ticks/closed")


def test_a_redirect_to_a_url_with_crlf_keeps_it_in_one_header(edge: Server, http: str) -> None:
    before = len(edge.log)
    reply = exchange(edge, get(b"/inject/redirect"))
    assert reply.status == 307
    assert reply.headers["location"] == "/next%0D%0AX-Injected:%20yes"
    assert b"\r\nx-injected" not in reply.raw.lower()
    healthy(edge, "/ticks/closed")
    no_new_traceback(edge, before)


def test_a_client_that_leaves_mid_upload(sample: Server, http: str) -> None:
    before = len(sample.log)
    head = http_request("POST", b"/uploads", {"Content-Length": str(5 * 1024 * 1024)})
    reply = exchange(sample, head, body_chunks=iter([b"u" * 65536] * 16), end="close")
    check(sample, reply, Expect(None))
    healthy(sample)
    no_new_traceback(sample, before)


@pytest.mark.parametrize("end", ["half", "close"])
def test_a_content_length_longer_than_the_body(sample: Server, http: str, end: str) -> None:
    # The client sends 10 of the 100 bytes it announced, then half-closes or closes.
    before = len(sample.log)
    head = http_request("POST", b"/items", {"Content-Type": "application/json", "Content-Length": "100"})
    reply = exchange(sample, head + b'{"name": "', end=end)
    # uvicorn ends the exchange when the client stops sending; nothing is answered.
    check(sample, reply, Expect(None))
    healthy(sample)
    no_new_traceback(sample, before)


def test_a_client_that_leaves_mid_stream(edge: Server, http: str) -> None:
    def closed() -> int:
        reply = exchange(edge, get(b"/ticks/closed"))
        assert reply.status == 200
        return int(json.loads(reply.body)["closed"])

    before, already = len(edge.log), closed()
    parts = urlsplit(edge.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(get(b"/ticks?" + uuid.uuid4().hex.encode()))
        received = b""
        while received.count(b"tick") < 50:
            data = sock.recv(65536)
            assert data
            received += data
    deadline = time.monotonic() + 30  # a hang guard, not a speed check
    while closed() == already:
        if time.monotonic() > deadline:
            pytest.fail("the stream was never closed after the client left")
        time.sleep(0.05)
    no_new_traceback(edge, before)
