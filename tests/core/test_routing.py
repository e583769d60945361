"""The router: patterns, priorities, groups, conflicts, reverse routing, 404/405/HEAD/OPTIONS."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from hornbeam import App, ConfigurationError, Request, Router
from hornbeam.testing import TestClient

GITHUB_ROUTES = json.loads((Path(__file__).parent.parent / "data" / "github_routes.json").read_text())


def echo(name: str) -> Any:
    async def handler(request: Request[Any, Any]) -> dict[str, Any]:
        params = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in request.path_params.items()}
        return {"route": name, "params": params}

    handler.__name__ = name.replace("/", "_").replace("{", "").replace("}", "").replace(":", "_") or "root"
    return handler


def client_for(*routes: tuple[str, str], **app_options: Any) -> TestClient:
    app = App(**app_options)
    for method, path in routes:
        app.add_route(path, echo(path), [method], name=f"{method} {path}")
    return TestClient(app)


def test_static_param_and_typed_routes_live_side_by_side() -> None:
    client = client_for(
        ("GET", "/users/{user}/repos"),
        ("GET", "/users/{user_id:int}/posts/{post_id}"),
        ("GET", "/users/me/repos"),
    )
    assert client.get("/users/alice/repos").json() == {"route": "/users/{user}/repos", "params": {"user": "alice"}}
    assert client.get("/users/7/posts/x").json() == {
        "route": "/users/{user_id:int}/posts/{post_id}",
        "params": {"user_id": 7, "post_id": "x"},
    }
    assert client.get("/users/me/repos").json()["route"] == "/users/me/repos"
    # "7" is also a valid {user}: the typed branch fails on "repos" and backtracks.
    assert client.get("/users/7/repos").json() == {"route": "/users/{user}/repos", "params": {"user": "7"}}
    assert client.get("/users/alice/posts/x").status_code == 404


def test_static_dead_end_backtracks_to_parameter() -> None:
    client = client_for(("GET", "/a/b/c"), ("GET", "/a/{x}/d"))
    assert client.get("/a/b/d").json() == {"route": "/a/{x}/d", "params": {"x": "b"}}
    assert client.get("/a/b/c").json()["route"] == "/a/b/c"


def test_typed_parameters_tried_before_plain_ones() -> None:
    client = client_for(
        ("GET", "/v/{s}"),
        ("GET", "/v/{i:int}"),
        ("GET", "/v/{f:float}"),
        ("GET", "/v/{u:uuid}"),
    )
    assert client.get("/v/12").json()["params"] == {"i": 12}
    assert client.get("/v/1.5").json()["params"] == {"f": 1.5}
    u = "12345678-1234-5678-1234-567812345678"
    assert client.get(f"/v/{u}").json()["params"] == {"u": u}
    assert client.get("/v/abc").json()["params"] == {"s": "abc"}


def test_catch_all_does_not_shadow_longer_parameter_route() -> None:
    client = client_for(("GET", "/{slug}/hello"), ("GET", "/{rest:path}"))
    assert client.get("/x/hello").json() == {"route": "/{slug}/hello", "params": {"slug": "x"}}
    assert client.get("/x/hello/there").json() == {"route": "/{rest:path}", "params": {"rest": "x/hello/there"}}
    assert client.get("/x").json()["params"] == {"rest": "x"}


def test_different_parameter_names_at_the_same_position() -> None:
    client = client_for(("GET", "/users/{id}"), ("DELETE", "/users/{name}"), ("GET", "/users/{uid}/x"))
    assert client.get("/users/1").json()["params"] == {"id": "1"}
    assert client.delete("/users/1").json()["params"] == {"name": "1"}
    assert client.get("/users/1/x").json()["params"] == {"uid": "1"}


def test_one_route_serves_several_methods() -> None:
    app = App()

    @app.route("/things", methods=["GET", "POST"])
    async def things(request: Request[Any, Any]) -> str:
        return request.method

    client = TestClient(app)
    assert client.get("/things").text == "GET"
    assert client.post("/things").text == "POST"
    response = client.put("/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 405


def test_head_is_served_by_get_without_body() -> None:
    client = client_for(("GET", "/h"))
    get, head = client.get("/h"), client.head("/h")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


def test_options_answers_with_allow() -> None:
    client = client_for(("GET", "/o"), ("PUT", "/o"))
    response = client.options("/o")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, PUT"


def test_explicit_options_handler_wins() -> None:
    client = client_for(("OPTIONS", "/o"), ("GET", "/o"))
    assert client.options("/o").json()["route"] == "/o"


def test_not_found_is_problem_json() -> None:
    response = client_for(("GET", "/a")).get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no route matches /nope",
        "instance": "/nope",
    }


def test_trailing_slash_redirect_policy() -> None:
    client = client_for(("GET", "/a"), ("GET", "/b/"), ("POST", "/c/{x}"))
    response = client.get("/a/?q=1", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/a?q=1"
    assert client.get("/b", follow_redirects=False).headers["location"] == "/b/"
    assert client.post("/c/1/", follow_redirects=False).status_code == 308
    assert client.get("/a/").json()["route"] == "/a"


def test_trailing_slash_strict_policy() -> None:
    client = client_for(("GET", "/a"), trailing_slash="strict")
    assert client.get("/a/", follow_redirects=False).status_code == 404
    with pytest.raises(ConfigurationError):
        App(trailing_slash="sometimes")  # type: ignore[arg-type]


def test_percent_encoded_slash_stays_inside_parameter() -> None:
    client = client_for(("GET", "/files/{name}"), ("GET", "/files/{a}/{b}"), ("GET", "/all/{p:path}"))
    assert client.get("/files/a%2Fb").json() == {"route": "/files/{name}", "params": {"name": "a/b"}}
    assert client.get("/files/a/b").json()["route"] == "/files/{a}/{b}"
    assert client.get("/files/caf%C3%A9").json()["params"] == {"name": "café"}
    assert client.get("/all/x/y%20z").json()["params"] == {"p": "x/y z"}


def test_invalid_utf8_path_is_400() -> None:
    response = client_for(("GET", "/files/{name}")).get("/files/%FF%FE")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_route_groups_nest_and_flatten() -> None:
    app = App()
    api = Router(prefix="/api", name="api")
    v1 = Router(prefix="/v1", name="v1")

    @v1.get("/items/{item_id:int}")
    async def get_item(request: Request[Any, Any], item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @v1.get("")
    async def v1_root(request: Request[Any, Any]) -> str:
        return "v1"

    api.include(v1)
    app.include(api)
    client = TestClient(app)
    assert client.get("/api/v1/items/3").json() == {"item_id": 3}
    assert client.get("/api/v1").text == "v1"
    assert app.url_for("api.v1.get_item", item_id=3) == "/api/v1/items/3"


def test_group_prefix_is_checked() -> None:
    with pytest.raises(ConfigurationError):
        Router(prefix="api")
    with pytest.raises(ConfigurationError):
        Router(prefix="/api/")
    router = Router()
    with pytest.raises(ConfigurationError):
        router.include(router)


def test_conflicting_routes_fail_at_startup_naming_both() -> None:
    app = App()
    app.add_route("/users/{id}", echo("first"), ["GET"])
    app.add_route("/users/{name}", echo("second"), ["GET"])
    with pytest.raises(ConfigurationError) as info:
        app.freeze()
    message = str(info.value)
    assert "/users/{id}" in message and "/users/{name}" in message


@pytest.mark.parametrize(
    "path",
    ["users", "/users/{id", "/users/x{id}", "/users/{id}/{id}", "/a/{p:path}/b", "/u/{1x}"],
)
def test_malformed_patterns_rejected(path: str) -> None:
    with pytest.raises(ConfigurationError):
        App().add_route(path, echo("x"))


def test_unknown_converter_and_method_rejected() -> None:
    app = App()
    app.add_route("/x/{a:nope}", echo("x"))
    with pytest.raises(ConfigurationError, match="unknown converter 'nope'"):
        app.freeze()
    with pytest.raises(ConfigurationError):
        App().add_route("/x", echo("x"), ["FETCH"])


def test_routes_cannot_change_after_start() -> None:
    app = App()
    app.add_route("/x", echo("x"))
    app.freeze()
    with pytest.raises(ConfigurationError):
        app.add_route("/y", echo("y"))
    with pytest.raises(ConfigurationError):
        app.register_converter("slug", object())  # type: ignore[arg-type]


def test_user_registered_converter() -> None:
    class Slug:
        catch_all = False
        priority = 15

        def convert(self, segment: str) -> str:
            if not segment.replace("-", "").isalnum() or segment != segment.lower():
                raise ValueError(segment)
            return segment

        def to_url(self, value: Any) -> str:
            return self.convert(str(value))

    app = App()
    app.register_converter("slug", Slug())
    app.add_route("/p/{s:slug}", echo("slug"), name="slug")
    app.add_route("/p/{other}", echo("other"))
    client = TestClient(app)
    assert client.get("/p/hello-world").json()["route"] == "slug"
    assert client.get("/p/Hello").json()["route"] == "other"
    assert app.url_for("slug", s="a-b") == "/p/a-b"


def test_url_for_encodes_and_checks_params() -> None:
    app = App()
    app.add_route("/u/{name}/f/{rest:path}", echo("x"), name="f")
    assert app.url_for("f", name="a b/c", rest="d/e f") == "/u/a%20b%2Fc/f/d/e%20f"
    with pytest.raises(ValueError, match="missing"):
        app.url_for("f", name="a")
    with pytest.raises(KeyError):
        app.url_for("nope")


def test_url_for_ambiguous_name() -> None:
    app = App()
    app.add_route("/a", echo("x"), name="same")
    app.add_route("/b", echo("y"), name="same")
    with pytest.raises(KeyError, match="several routes"):
        app.url_for("same")


def test_handler_keyword_parameters_must_be_path_parameters() -> None:
    app = App()

    async def handler(request: Request[Any, Any], missing: str) -> str:
        return missing

    app.add_route("/x/{present}", handler)
    with pytest.raises(ConfigurationError, match="must be path parameters"):
        app.freeze()


@pytest.mark.parametrize(("method", "path"), GITHUB_ROUTES)
def test_github_routes_register_and_match(method: str, path: str) -> None:
    client = GITHUB_CLIENT
    concrete = path.replace("{", "v_").replace("}", "")
    response = client.request(method, concrete)
    assert response.status_code == 200, (method, path, response.text)
    body = response.json()
    assert body["route"] == path
    expected = {seg[1:-1]: "v_" + seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
    assert body["params"] == expected


def _github_client() -> TestClient:
    app = App()
    for method, path in GITHUB_ROUTES:
        app.add_route(path, echo(path), [method], name=f"{method} {path}")
    return TestClient(app)


GITHUB_CLIENT = _github_client()


def test_ten_thousand_routes_register_and_match() -> None:
    # How fast they register is measured in bench/router.py, never asserted here.
    app = App()
    handler = echo("x")
    for i in range(10_000):
        app.add_route(f"/r{i % 100}/{{id:int}}/s{i}/{{name}}", handler, name=f"r{i}")
    app.freeze()
    assert TestClient(app).get("/r7/1/s9907/x").json()["params"] == {"id": 1, "name": "x"}


def test_trailing_slash_redirect_keeps_percent_escapes() -> None:
    client = client_for(("GET", "/files/{name}"), ("GET", "/dir/{name}/"))
    response = client.get("/files/a%2Fb/", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/files/a%2Fb"
    assert client.get("/dir/a%20b", follow_redirects=False).headers["location"] == "/dir/a%20b/"
    assert client.get("/files/a%2Fb/").json()["params"] == {"name": "a/b"}


def test_trailing_slash_added_only_where_a_route_can_take_it() -> None:
    client = client_for(("GET", "/a/{x}"), ("GET", "/b/{rest:path}"))
    assert client.get("/a/1/2", follow_redirects=False).status_code == 404
    assert client.get("/a/1/", follow_redirects=False).headers["location"] == "/a/1"
