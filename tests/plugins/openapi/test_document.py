"""DocumentBuilder: the OpenAPI 3.1 document of an app, checked with openapi-spec-validator."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from hornbeam import App, Request, Response, ResponseDoc, Router, hookimpl
from hornbeam.plugins.openapi import document
from hornbeam.plugins.openapi.document import DocumentBuilder, Info
from hornbeam.plugins.validation import Le


@dataclasses.dataclass
class Thing:
    name: str
    size: int = 1


@dataclasses.dataclass
class Search:
    q: str
    tag: list[str] = dataclasses.field(default_factory=list)
    limit: int = 10
    near: float | None = None


class Problem(TypedDict):
    """A route's own type that happens to be called Problem."""

    what: str


async def ok(request: Request[Any, Any], **params: Any) -> None:
    return None


def build(app: App) -> dict[str, Any]:
    built = document(app)
    validate(built)  # type: ignore[arg-type]
    return built


def operation(built: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    found: dict[str, Any] = built["paths"][path][method]
    return found


def test_the_sample_document_is_valid_and_describes_every_route() -> None:
    import sample

    built = build(sample.app)
    assert built["openapi"] == "3.1.0"
    assert built["info"]["title"] == "hornbeam sample"
    operations = {
        (method.upper(), path): op["operationId"] for path, item in built["paths"].items() for method, op in item.items()
    }
    assert operations == {
        ("GET", "/"): "index",
        ("GET", "/health"): "health",
        ("GET", "/items"): "items.list_items",
        ("POST", "/items"): "items.create_item",
        ("GET", "/items/{item_id}"): "items.get_item",
        ("PUT", "/items/{item_id}"): "items.replace_item",
        ("PATCH", "/items/{item_id}"): "items.update_item",
        ("DELETE", "/items/{item_id}"): "items.delete_item",
        ("POST", "/items/{item_id}/notify"): "items.notify_item",
        ("GET", "/tasks/{task_id}"): "task_status",
        ("POST", "/uploads"): "upload",
    }
    create = operation(built, "/items", "post")
    assert create["summary"] == "Create an item."
    assert create["description"] == "The ``Location`` header gives its URL."
    assert create["tags"] == ["items"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemIn"}
    assert set(create["responses"]) == {"201", "400", "413", "415", "422", "default"}
    assert operation(built, "/items/{item_id}", "delete")["responses"]["404"]["description"] == "No item has this id."
    # The sample's openapi_tags, in its order and with descriptions.
    assert built["tags"][0] == {"name": "items", "description": "Items in the store."}
    assert [tag["name"] for tag in built["tags"]] == ["items", "tasks", "uploads", "meta"]


def test_path_parameters_take_their_converter_schema() -> None:
    class Slug:
        catch_all = False
        priority = 5
        schema = {"type": "string", "pattern": "^[a-z-]+$"}

        def convert(self, segment: str) -> str:
            return segment

        def to_url(self, value: Any) -> str:
            return str(value)

    app = App()
    app.register_converter("slug", Slug())
    app.add_route("/a/{i:int}/{f:float}/{u:uuid}/{s}/{g:slug}/{rest:path}", ok)
    (parameters,) = [op["parameters"] for op in build(app)["paths"]["/a/{i}/{f}/{u}/{s}/{g}/{rest}"].values()]
    schemas = {p["name"]: p["schema"] for p in parameters}
    assert all(p["in"] == "path" and p["required"] for p in parameters)
    assert schemas["i"] == {"type": "integer"} and schemas["f"] == {"type": "number"}
    assert schemas["u"] == {"type": "string", "format": "uuid"}
    assert schemas["s"] == {"type": "string", "minLength": 1}
    assert schemas["g"] == {"type": "string", "pattern": "^[a-z-]+$"}
    assert schemas["rest"]["minLength"] == 1 and "'/'" in schemas["rest"]["description"]


def test_query_parameters_come_from_the_query_type_with_lists_exploded() -> None:
    app = App()
    app.add_route("/search", ok, query=Search)
    parameters = {p["name"]: p for p in operation(build(app), "/search")["parameters"]}
    assert parameters["q"] == {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    assert parameters["tag"]["style"] == "form" and parameters["tag"]["explode"] is True
    assert parameters["tag"]["schema"]["type"] == "array"
    assert parameters["limit"]["schema"] == {"type": "integer", "default": 10} and not parameters["limit"]["required"]
    assert parameters["near"]["schema"] == {"type": "number"} and not parameters["near"]["required"]


def test_request_bodies_typed_optional_and_raw() -> None:
    app = App()
    app.add_route("/typed", ok, ["POST"], body=Thing)
    app.add_route("/optional", ok, ["POST"], body=list[int], body_required=False)
    app.add_route("/raw", ok, ["POST"], body=lambda data: data)
    built = build(app)
    typed = operation(built, "/typed", "post")["requestBody"]
    assert typed == {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
    assert built["components"]["schemas"]["Thing"]["required"] == ["name"]
    optional = operation(built, "/optional", "post")["requestBody"]
    assert optional["required"] is False
    assert optional["content"]["application/json"]["schema"] == {"type": "array", "items": {"type": "integer"}}
    raw = operation(built, "/raw", "post")["requestBody"]
    assert raw["content"] == {"application/octet-stream": {}} and "Raw bytes" in raw["description"]


def test_success_answers_follow_the_response_type() -> None:
    app = App()

    async def nothing(request: Request[None, None]) -> None: ...
    async def maybe(request: Request[None, None]) -> Thing | None: ...
    async def text(request: Request[None, None]) -> str: ...
    async def word(request: Request[None, None]) -> Literal["yes", "no"]: ...
    async def blob(request: Request[None, None]) -> bytes: ...
    async def free(request: Request[None, None]) -> Response: ...
    async def things(request: Request[None, None]) -> list[Thing]: ...
    async def either(request: Request[None, None]) -> Thing | list[int] | None: ...
    async def noted(request: Request[None, None]) -> Annotated[str, "a note"]: ...

    class Opaque:
        pass

    for handler in (nothing, maybe, text, word, blob, free, things, either, noted):
        app.add_route(f"/{handler.__name__}", handler)
    app.add_route("/created", things, ["POST"], status=201)
    app.add_route("/opaque", ok, response=Opaque)
    app.add_route("/declared", ok, response=Annotated[str, "declared, so the Annotated wrapper stays"])
    built = build(app)

    def answers(path: str, method: str = "get") -> dict[str, Any]:
        return {k: v for k, v in operation(built, path, method)["responses"].items() if k != "default"}

    assert answers("/nothing") == {"204": {"description": "No Content"}}
    maybe_answers = answers("/maybe")
    assert maybe_answers["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert set(maybe_answers) == {"200", "204"}
    assert answers("/text")["200"]["content"] == {"text/plain": {"schema": {"type": "string"}}}
    for path in ("/word", "/noted", "/declared"):
        assert "text/plain" in answers(path)["200"]["content"], path
    assert answers("/blob")["200"]["content"] == {"application/octet-stream": {}}
    assert answers("/free") == {"200": {"description": "OK"}}
    assert answers("/created", "post")["201"]["content"]["application/json"]["schema"]["type"] == "array"
    assert answers("/opaque")["200"]["content"]["application/json"]["schema"] == {}
    either_answers = answers("/either")
    assert set(either_answers) == {"200", "204"}
    assert len(either_answers["200"]["content"]["application/json"]["schema"]["anyOf"]) == 2


def test_declared_responses_document_errors_as_problems_and_types_as_json() -> None:
    app = App()
    app.add_route(
        "/things/{n:int}",
        ok,
        responses={404: ResponseDoc(None, "No such thing."), 409: ResponseDoc(Thing, "It exists."), 410: None, 304: None,
                   499: None, 299: None},
    )
    responses = operation(build(app), "/things/{n}")["responses"]
    assert responses["404"] == {
        "description": "No such thing.",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    assert responses["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert responses["410"]["description"] == "Gone"
    assert responses["304"] == {"description": "Not Modified"}
    # Statuses http.HTTPStatus does not name.
    assert responses["499"]["description"] == "Error" and responses["299"] == {"description": "Answer"}
    assert list(responses) == sorted(responses, key=lambda status: (status == "default", status))


def test_metadata_hides_a_route_or_replaces_keys_of_its_operation() -> None:
    app = App()
    app.add_route("/hidden", ok, metadata={"openapi": False})
    app.add_route(
        "/shown",
        ok,
        metadata={"openapi": {"security": [{"key": []}], "responses": {401: {"description": "Who are you?"}}}},
    )
    built = build(app)
    assert "/hidden" not in built["paths"]
    shown = operation(built, "/shown")
    assert shown["security"] == [{"key": []}] and shown["responses"]["401"] == {"description": "Who are you?"}
    assert "/openapi.json" not in built["paths"] and "/docs" not in built["paths"]


def test_operation_ids_are_unique() -> None:
    class Handler:
        async def __call__(self, request: Request[None, None]) -> None: ...

    app = App()
    app.add_route("/both", ok, ["GET", "POST"], name="both")
    app.add_route("/one", ok, name="same")
    app.add_route("/two", ok, name="same")
    app.add_route("/v1/{id}/x-y", Handler(), ["PUT"], name="")
    built = build(app)
    assert operation(built, "/both")["operationId"] == "both_get"
    assert operation(built, "/both", "post")["operationId"] == "both_post"
    assert operation(built, "/one")["operationId"] == "same"
    assert operation(built, "/two")["operationId"] == "same_2"
    assert operation(built, "/v1/{id}/x-y", "put")["operationId"] == "put_v1_id_x_y"


def test_templates_of_one_shape_share_parameter_names(caplog: pytest.LogCaptureFixture) -> None:
    app = App()
    app.add_route("/items/{item_id:int}", ok, name="by_id")
    app.add_route("/items/{name}", ok, ["POST"], name="by_name")
    app.add_route("/items/{key:uuid}", ok, name="by_key")
    with caplog.at_level(logging.WARNING, "hornbeam.openapi"):
        built = build(app)
    item = built["paths"]["/items/{item_id}"]
    assert set(item) == {"get", "post"}
    assert item["post"]["parameters"][0]["name"] == "item_id"
    assert "/items/{name}" not in built["paths"]
    (record,) = caplog.records
    assert "GET /items/{item_id} documents route 'by_id'" in record.getMessage()
    assert "route 'by_key' (/items/{key:uuid}) has the same shape" in record.getMessage()


def test_a_route_type_called_problem_keeps_its_name() -> None:
    app = App()
    app.add_route("/p", ok, ["POST"], body=Problem)
    built = build(app)
    schemas = built["components"]["schemas"]
    assert schemas["Problem"]["properties"] == {"what": {"type": "string"}}
    assert schemas["hornbeam.Problem"]["title"] == "Problem"
    error = built["components"]["responses"]["Error"]
    assert error["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/hornbeam.Problem"}
    # Only the name taken gives way.
    failed = built["components"]["responses"]["ValidationFailed"]["content"]["application/problem+json"]
    assert failed["schema"] == {"$ref": "#/components/schemas/ValidationProblem"}
    assert schemas["ValidationProblem"]["allOf"][0] == {"$ref": "#/components/schemas/hornbeam.Problem"}


def test_only_the_answers_used_are_components() -> None:
    app = App()
    app.add_route("/", ok)
    built = build(app)
    assert list(built["components"]["responses"]) == ["Error"]
    assert set(built["components"]["schemas"]) == {"Problem"}


class SchemalessValidator:
    def compile(self, tp: Any, source: str) -> Callable[[Any], Any]:
        return lambda data: data


class Schemaless:
    hornbeam_plugin_name = "schemaless"

    @hookimpl
    def hornbeam_validator(self, app: App) -> SchemalessValidator:
        return SchemalessValidator()


def test_a_validator_without_schema_gives_a_valid_document_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    app = App(plugins=[Schemaless()])
    app.add_route("/search", ok, ["POST"], query=Search, body=Thing)
    with caplog.at_level(logging.WARNING, "hornbeam.openapi"):
        built = build(app)
    search = operation(built, "/search", "post")
    assert "parameters" not in search
    assert search["requestBody"]["content"]["application/json"]["schema"] == {}
    assert "(plugin 'schemaless') cannot describe types" in caplog.text
    assert caplog.text.count("/search") == 1


def test_info_servers_and_tags() -> None:
    app = App()
    app.add_route("/a", ok, tags=["zebra", "apple"])
    app.freeze()
    info = Info("Shop", "2.1", "All the **things**.", ("https://api.example",), (("apple", "Fruit."), ("spare", "")))
    built = DocumentBuilder(app, info).build()
    validate(built)  # type: ignore[arg-type]
    assert built["info"] == {"title": "Shop", "version": "2.1", "description": "All the **things**."}
    assert built["servers"] == [{"url": "https://api.example"}]
    # Described tags first, in their order; then the others as routes use them.
    assert built["tags"] == [{"name": "apple", "description": "Fruit."}, {"name": "spare"}, {"name": "zebra"}]
    app = App()
    app.freeze()
    assert "tags" not in DocumentBuilder(app, Info("Shop", "1")).build()


def test_route_groups_give_tags_and_names() -> None:
    app = App()
    group = Router("/shop", name="shop", tags=["shop"])
    group.add_route("/{n:int}", ok, tags=["read"], deprecated=True)
    app.include(group)
    found = operation(build(app), "/shop/{n}")
    assert found["tags"] == ["shop", "read"] and found["deprecated"] is True and found["operationId"] == "shop.ok"


# Generated apps: every one gives a valid document with unique operation ids.

SEGMENTS = st.sampled_from(["a", "b", "str", "int", "float", "uuid"])
TYPES = st.sampled_from([None, Thing, Search, list[int], dict[str, Thing], uuid.UUID, int | None])
BODIES = st.sampled_from([None, Thing, list[int], dict[str, Thing]])
STATUSES = st.sampled_from([200, 201, 204, 302])
ROUTE = st.tuples(
    st.lists(SEGMENTS, min_size=1, max_size=3),
    st.sets(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), min_size=1, max_size=2),
    BODIES,
    TYPES,
    STATUSES,
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROUTE, max_size=6))
def test_generated_apps_give_valid_documents(routes: list[Any]) -> None:
    app = App()
    taken: set[tuple[str, str]] = set()
    for n, (segments, methods, body, response, status, catch_all) in enumerate(routes):
        parts = [s if s in ("a", "b") else "{p%d%s}" % (i, "" if s == "str" else ":" + s) for i, s in enumerate(segments)]
        if catch_all:
            parts.append("{rest:path}")
        shape = "/".join("{}" if "{" in p else p for p in parts)
        if any((shape, m) in taken for m in methods):
            continue  # the document keeps one operation per template and method (tested above)
        taken.update((shape, m) for m in methods)
        app.add_route("/" + "/".join(parts), ok, sorted(methods), name=f"r{n}", body=body, response=response, status=status)
    built = build(app)
    ids = [op["operationId"] for item in built["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


@dataclasses.dataclass
class Huge:
    m: int
    n: Annotated[int, Le(10**30)] = 0


def test_operations_sharing_a_type_get_copies_of_its_schema() -> None:
    app = App()
    app.add_route("/a", ok, query=Search)
    app.add_route("/b", ok, query=Search)
    app.add_route("/c", ok, query=Huge)
    app.add_route("/d", ok, query=Huge)
    built = build(app)
    first, second = operation(built, "/a")["parameters"], operation(built, "/b")["parameters"]
    assert first == second and first[0]["schema"] is not second[0]["schema"]
    huge = operation(built, "/c")["parameters"][1]["schema"]
    assert huge["maximum"] == 10**30 and huge is not operation(built, "/d")["parameters"][1]["schema"]
    assert operation(built, "/d")["parameters"][0]["required"] is True


def test_a_type_that_cannot_be_a_key_is_described_each_time() -> None:
    unhashable = Annotated[list[int], ["a marker in a list"]]
    app = App()
    app.add_route("/a", ok, ["POST"], body=unhashable)
    app.add_route("/b", ok, ["POST"], body=unhashable)
    built = build(app)
    schemas = [operation(built, path, "post")["requestBody"]["content"]["application/json"]["schema"] for path in ("/a", "/b")]
    assert schemas[0] == schemas[1] == {"type": "array", "items": {"type": "integer"}}


def test_the_pydantic_example_validator_gives_a_valid_document_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[3] / "examples" / "hornbeam-pydantic"))
    import hornbeam_pydantic

    app = App(plugins=[hornbeam_pydantic])
    app.add_route("/search/{n:int}", ok, ["POST"], query=Search, body=Thing, response=list[Thing])
    built = build(app)
    assert app.plugins.providers["hornbeam_validator"] == "hornbeam_pydantic"
    search = operation(built, "/search/{n}", "post")
    assert {p["name"] for p in search["parameters"]} == {"n", "q", "tag", "limit", "near"}
    assert search["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert "Thing" in built["components"]["schemas"]
