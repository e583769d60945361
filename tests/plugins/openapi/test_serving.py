"""PreparedAnswer: the same bytes every time, 304 on a matching If-None-Match, gzip computed once."""

from __future__ import annotations

import gzip

import pytest

from hornbeam import App
from hornbeam.plugins.openapi.serving import PerRootPath, PreparedAnswer, etag_matches
from hornbeam.testing import TestClient

BIG = b"x" * 5000


def client_for(answer: PreparedAnswer) -> TestClient:
    app = App(disable_plugins=["openapi"])
    app.add_route("/thing", answer)
    return TestClient(app)


def test_before_prepare_it_is_a_503_problem() -> None:
    response = client_for(PreparedAnswer("thing")).get("/thing")
    assert response.status_code == 503
    assert response.json()["detail"] == "thing is not ready: the app has not started"


def test_prepared_bytes_with_validators_and_304() -> None:
    answer = PreparedAnswer("thing")
    answer.prepare(b'{"a":1}', "application/json", "no-cache")
    client = client_for(answer)
    first = client.get("/thing")
    assert first.status_code == 200 and first.content == b'{"a":1}' and answer.body == b'{"a":1}'
    assert first.headers["content-type"] == "application/json" and first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    assert etag.startswith('"') and "vary" not in first.headers  # too small to be compressed
    again = client.get("/thing", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-cache" and "content-type" not in again.headers
    assert client.get("/thing", headers={"if-none-match": '"other"'}).status_code == 200
    assert client.head("/thing").status_code == 200


def test_big_bodies_are_gzipped_once_for_clients_that_accept_it() -> None:
    answer = PreparedAnswer("bundle")
    answer.prepare(BIG, "text/javascript", "public, max-age=60")
    client = client_for(answer)
    plain = client.get("/thing", headers={"accept-encoding": "identity"})
    assert plain.content == BIG and "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    packed = client.get("/thing", headers={"accept-encoding": "gzip, br"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == BIG  # httpx decodes it
    assert packed.headers["etag"] != plain.headers["etag"]
    assert int(packed.headers["content-length"]) < 100  # the length sent, compressed
    assert client.get("/thing", headers={"accept-encoding": "gzip", "if-none-match": packed.headers["etag"]}).status_code == 304
    # The plain validator does not match the gzipped representation.
    assert client.get("/thing", headers={"accept-encoding": "gzip", "if-none-match": plain.headers["etag"]}).status_code == 200
    assert gzip.decompress(answer._compressed()) == BIG


def test_refuse_answers_an_error_of_its_own() -> None:
    answer = PreparedAnswer("docs page")
    answer.prepare(b"x", "text/plain", "no-cache")
    answer.refuse(501, "install something")
    response = client_for(answer).get("/thing")
    assert response.status_code == 501 and response.json()["detail"] == "install something"
    assert repr(answer) == "<the openapi plugin's docs page>"


@pytest.mark.parametrize(
    ("header", "matches"),
    [(b'"a"', True), (b'W/"a"', True), (b'"b", "a"', True), (b"*", True), (b'"b"', False), (b"", False), (b'"a', False)],
)
def test_etag_matching_is_weak(header: bytes, matches: bool) -> None:
    assert etag_matches(header, b'"a"') is matches


def test_a_per_root_path_answer_before_start_up_is_a_503() -> None:
    app = App(disable_plugins=["openapi"])
    app.add_route("/early", PerRootPath("document", "application/json", "no-cache"))
    response = TestClient(app).get("/early")
    assert response.status_code == 503 and "document is not ready" in response.json()["detail"]
