"""Response classes, what handlers may return, and how failures become 500s."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
from typing import Any

import pytest

from hornbeam import (
    App,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
    TextResponse,
)
from hornbeam.plugins.json import OrjsonCodec
from hornbeam.testing import TestClient

CODEC = OrjsonCodec()


def sent(response: Response, head: bool = False) -> list[dict[str, Any]]:
    """The ASGI messages ``response`` sends."""
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(response.send_to(send, CODEC, head))
    return messages


def header_dict(message: dict[str, Any]) -> dict[bytes, bytes]:
    return dict(message["headers"])


class TestResponse:
    def test_bytes_content(self) -> None:
        response = Response(b"\x00\x01raw")
        assert response.body == b"\x00\x01raw"
        assert response.status == 200
        assert response.raw_headers == []  # no media type, no content-type

    def test_str_content_is_encoded_utf8_by_default(self) -> None:
        response = Response("h\u00e9llo \u2603", media_type="text/plain")
        assert response.body == "h\u00e9llo \u2603".encode()
        assert response.headers["content-type"] == "text/plain; charset=utf-8"

    def test_status_from_http_status(self) -> None:
        response = Response(b"", HTTPStatus.CREATED)
        assert response.status == 201
        assert type(response.status) is int
        start = sent(response)[0]
        assert start["status"] == 201 and type(start["status"]) is int

    @pytest.mark.parametrize("status", [0, 99, 600, 1000, -200])
    def test_invalid_status_rejected(self, status: int) -> None:
        with pytest.raises(ValueError, match="invalid HTTP status"):
            Response(b"", status)

    def test_content_length_is_computed_when_sent(self) -> None:
        start, body = sent(Response("\u00e9\u00e9", media_type="text/plain"))
        assert start["type"] == "http.response.start"
        assert header_dict(start)[b"content-length"] == b"4"
        assert body == {"type": "http.response.body", "body": "\u00e9\u00e9".encode()}

    def test_charset_added_to_text_types_only(self) -> None:
        assert Response(b"", media_type="text/csv").headers["content-type"] == "text/csv; charset=utf-8"
        assert Response(b"", media_type="application/xml").headers["content-type"] == "application/xml"

    def test_explicit_charset_in_media_type_kept(self) -> None:
        assert Response(b"", media_type="text/plain; charset=ascii").headers["content-type"] == "text/plain; charset=ascii"

    def test_custom_charset_encodes_the_body(self) -> None:
        response = Response("caf\u00e9", media_type="text/plain", charset="latin-1")
        assert response.body == b"caf\xe9"
        assert response.headers["content-type"] == "text/plain; charset=latin-1"

    def test_custom_charset_through_the_app(self) -> None:
        app = App()

        @app.get("/")
        async def home(request: Request[Any, Any]) -> Response:
            return TextResponse("na\u00efve", charset="latin-1")

        with TestClient(app) as client:
            response = client.get("/")
        assert response.content == b"na\xefve"
        assert response.headers["content-type"] == "text/plain; charset=latin-1"
        assert response.text == "na\u00efve"

    def test_custom_headers(self) -> None:
        response = Response(b"x", headers={"X-Custom": "1", "Cache-Control": "no-store"})
        start = sent(response)[0]
        headers = header_dict(start)
        assert headers[b"x-custom"] == b"1"
        assert headers[b"cache-control"] == b"no-store"

    def test_content_type_header_beats_media_type(self) -> None:
        response = HTMLResponse("<p>", headers={"content-type": "application/xhtml+xml"})
        assert response.headers.getlist("content-type") == ["application/xhtml+xml"]

    def test_headers_property_edits_the_response(self) -> None:
        response = Response(b"")
        response.headers["x-a"] = "1"
        assert (b"x-a", b"1") in sent(response)[0]["headers"]

    @pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\x00b"])
    def test_header_value_injection_rejected_at_construction(self, value: str) -> None:
        with pytest.raises(ValueError):
            Response(b"", headers={"x-a": value})

    @pytest.mark.parametrize("name", ["x a", "x\r\ny", "", "x:y"])
    def test_invalid_header_name_rejected_at_construction(self, name: str) -> None:
        with pytest.raises(ValueError):
            Response(b"", headers={name: "v"})

    def test_injection_through_media_type_rejected(self) -> None:
        with pytest.raises(ValueError):
            Response(b"", media_type="text/plain\r\nx-evil: 1")

    def test_no_content_status_has_no_body_or_length(self) -> None:
        start, body = sent(Response(b"", 204))
        assert b"content-length" not in header_dict(start)
        assert body["body"] == b""

    def test_head_sends_the_length_but_no_body(self) -> None:
        start, body = sent(Response(b"12345"), head=True)
        assert header_dict(start)[b"content-length"] == b"5"
        assert body["body"] == b""


class TestTypedResponses:
    def test_text(self) -> None:
        response = TextResponse("hi")
        assert response.body == b"hi"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"

    def test_html(self) -> None:
        response = HTMLResponse("<h1>hi</h1>", status=201)
        assert response.body == b"<h1>hi</h1>"
        assert response.status == 201
        assert response.headers["content-type"] == "text/html; charset=utf-8"

    def test_json_is_rendered_by_the_codec(self) -> None:
        response = JSONResponse({"a": [1, 2]}, status=201)
        assert response.headers["content-type"] == "application/json"
        start, body = sent(response)
        assert start["status"] == 201
        assert body["body"] == b'{"a":[1,2]}'
        assert header_dict(start)[b"content-length"] == str(len(b'{"a":[1,2]}')).encode()

    def test_json_custom_media_type(self) -> None:
        assert JSONResponse([], media_type="application/vnd.api+json").headers["content-type"] == "application/vnd.api+json"

    def test_json_renders_dataclass_datetime_uuid_enum_through_the_app(self) -> None:
        class Colour(enum.Enum):
            RED = "red"

        @dataclasses.dataclass
        class Item:
            id: uuid.UUID
            when: datetime.datetime
            day: datetime.date
            colour: Colour

        item = Item(
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc),
            datetime.date(2024, 5, 6),
            Colour.RED,
        )
        app = App()

        @app.get("/item")
        async def get_item(request: Request[Any, Any]) -> Response:
            return JSONResponse({"item": item, "ids": {1: "one"}})

        with TestClient(app) as client:
            response = client.get("/item")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "item": {
                "id": "12345678-1234-5678-1234-567812345678",
                "when": "2024-05-06T07:08:09+00:00",
                "day": "2024-05-06",
                "colour": "red",
            },
            "ids": {"1": "one"},
        }


class TestRedirect:
    def test_default_is_307(self) -> None:
        response = RedirectResponse("/next")
        assert response.status == 307
        start, body = sent(response)
        assert header_dict(start)[b"location"] == b"/next"
        assert body["body"] == b""

    @pytest.mark.parametrize("status", [301, 302, 303, 308, HTTPStatus.PERMANENT_REDIRECT])
    def test_other_3xx(self, status: int) -> None:
        assert RedirectResponse("/x", status).status == int(status)

    @pytest.mark.parametrize("status", [200, 299, 400, 404, 500])
    def test_non_3xx_rejected(self, status: int) -> None:
        with pytest.raises(ValueError, match="3xx"):
            RedirectResponse("/x", status)

    def test_location_is_quoted(self) -> None:
        response = RedirectResponse("/a b/caf\u00e9?q=1 2&r=\u00e9#frag")
        assert response.headers["location"] == "/a%20b/caf%C3%A9?q=1%202&r=%C3%A9#frag"

    def test_location_keeps_url_structure_and_existing_escapes(self) -> None:
        url = "https://user@example.com:8443/p/a%2Fb;x=1?a=1&b=%20#top"
        assert RedirectResponse(url).headers["location"] == url

    def test_crlf_in_url_cannot_inject_a_header(self) -> None:
        response = RedirectResponse("/x\r\nSet-Cookie: evil=1")
        location = response.headers["location"]
        assert "\r" not in location and "\n" not in location
        assert response.headers.getlist("set-cookie") == []

    def test_extra_headers(self) -> None:
        response = RedirectResponse("/x", headers={"cache-control": "no-store"})
        assert response.headers["cache-control"] == "no-store"

    def test_through_the_app(self) -> None:
        app = App()

        @app.get("/old")
        async def old(request: Request[Any, Any]) -> Response:
            return RedirectResponse("/new", 301)

        with TestClient(app) as client:
            response = client.get("/old", follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["location"] == "/new"


class TestStreaming:
    def test_async_iterable(self) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"one"
            yield b"two"

        messages = sent(StreamingResponse(chunks(), media_type="text/plain"))
        start = messages[0]
        assert b"content-length" not in header_dict(start)
        assert header_dict(start)[b"content-type"] == b"text/plain; charset=utf-8"
        bodies = messages[1:]
        assert [m["body"] for m in bodies] == [b"one", b"two", b""]
        assert [m.get("more_body", False) for m in bodies] == [True, True, False]

    def test_sync_iterable_with_str_chunks_encoded(self) -> None:
        def chunks() -> Iterator[str | bytes]:
            yield "caf\u00e9"
            yield b"!"

        messages = sent(StreamingResponse(chunks()))
        assert [m["body"] for m in messages[1:]] == ["caf\u00e9".encode(), b"!", b""]

    def test_str_chunks_use_the_charset(self) -> None:
        messages = sent(StreamingResponse(["caf\u00e9"], media_type="text/plain", charset="latin-1"))
        assert header_dict(messages[0])[b"content-type"] == b"text/plain; charset=latin-1"
        assert messages[1]["body"] == b"caf\xe9"

    def test_head_does_not_consume_the_stream(self) -> None:
        consumed = []

        def chunks() -> Iterator[bytes]:
            consumed.append(True)
            yield b"x"

        messages = sent(StreamingResponse(chunks()), head=True)
        assert consumed == []
        assert [m["body"] for m in messages[1:]] == [b""]

    def test_through_the_app(self) -> None:
        app = App()

        @app.get("/stream")
        async def stream(request: Request[Any, Any]) -> Response:
            async def numbers() -> AsyncIterator[str]:
                for i in range(3):
                    yield f"{i}\n"

            return StreamingResponse(numbers(), media_type="text/plain")

        with TestClient(app) as client:
            response = client.get("/stream")
        assert response.status_code == 200
        assert response.text == "0\n1\n2\n"


class TestCookies:
    def test_set_cookie_attributes(self) -> None:
        response = Response(b"")
        response.set_cookie(
            "session",
            "abc",
            max_age=3600,
            expires="Wed, 21 Oct 2037 07:28:00 GMT",
            path="/app",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="strict",
        )
        (cookie,) = response.headers.getlist("set-cookie")
        parts = [p.strip() for p in cookie.split(";")]
        assert parts[0] == "session=abc"
        lowered = {p.lower() for p in parts[1:]}
        assert {
            "max-age=3600",
            "expires=wed, 21 oct 2037 07:28:00 gmt",
            "path=/app",
            "domain=example.com",
            "secure",
            "httponly",
            "samesite=strict",
        } <= lowered

    def test_defaults(self) -> None:
        response = Response(b"")
        response.set_cookie("a", "1")
        (cookie,) = response.headers.getlist("set-cookie")
        lowered = cookie.lower()
        assert cookie.startswith("a=1")
        assert "path=/" in lowered
        assert "samesite=lax" in lowered
        assert "secure" not in lowered
        assert "httponly" not in lowered
        assert "max-age" not in lowered

    def test_samesite_none_can_be_omitted(self) -> None:
        response = Response(b"")
        response.set_cookie("a", "1", samesite=None)
        assert "samesite" not in response.headers["set-cookie"].lower()

    def test_two_cookies_give_two_headers(self) -> None:
        response = Response(b"")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        values = response.headers.getlist("set-cookie")
        assert [v.split(";")[0] for v in values] == ["a=1", "b=2"]

    def test_delete_cookie_expires_it(self) -> None:
        response = Response(b"")
        response.delete_cookie("session", path="/app", domain="example.com")
        (cookie,) = response.headers.getlist("set-cookie")
        lowered = cookie.lower()
        assert cookie.startswith("session=")
        assert "max-age=0" in lowered
        assert "expires=thu, 01 jan 1970 00:00:00 gmt" in lowered
        assert "path=/app" in lowered
        assert "domain=example.com" in lowered

    def test_cookie_value_cannot_inject_a_header(self) -> None:
        response = Response(b"")
        with pytest.raises(ValueError, match="cookie value"):
            response.set_cookie("a", "x\r\nSet-Cookie: evil=1")
        assert response.headers.getlist("set-cookie") == []

    def test_cookies_reach_the_client(self) -> None:
        app = App()

        @app.get("/login")
        async def login(request: Request[Any, Any]) -> Response:
            response = TextResponse("ok")
            response.set_cookie("a", "1")
            response.set_cookie("b", "2")
            return response

        with TestClient(app) as client:
            response = client.get("/login")
        assert response.headers.get_list("set-cookie") == [
            "a=1; Path=/; SameSite=lax",
            "b=2; Path=/; SameSite=lax",
        ]
        assert response.cookies["a"] == "1" and response.cookies["b"] == "2"


class Weird:
    pass


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = App()

    @app.get("/dict")
    async def as_dict(request: Request[Any, Any]) -> dict[str, Any]:
        return {"a": 1, "b": [True, None]}

    @app.get("/list")
    async def as_list(request: Request[Any, Any]) -> list[int]:
        return [1, 2, 3]

    @app.get("/str")
    async def as_str(request: Request[Any, Any]) -> str:
        return "h\u00e9llo"

    @app.get("/response")
    async def as_response(request: Request[Any, Any]) -> Response:
        return Response(b"raw", 202, {"x-a": "1"}, media_type="application/octet-stream")

    @app.get("/sync")
    def sync_handler(request: Request[Any, Any]) -> dict[str, str]:
        return {"sync": "yes"}

    @app.get("/int")
    async def as_int(request: Request[Any, Any]) -> int:
        return 42

    @app.get("/weird")
    async def as_weird(request: Request[Any, Any]) -> Weird:
        return Weird()

    @app.get("/crash")
    async def crash(request: Request[Any, Any]) -> None:
        raise RuntimeError("secret database password is hunter2")

    with TestClient(app) as client:
        yield client


class TestHandlerReturns:
    def test_dict_is_json(self, client: TestClient) -> None:
        response = client.get("/dict")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"a": 1, "b": [True, None]}
        assert int(response.headers["content-length"]) == len(response.content)

    def test_list_is_json(self, client: TestClient) -> None:
        response = client.get("/list")
        assert response.headers["content-type"] == "application/json"
        assert response.json() == [1, 2, 3]

    def test_str_is_text(self, client: TestClient) -> None:
        response = client.get("/str")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.content == "h\u00e9llo".encode()

    def test_response_is_sent_as_is(self, client: TestClient) -> None:
        response = client.get("/response")
        assert response.status_code == 202
        assert response.headers["x-a"] == "1"
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.content == b"raw"

    def test_sync_handler(self, client: TestClient) -> None:
        assert client.get("/sync").json() == {"sync": "yes"}

    @pytest.mark.parametrize("path", ["/dict", "/str", "/response"])
    def test_head_on_get_route_has_length_but_no_body(self, client: TestClient, path: str) -> None:
        full = client.get(path)
        head = client.head(path)
        assert head.status_code == full.status_code
        assert head.content == b""
        assert head.headers["content-length"] == str(len(full.content))
        assert head.headers["content-type"] == full.headers["content-type"]

    def test_a_number_is_json(self, client: TestClient) -> None:
        response = client.get("/int")
        assert response.headers["content-type"] == "application/json"
        assert response.json() == 42

    def test_what_the_codec_cannot_encode_is_a_500_problem_naming_the_handler(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="hornbeam"):
            response = client.get("/weird")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body == {"type": "about:blank", "title": "Internal Server Error", "status": 500, "instance": "/weird"}
        assert "Traceback" not in response.text
        records = [r for r in caplog.records if r.name == "hornbeam" and r.levelno == logging.ERROR]
        assert len(records) == 1
        assert records[0].exc_info is not None and records[0].exc_info[0] is TypeError
        assert "GET /weird (route /weird, handler tests.core.test_responses:" in records[0].getMessage()

    def test_crash_is_a_500_that_hides_the_message(self, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.ERROR, logger="hornbeam"):
            response = client.get("/crash")
        assert response.status_code == 500
        assert "hunter2" not in response.text
        assert "Traceback" not in response.text
        assert "traceback" not in response.json()
        (record,) = [r for r in caplog.records if r.name == "hornbeam" and r.levelno == logging.ERROR]
        assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_debug_mode_includes_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    app = App(debug=True)

    @app.get("/crash")
    async def crash(request: Request[Any, Any]) -> None:
        raise RuntimeError("kaput")

    with caplog.at_level(logging.ERROR, logger="hornbeam"), TestClient(app) as client:
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == "RuntimeError: kaput"
    assert body["traceback"].startswith("Traceback (most recent call last):")
    assert "kaput" in body["traceback"]
    assert "def crash" in body["traceback"] or "in crash" in body["traceback"]
    assert any(r.name == "hornbeam" and r.levelno == logging.ERROR for r in caplog.records)
