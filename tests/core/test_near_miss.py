"""A typed path parameter that refuses its value: still a 404, with a detail that says which route and why."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import App, Request
from hornbeam.testing import TestClient


def items_app() -> App:
    app = App()

    @app.get("/items/{item_id:int}")
    async def get_item(request: Request[None, None], item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/users/{user_id:uuid}/posts/{post:int}")
    async def post(request: Request[None, None], user_id: Any, post: int) -> str:
        return "post"

    @app.get("/files/{rest:path}")
    async def files(request: Request[None, None], rest: str) -> str:
        return rest

    @app.get("/plain/{name}")
    async def plain(request: Request[None, None], name: str) -> str:
        return name

    return app


CLIENT = TestClient(items_app())


def test_a_bad_typed_value_is_a_404_naming_the_route_and_the_parameter() -> None:
    response = CLIENT.get("/items/abc")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "no route matches /items/abc: route /items/{item_id:int} would, but its parameter 'item_id' "
        "takes only int values ('abc' is not an integer (ASCII digits with an optional leading '-'))"
    )


def test_the_parameter_named_is_the_one_that_refused() -> None:
    uuid = "0b3e4d7a-8a4f-4b7e-9a51-2f1d3c4b5a69"
    assert "parameter 'post' takes only int values" in CLIENT.get(f"/users/{uuid}/posts/x").json()["detail"]
    assert "parameter 'user_id' takes only uuid values" in CLIENT.get("/users/nope/posts/1").json()["detail"]


def test_paths_no_route_comes_close_to_keep_the_plain_detail() -> None:
    for path in ("/nowhere", "/items", "/items/1/more", "/plain"):
        assert CLIENT.get(path).json()["detail"] == f"no route matches {path}"


def test_an_app_without_typed_parameters_keeps_the_plain_detail() -> None:
    app = App()
    app.add_route("/a/{name}", lambda request, name: name)
    assert TestClient(app).get("/b/c").json()["detail"] == "no route matches /b/c"


def test_two_routes_differing_only_by_converter_are_both_considered() -> None:
    app = App()
    app.add_route("/v/{n:int}", lambda request, n: "int")
    app.add_route("/v/{n:uuid}", lambda request, n: "uuid")
    detail = TestClient(app).get("/v/zz").json()["detail"]
    assert detail.startswith("no route matches /v/zz: route /v/{n:int} would")


@settings(deadline=None)
@given(st.text(alphabet="abcxyz-_~", min_size=1, max_size=12))
def test_any_value_that_is_not_an_integer_explains_itself(value: str) -> None:
    detail = CLIENT.get(f"/items/{value}").json()["detail"]
    assert detail.startswith(f"no route matches /items/{value}: route /items/{{item_id:int}} would")


@settings(deadline=None)
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integers_still_match(value: int) -> None:
    assert CLIENT.get(f"/items/{value}").json() == {"id": value}


def test_a_typed_route_ending_in_a_catch_all_is_explained_at_any_depth() -> None:
    app = App()
    app.add_route("/repos/{n:int}/files/{rest:path}", lambda request, n, rest: rest)
    client = TestClient(app)
    for path in ("/repos/x/files/a", "/repos/x/files/a/b/c/d"):
        detail = client.get(path).json()["detail"]
        assert detail.startswith(f"no route matches {path}: route /repos/{{n:int}}/files/{{rest:path}} would")
    for path in ("/repos/x/files", "/repos/x/files/"):  # the rest of the path may not be empty
        assert client.get(path).json()["detail"] == f"no route matches {path}"


@settings(deadline=None)
@given(st.lists(st.sampled_from(["items", "users", "posts", "files", "x", "1"]), max_size=6))
def test_the_segment_count_filter_never_hides_a_near_miss(segments: list[str]) -> None:
    # The reference, by hand: a path a typed route would take but for a value its converter refuses.
    path = "/" + "/".join(segments)
    items = len(segments) == 2 and segments[0] == "items" and segments[1] != "1"
    # No sampled value is a UUID, so users/?/posts/? always has a refused value.
    posts = len(segments) == 4 and segments[0] == "users" and segments[2] == "posts"
    response = CLIENT.get(path)
    if items or posts:
        assert "would, but its parameter" in response.json()["detail"]
    elif response.status_code == 404:
        assert response.json()["detail"] == f"no route matches {path}"
