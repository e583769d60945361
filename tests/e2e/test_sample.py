"""The sample app under a real uvicorn: every endpoint, and every bad input answered with a 4xx problem."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import Server

pytestmark = pytest.mark.e2e


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


def raw_request(server: Server, request: bytes) -> bytes:
    """Send bytes httpx would refuse to send (bad paths, lying headers) and read the reply."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                    None,
                )
                if length is not None and len(body) >= length:
                    break
        return b"".join(chunks)


def test_index_and_health(client: httpx.Client) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert index.json()["name"] == "hornbeam sample"
    health = client.get("/health")
    assert health.status_code == 200
    assert health.headers["content-type"] == "text/plain; charset=utf-8"
    assert health.text == "ok"


def test_item_lifecycle(client: httpx.Client) -> None:
    created = client.post("/items", json={"name": "lamp", "price": 12.5, "tags": ["home"]})
    assert created.status_code == 201
    item = created.json()
    assert item["name"] == "lamp" and item["price"] == 12.5 and item["tags"] == ["home"]
    location = created.headers["location"]
    assert location == f"/items/{item['id']}"
    assert client.get(location).json() == item
    replaced = client.put(location, json={"name": "desk lamp", "price": 20, "tags": []})
    assert replaced.status_code == 200 and replaced.json()["name"] == "desk lamp"
    patched = client.patch(location, json={"price": 18})
    assert patched.json() == {"id": item["id"], "name": "desk lamp", "price": 18, "tags": []}
    listed = client.get("/items").json()
    assert item["id"] in [i["id"] for i in listed["items"]]
    deleted = client.delete(location)
    assert deleted.status_code == 204 and deleted.content == b""
    assert "content-length" not in deleted.headers
    assert_problem(client.get(location), 404)
    assert_problem(client.delete(location), 404)


def test_list_filters_by_tags_with_paging(client: httpx.Client) -> None:
    for name, tags in [("a1", ["e2e-a"]), ("ab", ["e2e-a", "e2e-b"]), ("b1", ["e2e-b"])]:
        assert client.post("/items", json={"name": name, "price": 1, "tags": tags}).status_code == 201
    both = client.get("/items", params=[("tag", "e2e-a"), ("tag", "e2e-b")]).json()
    assert [i["name"] for i in both["items"]] == ["ab"]
    only_a = client.get("/items?tag=e2e-a&limit=1&offset=1").json()
    assert [i["name"] for i in only_a["items"]] == ["ab"] and only_a["total"] == 2 and only_a["limit"] == 1


def test_head_and_options(client: httpx.Client) -> None:
    head = client.head("/health")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "2"
    options = client.options("/items/1")
    assert options.status_code == 204
    assert options.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"


def test_wrong_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.delete("/items")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_unknown_path_and_wrong_parameter_type_are_404(client: httpx.Client) -> None:
    assert_problem(client.get("/nowhere"), 404)
    assert_problem(client.get("/items/abc"), 404)


def test_trailing_slash_redirects(client: httpx.Client) -> None:
    response = client.get("/health/", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/health"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"name": "x", "price": 1', "application/json", 400),  # truncated JSON
        (b"\xff\xfe{}", "application/json", 400),  # not UTF-8
        (b"[" * 2000 + b"]" * 2000, "application/json", 400),  # nested past the parser's limit
        (b"", "application/json", 400),  # empty body on a JSON route
        (b'{"name": "x", "price": 1}', "text/plain", 415),
        (b'{"name": "", "price": -1, "tags": [1]}', "application/json", 422),
        (b'{"name": "x", "price": "1"}', "application/json", 422),  # JSON is checked strictly
        (b'["not", "an", "object"]', "application/json", 422),
    ],
)
def test_bad_bodies_get_problem_responses(client: httpx.Client, body: bytes, content_type: str, status: int) -> None:
    response = client.post("/items", content=body, headers={"content-type": content_type})
    problem = assert_problem(response, status)
    assert problem.get("detail")


def test_validation_errors_locate_every_field(client: httpx.Client) -> None:
    response = client.post("/items", json={"name": "", "price": -1, "tags": ["a"] * 11, "extra": 1})
    problem = assert_problem(response, 422)
    locations = sorted(tuple(error["loc"]) for error in problem["errors"])  # type: ignore[attr-defined]
    assert locations == [("body", "extra"), ("body", "name"), ("body", "price"), ("body", "tags")]


def test_bad_query_values(client: httpx.Client) -> None:
    problem = assert_problem(client.get("/items?limit=abc&offset=-1"), 422)
    assert sorted(e["loc"][1] for e in problem["errors"]) == ["limit", "offset"]  # type: ignore[attr-defined]
    assert_problem(client.get("/items?limit=1000"), 422)
    assert_problem(client.get("/items?tag=%FF"), 400)
    too_many = "&".join(f"f{i}=1" for i in range(1001))
    assert_problem(client.get(f"/items?{too_many}"), 400)
    # A malformed escape is kept literally (as browsers do), so it is just an unknown tag.
    assert client.get("/items?tag=%zz").json()["total"] == 0
    # Parameters the route does not declare are ignored, as links pick them up.
    assert client.get("/items?utm_source=mail&_=1700000000").status_code == 200


def test_bad_paths(sample_server: Server) -> None:
    reply = raw_request(sample_server, b"GET /items/%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"application/problem+json" in reply


def test_a_path_value_the_route_refuses_is_a_404_saying_why(client: httpx.Client) -> None:
    for path in ("/items/abc", "/items/%61bc", "/items/1.5/notify"):
        response = client.get(path) if "notify" not in path else client.post(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "its parameter 'item_id' takes only int values" in response.json()["detail"]


def test_upload_streams_and_hashes(client: httpx.Client) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    for content in (payload, chunks()):
        response = client.post("/uploads", content=content)
        assert response.json() == {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}


def test_upload_over_limit_is_413(client: httpx.Client, sample_server: Server) -> None:
    too_big = 10 * 1024 * 1024 + 1
    declared = raw_request(
        sample_server,
        b"POST /uploads HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % too_big,
    )
    assert declared.startswith(b"HTTP/1.1 413")

    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"x" * (1024 * 1024)

    try:
        response = client.post("/uploads", content=chunks())
    except httpx.HTTPError:
        pytest.fail("the server should answer 413, not drop the connection")
    assert_problem(response, 413)
    # The server is still healthy afterwards.
    assert client.get("/health").text == "ok"
