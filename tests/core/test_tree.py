"""The route tree's limits and reverse routing: segment count, and url_for paths that match their own route."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, ConfigurationError, Request
from hornbeam._tree import MAX_SEGMENTS


async def handler(request: Request[Any, Any]) -> dict[str, Any]:
    return dict(request.path_params)


def serve(app: App, raw_path: bytes) -> tuple[int, bytes]:
    """Call the app as a server does: ``path`` is ``raw_path`` percent-decoded."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": b"",
        "headers": [],
    }
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


def deep_pattern(count: int) -> str:
    return "/" + "/".join(f"s{i}" for i in range(count - 1)) + "/{last}"


def test_a_route_at_the_segment_limit_works() -> None:
    app = App()
    app.add_route(deep_pattern(MAX_SEGMENTS), handler, name="deep")
    url = app.url_for("deep", last="x")
    assert serve(app, url.encode()) == (200, b'{"last":"x"}')


@pytest.mark.parametrize("count", [MAX_SEGMENTS + 1, 990, 5000])
def test_a_deeper_route_is_refused_naming_it_and_the_limit(count: int) -> None:
    # 990 segments used to end freeze() in a RecursionError.
    app = App()
    pattern = deep_pattern(count)
    app.add_route(pattern, handler)
    with pytest.raises(ConfigurationError) as refused:
        app.freeze()
    message = str(refused.value)
    assert pattern[:40] in message
    assert f"{count} segments" in message and f"the limit is {MAX_SEGMENTS}" in message


def test_a_long_request_path_is_a_404_not_a_crash() -> None:
    app = App()
    app.add_route("/a/{rest:path}", handler)
    app.add_route(deep_pattern(50), handler)
    assert serve(app, b"/s0" * 20_000)[0] == 404
    assert serve(app, b"/a" + b"/x" * 20_000)[0] == 200


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/a b/{id}", "/a%20b/7"),
        ("/what?/{id}", "/what%3F/7"),
        ("/c#d/{id}", "/c%23d/7"),
        ("/a%20b/{id}", "/a%2520b/7"),
        ("/caf\u00e9/{id}", "/caf%C3%A9/7"),
        ("/v1:batch/@me/{id}", "/v1:batch/@me/7"),
    ],
)
def test_url_for_percent_encodes_literal_segments(pattern: str, expected: str) -> None:
    app = App()
    app.add_route(pattern, handler, name="r")
    url = app.url_for("r", id="7")
    assert url == expected
    assert serve(app, url.encode()) == (200, b'{"id":"7"}')


literal = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/{}"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(literals=st.lists(literal, min_size=1, max_size=4), value=st.text(min_size=1, max_size=8), static=st.booleans())
def test_url_for_then_match_gives_the_route_back(literals: list[str], value: str, static: bool) -> None:
    app = App()
    pattern = "/" + "/".join(literals)
    if not static:
        pattern += "/{value}"
    # A decoy at the same depth: the match must come from the literals, not any segment.
    app.add_route("/" + "/".join("{d%d}" % i for i in range(len(literals) + (not static))), handler, name="decoy")
    app.add_route(pattern, handler, name="target")
    params = {} if static else {"value": value}
    url = app.url_for("target", **params)
    assert url.isascii()
    status, body = serve(app, url.encode("ascii"))
    assert status == 200
    assert app.json_codec.loads(body) == params
