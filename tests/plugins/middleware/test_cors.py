"""CORS against the Fetch standard's cases: simple requests, preflights, credentials, Vary."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, Request, Router
from hornbeam.plugins.middleware import CORSMiddleware
from hornbeam.testing import TestClient

SITE = "https://app.example"


def make_client(cors: CORSMiddleware, *, group: bool = False) -> TestClient:
    calls: list[str] = []
    app = App(middleware=[] if group else [cors])
    app.state.calls = calls
    router = Router("/api", middleware=[cors] if group else [])

    @router.route("/items", ["GET", "POST", "DELETE"])
    async def items(request: Request[Any, Any]) -> dict[str, str]:
        calls.append(request.method)
        return {"method": request.method}

    @router.route("/echo", ["OPTIONS"])
    async def own_options(request: Request[Any, Any]) -> str:
        calls.append("OPTIONS handler")
        return "own"

    app.include(router)
    return TestClient(app)


def preflight(
    client: TestClient, origin: str = SITE, method: str = "DELETE", headers: str | None = None, path: str = "/api/items"
) -> Any:
    request_headers = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        request_headers["access-control-request-headers"] = headers
    return client.options(path, headers=request_headers)


def calls(client: TestClient) -> list[str]:
    app = client.app
    assert isinstance(app, App)
    result: list[str] = app.state.calls
    return result


def test_simple_request_from_allowed_origin() -> None:
    client = make_client(CORSMiddleware([SITE], expose_headers=["X-Total"]))
    response = client.get("/api/items", headers={"origin": SITE})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-expose-headers"] == "X-Total"
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_simple_request_from_disallowed_origin_gets_no_cors_headers_but_reaches_the_handler() -> None:
    client = make_client(CORSMiddleware([SITE]))
    response = client.post("/api/items", headers={"origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"
    assert calls(client) == ["POST"]


def test_same_origin_request_without_origin_still_varies() -> None:
    client = make_client(CORSMiddleware([SITE]))
    response = client.get("/api/items")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_wildcard_without_credentials_is_star_and_does_not_vary() -> None:
    client = make_client(CORSMiddleware("*"))
    response = client.get("/api/items", headers={"origin": "https://anyone.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers


def test_credentials_echo_the_allowed_origin_never_star() -> None:
    cors = CORSMiddleware(["https://anyone.example"], allow_credentials=True, allow_methods="*", allow_headers="*")
    client = make_client(cors)
    response = client.get("/api/items", headers={"origin": "https://anyone.example"})
    assert response.headers["access-control-allow-origin"] == "https://anyone.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"
    answer = preflight(client, "https://anyone.example", "PATCH", "Authorization, X-Custom")
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "https://anyone.example"
    assert answer.headers["access-control-allow-methods"] == "PATCH"
    assert answer.headers["access-control-allow-headers"] == "authorization, x-custom"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "*" not in answer.headers["access-control-allow-origin"]
    assert answer.headers["vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def test_preflight_allowed_is_answered_without_the_handler() -> None:
    client = make_client(CORSMiddleware([SITE], allow_methods=["GET", "DELETE"], allow_headers=["X-Token"], max_age=300))
    response = preflight(client, headers="x-token, Content-Type")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-methods"] == "DELETE, GET, HEAD, POST"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"x-token", "content-type"} <= allowed
    assert response.headers["access-control-max-age"] == "300"
    assert response.headers["vary"] == "Origin"
    assert calls(client) == []


def test_preflight_reaches_neither_the_routes_own_options_handler() -> None:
    client = make_client(CORSMiddleware([SITE], allow_methods=["PUT"]))
    assert preflight(client, method="PUT", path="/api/echo").status_code == 204
    assert calls(client) == []
    plain = client.options("/api/echo")
    assert plain.text == "own" and calls(client) == ["OPTIONS handler"]


def test_plain_options_without_request_method_is_not_a_preflight() -> None:
    client = make_client(CORSMiddleware([SITE]))
    response = client.options("/api/items", headers={"origin": SITE})
    assert response.status_code == 204
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    assert response.headers["access-control-allow-origin"] == SITE


@pytest.mark.parametrize(
    ("origin", "method", "headers", "detail"),
    [
        ("https://evil.example", "GET", None, "origin https://evil.example is not allowed"),
        (SITE, "DELETE", None, "method DELETE is not allowed"),
        (SITE, "GET", "x-secret, accept", "request headers x-secret are not allowed"),
    ],
)
def test_preflight_refused(origin: str, method: str, headers: str | None, detail: str) -> None:
    client = make_client(CORSMiddleware([SITE]))
    response = preflight(client, origin, method, headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == f"CORS: {detail}"
    assert "access-control-allow-origin" not in response.headers
    assert calls(client) == []


def test_safelisted_methods_and_headers_need_no_listing() -> None:
    client = make_client(CORSMiddleware([SITE], allow_methods=[]))
    for method in ("GET", "HEAD", "POST"):
        assert preflight(client, method=method, headers="Accept, Accept-Language, Content-Language, Content-Type").status_code == 204


def test_regex_origins_must_match_fully() -> None:
    client = make_client(CORSMiddleware(allow_origin_regex=r"https://[a-z0-9-]+\.example\.com"))
    good = client.get("/api/items", headers={"origin": "https://shop.example.com"})
    assert good.headers["access-control-allow-origin"] == "https://shop.example.com"
    bad = client.get("/api/items", headers={"origin": "https://shop.example.com.evil.net"})
    assert "access-control-allow-origin" not in bad.headers
    assert preflight(client, "https://shop.example.com", "GET").status_code == 204
    assert preflight(client, "http://shop.example.com", "GET").status_code == 403


def test_origin_comparison_ignores_case_of_configured_origin() -> None:
    client = make_client(CORSMiddleware(["HTTPS://App.Example"]))
    response = client.get("/api/items", headers={"origin": SITE})
    assert response.headers["access-control-allow-origin"] == SITE


def test_max_age_none_omits_the_header() -> None:
    client = make_client(CORSMiddleware([SITE], max_age=None))
    assert "access-control-max-age" not in preflight(client, method="GET").headers


def test_vary_merges_with_an_existing_value_and_cors_headers_replace_the_handlers() -> None:
    from hornbeam import Response

    cors = CORSMiddleware([SITE])
    app = App(middleware=[cors])

    @app.get("/")
    async def index(request: Request[Any, Any]) -> Response:
        return Response("x", headers={"vary": "Accept", "access-control-allow-origin": "*"})

    with TestClient(app) as client:
        response = client.get("/", headers={"origin": SITE})
    assert response.headers["vary"] == "Accept, Origin"
    assert response.headers.get_list("access-control-allow-origin") == [SITE]


def test_error_responses_carry_cors_headers_too() -> None:
    client = make_client(CORSMiddleware([SITE]))
    missing = client.get("/api/nope", headers={"origin": SITE})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == SITE
    wrong = client.put("/api/items", headers={"origin": SITE})
    assert wrong.status_code == 405 and wrong.headers["access-control-allow-origin"] == SITE


def test_group_cors_answers_preflights_for_its_paths_only() -> None:
    client = make_client(CORSMiddleware([SITE], allow_methods=["DELETE"]), group=True)
    assert preflight(client).status_code == 204
    outside = preflight(client, path="/api/nope")
    assert outside.status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allow_origins": ["https://app.example/"]}, "is not an origin"),
        ({"allow_origins": ["app.example"]}, "is not an origin"),
        ({"allow_origins": ["a, b"]}, "one non-empty name"),
        ({"expose_headers": "*", "allow_credentials": True}, "cannot be '\\*'"),
        # Any site could then read credentialed answers: list the origins or use a regex instead.
        ({"allow_origins": "*", "allow_credentials": True}, "list the origins .* or use allow_origin_regex"),
        ({"allow_origins": [SITE, "*"], "allow_credentials": True}, "list the origins"),
        # Any page can send Origin: null (sandboxed iframes, data: URLs), so it is no safer than '*'.
        ({"allow_origins": [SITE, "null"], "allow_credentials": True}, "'null' .* any page"),
        ({"allow_origin_regex": ".*", "allow_credentials": True}, "matches 'null'"),
        ({"max_age": -1}, "max_age"),
    ],
)
def test_bad_settings_fail_early(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CORSMiddleware(**kwargs)


def test_null_origin_only_when_listed() -> None:
    client = make_client(CORSMiddleware(["null"]))
    assert client.get("/api/items", headers={"origin": "null"}).headers["access-control-allow-origin"] == "null"


def test_credentials_never_reach_a_null_or_unlisted_origin() -> None:
    cors = CORSMiddleware([SITE], allow_origin_regex=r"https://[a-z]+\.example", allow_credentials=True)
    client = make_client(cors)
    for origin in ("null", "https://evil.example.net", "http://app.example"):
        response = client.get("/api/items", headers={"origin": origin})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers
        assert preflight(client, origin).status_code == 403
    assert client.get("/api/items", headers={"origin": "https://shop.example"}).headers[
        "access-control-allow-credentials"
    ] == "true"
