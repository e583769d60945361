"""The Request object: URL parts, headers, cookies, and the body read at most once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from hornbeam import App, BadRequest, QueryParams, Request, State
from hornbeam.requests import parse_content_type, parse_cookies
from hornbeam.testing import AsyncTestClient, TestClient

Message = dict[str, Any]


def run_asgi(
    app: App,
    method: str,
    path: str,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    messages: list[Message] | None = None,
    query_string: bytes = b"",
    log: list[str] | None = None,
) -> list[Message]:
    """Drive ``app`` directly with the given receive messages; returns what it sent."""
    queue = list(messages if messages is not None else [{"type": "http.request", "body": b"", "more_body": False}])
    out: list[Message] = []

    async def receive() -> Message:
        if log is not None:
            log.append("receive")
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        out.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": "",
        "headers": headers or [],
        "client": ("10.0.0.1", 1234),
        "server": ("example.org", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 5))
    return out


def chunks(*parts: bytes) -> list[Message]:
    """``http.request`` messages carrying ``parts``, the last one closing the body."""
    return [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]


def status_of(sent: list[Message]) -> int:
    return int(sent[0]["status"])


def body_of(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent[1:])


def async_request(app: App, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request through AsyncTestClient; a hang fails the test instead of blocking it."""

    async def go() -> httpx.Response:
        async with AsyncTestClient(app) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(asyncio.wait_for(go(), 2))


def make_request(headers: list[tuple[bytes, bytes]] | None = None, **scope: Any) -> Request[Any, Any]:
    full = {"type": "http", "method": "GET", "path": "/", "headers": headers or [], **scope}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    return Request(full, receive, App(), {}, None)


# URL parts and headers ---------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = App()

    @app.route("/items/{item_id:int}", methods=["GET", "DELETE"], name="item")
    async def item(request: Request[Any, Any], item_id: int) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "url": request.url,
            "host": request.host,
            "scheme": request.scheme,
            "client": list(request.client or ()),
            "query_string": request.query_string.decode(),
            "path_params": request.path_params,
            "x_multi": request.headers.getlist("x-multi"),
            "x_single": request.headers.get("X-Single"),
            "cookies": request.cookies,
            "content_type": list(request.content_type),
            "content_length": request.content_length,
            "repr": repr(request),
        }

    @app.get("/query")
    async def query(request: Request[Any, Any]) -> dict[str, Any]:
        params = request.query
        assert isinstance(params, QueryParams)
        assert request.query is params  # parsed once
        return {"a": params.get("a"), "all_a": params.getlist("a"), "b": params.get("b"), "has_c": "c" in params}

    @app.get("/state")
    async def state(request: Request[Any, Any]) -> dict[str, Any]:
        assert isinstance(request.state, State)
        assert request.state is request.state
        seen = hasattr(request.state, "counter")
        request.state.counter = 1
        return {"seen_before": seen, "counter": request.state.counter}

    @app.get("/links/{slug}/{rest:path}", name="links")
    async def links(request: Request[Any, Any]) -> dict[str, Any]:
        return {
            "item": request.url_for("item", item_id=7),
            "links": request.url_for("links", slug="a b", rest="x/y"),
        }

    @app.get("/bad-length")
    async def bad_length(request: Request[Any, Any]) -> dict[str, Any]:
        return {"length": request.content_length}

    with TestClient(app) as client:
        yield client


class TestURLParts:
    def test_basic_parts(self, client: TestClient) -> None:
        data = client.get("/items/5?x=1&y=%20z").json()
        assert data["method"] == "GET"
        assert data["path"] == "/items/5"
        assert data["url"] == "http://testserver/items/5?x=1&y=%20z"
        assert data["host"] == "testserver"
        assert data["scheme"] == "http"
        assert data["client"] == ["testclient", 50000]
        assert data["query_string"] == "x=1&y=%20z"
        assert data["path_params"] == {"item_id": 5}
        assert data["repr"] == "<Request GET /items/5>"

    def test_method_other_than_get(self, client: TestClient) -> None:
        assert client.delete("/items/1").json()["method"] == "DELETE"

    def test_no_query_string(self, client: TestClient) -> None:
        data = client.get("/items/5").json()
        assert data["query_string"] == ""
        assert data["url"] == "http://testserver/items/5"

    def test_https_and_host_with_port(self) -> None:
        app = App()

        @app.get("/")
        async def home(request: Request[Any, Any]) -> dict[str, Any]:
            return {"url": request.url, "scheme": request.scheme, "host": request.host}

        with TestClient(app, base_url="https://example.com:8443") as c:
            data = c.get("/?q=1").json()
        assert data == {"url": "https://example.com:8443/?q=1", "scheme": "https", "host": "example.com:8443"}

    def test_percent_encoded_path_is_kept_in_url(self, client: TestClient) -> None:
        data = client.get("/links/a%20b/x%2Fy").json()
        assert data["links"] == "/links/a%20b/x/y"

    def test_host_falls_back_to_server(self) -> None:
        assert make_request(server=("example.org", 80)).host == "example.org"
        assert make_request(server=("example.org", 8080)).host == "example.org:8080"
        assert make_request(scheme="https", server=("example.org", 443)).host == "example.org"
        assert make_request(scheme="https", server=("example.org", 80)).host == "example.org:80"
        assert make_request(server=("unix.sock", None)).host == "unix.sock"
        assert make_request().host == ""

    def test_host_header_wins(self) -> None:
        request = make_request([(b"host", b"api.example.com")], server=("10.0.0.1", 8000))
        assert request.host == "api.example.com"

    def test_defaults_for_a_minimal_scope(self) -> None:
        request = make_request()
        assert request.scheme == "http"
        assert request.query_string == b""
        assert request.client is None
        assert request.url == "http:///"

    def test_client_is_a_tuple(self) -> None:
        assert make_request(client=["1.2.3.4", 5]).client == ("1.2.3.4", 5)

    def test_headers_multi_value_and_case_insensitive(self, client: TestClient) -> None:
        data = client.get("/items/1", headers=[("X-Multi", "a"), ("x-multi", "b"), ("X-SINGLE", "s")]).json()
        assert data["x_multi"] == ["a", "b"]
        assert data["x_single"] == "s"

    def test_headers_parsed_once(self) -> None:
        request = make_request([(b"x-a", b"1")])
        assert request.headers is request.headers
        assert request.headers["X-A"] == "1"


class TestQueryStateURLFor:
    def test_query_via_the_query_plugin(self, client: TestClient) -> None:
        data = client.get("/query?a=1&a=2&b=x+y%21&c=").json()
        assert data == {"a": "2", "all_a": ["1", "2"], "b": "x y!", "has_c": True}

    def test_empty_query(self, client: TestClient) -> None:
        assert client.get("/query").json() == {"a": None, "all_a": [], "b": None, "has_c": False}

    def test_state_is_per_request(self, client: TestClient) -> None:
        assert client.get("/state").json() == {"seen_before": False, "counter": 1}
        assert client.get("/state").json() == {"seen_before": False, "counter": 1}

    def test_url_for(self, client: TestClient) -> None:
        assert client.get("/links/s/r").json() == {"item": "/items/7", "links": "/links/a%20b/x/y"}


# Cookies and content type --------------------------------------------------------


class TestCookies:
    def test_lenient_parsing_through_the_app(self, client: TestClient) -> None:
        header = 'a=1; malformed; b="quoted value"; =nameless; c=x=y; a=2;; d='
        data = client.get("/items/1", headers={"cookie": header}).json()
        assert data["cookies"] == {"a": "1", "b": "quoted value", "c": "x=y", "d": ""}

    def test_no_cookie_header(self, client: TestClient) -> None:
        assert client.get("/items/1").json()["cookies"] == {}

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("a=1", {"a": "1"}),
            ("a=1;b=2", {"a": "1", "b": "2"}),
            ("  a = 1 ;  b=2  ", {"a": "1", "b": "2"}),
            ('a="x"', {"a": "x"}),
            ('a="', {"a": '"'}),
            ('a=""', {"a": ""}),
            ("junk; a=1", {"a": "1"}),
            ("a=1; junk", {"a": "1"}),
            ('bad"pair; good=yes', {"good": "yes"}),
            ("a=1; a=2", {"a": "1"}),
            ("", {}),
        ],
    )
    def test_parse_cookies(self, header: str, expected: dict[str, str]) -> None:
        assert parse_cookies(header) == expected

    def test_a_pair_simplecookie_rejects_does_not_drop_the_others(self) -> None:
        # http.cookies.SimpleCookie stops at "b=a b c" (unquoted spaces); we must not.
        assert parse_cookies("a=1; b=a b c; c=3") == {"a": "1", "b": "a b c", "c": "3"}


class TestContentType:
    def test_through_the_app(self, client: TestClient) -> None:
        data = client.get("/items/1", headers={"content-type": 'Multipart/Form-Data; Boundary="xyz"; charset=UTF-8'}).json()
        assert data["content_type"] == ["multipart/form-data", {"boundary": "xyz", "charset": "UTF-8"}]

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (None, ("", {})),
            ("", ("", {})),
            ("application/json", ("application/json", {})),
            ("TEXT/HTML ; charset=latin-1", ("text/html", {"charset": "latin-1"})),
            ("text/plain;charset=utf-8;format=flowed", ("text/plain", {"charset": "utf-8", "format": "flowed"})),
            ("text/plain; junk; q=1", ("text/plain", {"q": "1"})),
        ],
    )
    def test_parse_content_type(self, header: str | None, expected: tuple[str, dict[str, str]]) -> None:
        assert parse_content_type(header) == expected

    def test_request_property(self) -> None:
        request = make_request([(b"content-type", b"application/json; charset=utf-8")])
        assert request.content_type == ("application/json", {"charset": "utf-8"})
        assert make_request().content_type == ("", {})


class TestContentLength:
    def test_absent(self, client: TestClient) -> None:
        assert client.get("/items/1").json()["content_length"] is None

    def test_declared(self) -> None:
        assert make_request([(b"content-length", b"12")]).content_length == 12
        assert make_request([(b"content-length", b"0")]).content_length == 0

    @pytest.mark.parametrize("value", [b"abc", b"-1", b"+5", b"1.0", b"1e3", b"", b" 5", "\u0663".encode()])
    def test_malformed_raises_bad_request(self, value: bytes) -> None:
        with pytest.raises(BadRequest, match="Content-Length"):
            make_request([(b"content-length", value)]).content_length

    def test_malformed_is_a_400_problem(self, client: TestClient) -> None:
        response = client.get("/bad-length", headers={"content-length": "twelve"})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "invalid Content-Length header 'twelve'"


# The body ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def body_app() -> App:
    app = App(max_body_size=1000)

    @app.post("/body")
    async def body(request: Request[Any, Any]) -> dict[str, Any]:
        first = await request.body()
        second = await request.body()
        streamed = [c async for c in request.stream()]
        return {"body": first.decode("latin-1"), "same": first is second, "streamed": [c.decode() for c in streamed]}

    @app.post("/chunks")
    async def stream_chunks(request: Request[Any, Any]) -> dict[str, Any]:
        return {"chunks": [c.decode() async for c in request.stream()]}

    @app.post("/stream-twice")
    async def stream_twice(request: Request[Any, Any]) -> dict[str, Any]:
        first = [c async for c in request.stream()]
        try:
            [c async for c in request.stream()]
        except RuntimeError as exc:
            return {"first": len(first), "error": str(exc)}
        return {"first": len(first), "error": None}

    @app.post("/stream-then-body")
    async def stream_then_body(request: Request[Any, Any]) -> dict[str, Any]:
        [c async for c in request.stream()]
        try:
            await request.body()
        except RuntimeError:
            return {"error": True}
        return {"error": False}

    @app.post("/text")
    async def text(request: Request[Any, Any]) -> dict[str, str]:
        return {"text": await request.text()}

    @app.post("/json")
    async def json(request: Request[Any, Any]) -> dict[str, Any]:
        return {"json": await request.json()}

    @app.post("/small", max_body_size=10)
    async def small(request: Request[Any, Any]) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/small-stream", max_body_size=10)
    async def small_stream(request: Request[Any, Any]) -> dict[str, int]:
        return {"size": sum([len(c) async for c in request.stream()])}

    @app.post("/ignores-body")
    async def ignores(request: Request[Any, Any]) -> str:
        return "ok"

    app.freeze()
    return app


class TestBodyDirect:
    """Body semantics, driving the ASGI app directly."""

    def test_body_read_once_and_cached(self, body_app: App) -> None:
        log: list[str] = []
        sent = run_asgi(body_app, "POST", "/body", messages=chunks(b"ab", b"cd", b"ef"), log=log)
        assert status_of(sent) == 200
        assert body_app.json_codec.loads(body_of(sent)) == {"body": "abcdef", "same": True, "streamed": ["abcdef"]}
        assert log == ["receive"] * 3

    def test_empty_body(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/body")
        assert body_app.json_codec.loads(body_of(sent)) == {"body": "", "same": True, "streamed": []}

    def test_stream_yields_each_chunk_as_it_arrives(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/chunks", messages=chunks(b"one", b"", b"two", b"three"))
        assert body_app.json_codec.loads(body_of(sent)) == {"chunks": ["one", "two", "three"]}

    def test_stream_does_not_read_ahead(self) -> None:
        app = App()
        events: list[str] = []

        @app.post("/")
        async def handler(request: Request[Any, Any]) -> str:
            async for chunk in request.stream():
                events.append(f"got {chunk.decode()}")
            return "ok"

        queue = chunks(b"1", b"2", b"3")
        sent: list[Message] = []

        async def receive() -> Message:
            message = queue.pop(0)
            events.append(f"receive {message['body'].decode()}")
            return message

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"", "headers": []}
        asyncio.run(app(scope, receive, send))
        assert sent[0]["status"] == 200
        assert events == ["receive 1", "got 1", "receive 2", "got 2", "receive 3", "got 3"]

    def test_stream_twice_raises(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/stream-twice", messages=chunks(b"a", b"b"))
        assert body_app.json_codec.loads(body_of(sent)) == {"first": 2, "error": "the request body has already been streamed"}

    def test_body_after_stream_raises(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/stream-then-body", messages=chunks(b"a"))
        assert body_app.json_codec.loads(body_of(sent)) == {"error": True}

    def test_413_from_content_length_before_reading(self, body_app: App) -> None:
        log: list[str] = []
        sent = run_asgi(
            body_app, "POST", "/small", headers=[(b"content-length", b"11")], messages=chunks(b"x" * 11), log=log
        )
        assert status_of(sent) == 413
        assert log == []  # refused without receiving a byte
        assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"
        problem = body_app.json_codec.loads(body_of(sent))
        assert problem["status"] == 413
        assert problem["detail"] == "the body is 11 bytes; the limit is 10"

    def test_413_while_streaming_without_content_length(self, body_app: App) -> None:
        log: list[str] = []
        sent = run_asgi(body_app, "POST", "/small-stream", messages=chunks(b"x" * 6, b"y" * 6, b"z" * 6), log=log)
        assert status_of(sent) == 413
        assert log == ["receive", "receive"]  # stopped at the chunk that crossed the limit
        assert body_app.json_codec.loads(body_of(sent))["detail"] == "the body exceeds the limit of 10 bytes"

    def test_413_when_the_body_lies_about_its_length(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/small", headers=[(b"content-length", b"5")], messages=chunks(b"x" * 20))
        assert status_of(sent) == 413

    def test_exactly_at_the_limit_is_accepted(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/small", headers=[(b"content-length", b"10")], messages=chunks(b"12345", b"67890"))
        assert status_of(sent) == 200
        assert body_app.json_codec.loads(body_of(sent)) == {"size": 10}

    def test_app_limit_applies_to_routes_without_their_own(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/body", messages=chunks(b"x" * 600, b"x" * 600))
        assert status_of(sent) == 413
        assert body_app.json_codec.loads(body_of(sent))["detail"] == "the body exceeds the limit of 1000 bytes"

    def test_no_limit(self) -> None:
        app = App(max_body_size=None)

        @app.post("/")
        async def handler(request: Request[Any, Any]) -> dict[str, int]:
            return {"size": len(await request.body())}

        sent = run_asgi(app, "POST", "/", headers=[(b"content-length", b"3000000")], messages=chunks(b"x" * 3_000_000))
        assert status_of(sent) == 200
        assert app.json_codec.loads(body_of(sent)) == {"size": 3_000_000}

    def test_unread_body_is_never_received(self, body_app: App) -> None:
        log: list[str] = []
        sent = run_asgi(body_app, "POST", "/ignores-body", messages=chunks(b"abc"), log=log)
        assert status_of(sent) == 200
        assert log == []

    def test_client_disconnect_mid_body_ends_quietly(self, body_app: App, caplog: pytest.LogCaptureFixture) -> None:
        messages: list[Message] = [
            {"type": "http.request", "body": b"partial", "more_body": True},
            {"type": "http.disconnect"},
        ]
        with caplog.at_level(logging.DEBUG, logger="hornbeam"):
            sent = run_asgi(body_app, "POST", "/body", messages=messages)
        assert sent == []  # nobody is left to answer
        assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    def test_client_disconnect_while_streaming(self, body_app: App, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.DEBUG, logger="hornbeam"):
            sent = run_asgi(body_app, "POST", "/chunks", messages=[{"type": "http.disconnect"}])
        assert sent == []
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


class TestTextAndJSON:
    def test_text_default_utf8(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/text", messages=chunks("h\u00e9llo \u2603".encode()))
        assert body_app.json_codec.loads(body_of(sent)) == {"text": "h\u00e9llo \u2603"}

    def test_text_with_declared_charset(self, body_app: App) -> None:
        sent = run_asgi(
            body_app,
            "POST",
            "/text",
            headers=[(b"content-type", b"text/plain; charset=latin-1")],
            messages=chunks(b"caf\xe9"),
        )
        assert body_app.json_codec.loads(body_of(sent)) == {"text": "caf\u00e9"}

    @pytest.mark.parametrize(
        ("content_type", "body", "charset"),
        [(b"text/plain", b"\xff\xfe\xfa", "utf-8"), (b"text/plain; charset=ascii", b"caf\xe9", "ascii"), (b"text/plain; charset=no-such-codec", b"x", "no-such-codec")],
    )
    def test_undecodable_text_is_a_400(self, body_app: App, content_type: bytes, body: bytes, charset: str) -> None:
        sent = run_asgi(body_app, "POST", "/text", headers=[(b"content-type", content_type)], messages=chunks(body))
        assert status_of(sent) == 400
        problem = body_app.json_codec.loads(body_of(sent))
        assert problem["detail"] == f"the body is not valid {charset} text"

    def test_json(self, body_app: App) -> None:
        sent = run_asgi(
            body_app,
            "POST",
            "/json",
            headers=[(b"content-type", b"application/json")],
            messages=chunks(b'{"a": [1, ', b'2.5, null, "\\u00e9"]}'),
        )
        assert status_of(sent) == 200
        assert body_app.json_codec.loads(body_of(sent)) == {"json": {"a": [1, 2.5, None, "\u00e9"]}}

    @pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b"[1,]", b"nope", b"\xff", b"  "])
    def test_malformed_json_is_a_400_with_detail(self, body_app: App, body: bytes) -> None:
        sent = run_asgi(body_app, "POST", "/json", messages=chunks(body))
        assert status_of(sent) == 400
        assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"
        problem = body_app.json_codec.loads(body_of(sent))
        assert problem["title"] == "Bad Request"
        assert problem["detail"].startswith("malformed JSON: ")
        assert len(problem["detail"]) > len("malformed JSON: ")

    @pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "no-such-codec", ""])
    def test_json_in_another_charset_is_a_415_naming_it(self, body_app: App, charset: str) -> None:
        # RFC 8259: JSON exchanged between systems is UTF-8; decoding latin-1 as UTF-8 gave wrong text.
        content_type = f"application/json; charset={charset}".encode()
        sent = run_asgi(body_app, "POST", "/json", headers=[(b"content-type", content_type)], messages=chunks(b'"caf\xe9"'))
        assert status_of(sent) == 415
        assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"
        problem = body_app.json_codec.loads(body_of(sent))
        assert problem["detail"] == f"JSON must be UTF-8 (RFC 8259); the request declares charset={charset!r}"

    @pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "Utf-8 ", "utf8"])
    def test_json_declared_utf8_in_any_spelling_is_read(self, body_app: App, charset: str) -> None:
        content_type = f"application/json; charset={charset}".encode()
        sent = run_asgi(
            body_app, "POST", "/json", headers=[(b"content-type", content_type)], messages=chunks('"caf\u00e9"'.encode())
        )
        assert status_of(sent) == 200
        assert body_app.json_codec.loads(body_of(sent)) == {"json": "caf\u00e9"}

    def test_empty_json_body_is_a_400(self, body_app: App) -> None:
        sent = run_asgi(body_app, "POST", "/json")
        assert status_of(sent) == 400
        assert body_app.json_codec.loads(body_of(sent))["detail"] == "the request body is empty; JSON was expected"


class TestBodyThroughTheTestClient:
    """The same behaviour end to end, through httpx (chunked bodies via generators)."""

    def test_chunked_generator_body_is_streamed_chunk_by_chunk(self, body_app: App) -> None:
        async def parts() -> AsyncIterator[bytes]:
            for part in (b"alpha", b"beta", b"gamma"):
                yield part

        response = async_request(body_app, "POST", "/chunks", content=parts())
        assert response.status_code == 200
        assert response.json() == {"chunks": ["alpha", "beta", "gamma"]}

    def test_413_while_streaming_a_chunked_body(self, body_app: App) -> None:
        async def parts() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"x" * 4

        response = async_request(body_app, "POST", "/small-stream", content=parts())
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"

    def test_413_from_content_length(self, body_app: App) -> None:
        response = async_request(body_app, "POST", "/small", content=b"x" * 50)
        assert response.status_code == 413
        assert response.json()["detail"] == "the body is 50 bytes; the limit is 10"

    def test_json_body(self, body_app: App) -> None:
        response = async_request(body_app, "POST", "/json", json={"k": [1, 2]})
        assert response.status_code == 200
        assert response.json() == {"json": {"k": [1, 2]}}

    def test_malformed_json_body(self, body_app: App) -> None:
        response = async_request(body_app, "POST", "/json", content=b"{oops", headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.json()["detail"].startswith("malformed JSON: ")


class TestUndeclaredTypedData:
    """Reading query_data/body_data on a route that declared no type says which route and what to declare."""

    def app(self) -> App:
        app = App()

        @app.get("/items")
        async def list_items(request: Request[Any, Any]) -> Any:
            return request.query_data

        @app.post("/items")
        async def create(request: Request[Any, Any]) -> Any:
            return request.body_data

        return app

    def test_query_data_names_the_route_and_the_option(self) -> None:
        app = self.app()
        with TestClient(app) as client:
            request = make_request(path="/items")
            request.route = next(r for r in app.routes if "GET" in r.methods)
            with pytest.raises(AttributeError) as info:
                request.query_data
            assert str(info.value) == (
                "request.query_data is not set: route /items (handler tests.core.test_requests:"
                "TestUndeclaredTypedData.app.<locals>.list_items) declares no query type. Declare one on the route, "
                "e.g. @app.get('/items', query=Page) with a handler taking Request[Page, None], or read request.query instead"
            )
            assert client.get("/items").status_code == 500

    def test_body_data_says_to_declare_body(self) -> None:
        request = make_request(path="/items", method="POST")
        request.route = next(r for r in self.app().routes if "POST" in r.methods)
        with pytest.raises(AttributeError, match=r"declares no body type.*body=ItemIn.*await request.json\(\)"):
            request.body_data

    def test_without_a_route(self) -> None:
        with pytest.raises(AttributeError, match="request.query_data is not set: no route matched GET /x"):
            make_request(path="/x").query_data

    def test_other_missing_attributes_stay_plain(self) -> None:
        request = make_request()
        with pytest.raises(AttributeError, match="^'Request' object has no attribute 'nosuch'$"):
            request.nosuch  # type: ignore[attr-defined]
        assert getattr(request, "query_data", None) is None
