"""shadowed_operations: the operations a more specific route can answer 405, checked against the real router."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hornbeam import App, ConfigurationError, Request, Route
from hornbeam.converters import Converter
from hornbeam.plugins.openapi.shadows import shadowed_operations


async def ok(request: Request[Any, Any], **params: Any) -> None:
    return None


def shadowed(*routes: tuple[str, list[str]]) -> set[tuple[str, str]]:
    app = App(disable_plugins=["openapi"])
    for path, methods in routes:
        app.add_route(path, ok, methods)
    found = shadowed_operations(app.routes, app.converters)
    return {(app.routes[index].path, method) for index, method in found}


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        # A typed parameter is tried before a plain one: /items/7 goes to the GET-only route.
        ([("/items/{id:int}", ["GET"]), ("/items/{name}", ["POST"])], {("/items/{name}", "POST")}),
        # A static segment is tried first: /items/new never reaches POST /items/{name}.
        ([("/items/new", ["GET"]), ("/items/{name}", ["POST"])], {("/items/{name}", "POST")}),
        # Disjoint converters: no path fits both.
        ([("/items/{u:uuid}", ["GET"]), ("/items/{n:int}", ["POST"])], set()),
        # The more specific route serves the method too: no 405.
        ([("/items/{id:int}", ["GET"]), ("/items/{name}", ["GET"])], set()),
        # A later, less specific route never takes paths from an earlier one.
        ([("/items/{name}", ["GET"]), ("/items/{name}/x", ["POST"])], set()),
        # Everything under /files/a/ with two segments goes to the POST-only route, before the catch-all.
        ([("/files/{rest:path}", ["GET"]), ("/files/a/{x}", ["POST"])], {("/files/{rest:path}", "GET")}),
        # /7/a: the static 7 comes first, and under it the catch-all takes "a".
        ([("/7/{rest:path}", ["GET"]), ("/{s}/a", ["POST"])], {("/{s}/a", "POST")}),
        # A static segment the parameter's converter refuses is not in the way.
        ([("/n/{i:int}", ["POST"]), ("/n/latest", ["GET"])], set()),
        # HEAD is served by GET.
        ([("/r/{i:int}", ["GET"]), ("/r/{name}", ["GET", "HEAD"])], set()),
    ],
)
def test_known_cases(routes: list[tuple[str, list[str]]], expected: set[tuple[str, str]]) -> None:
    assert shadowed(*routes) == expected


class Anything:
    """A converter of one's own: nothing is known about what it accepts."""

    catch_all = False
    priority = 40

    def convert(self, segment: str) -> str:
        return segment

    def to_url(self, value: Any) -> str:
        return str(value)


class Tail:
    """A catch-all of one's own, tried before ``path`` (higher priority)."""

    catch_all = True
    priority = 10

    def convert(self, segment: str) -> str:
        return segment

    def to_url(self, value: Any) -> str:
        return str(value)


def test_catch_alls_at_one_position_go_by_priority() -> None:
    app = App(disable_plugins=["openapi"])
    app.register_converter("tail", Tail())
    app.add_route("/files/{p:path}", ok, ["POST"])
    app.add_route("/files/{t:tail}", ok, ["GET"])
    found = shadowed_operations(app.routes, app.converters)
    assert {(app.routes[i].path, m) for i, m in found} == {("/files/{p:path}", "POST")}


def test_a_converter_of_ones_own_is_assumed_to_overlap() -> None:
    app = App(disable_plugins=["openapi"])
    app.register_converter("any", Anything())
    app.add_route("/x/{a:any}", ok, ["GET"])
    app.add_route("/x/{u:uuid}", ok, ["POST"])
    found = shadowed_operations(app.routes, app.converters)
    assert {(app.routes[i].path, m) for i, m in found} == {("/x/{u:uuid}", "POST")}


# The property: whenever the router sends a path an operation matches to a route that does not
# serve its method (a 405), the operation is among those found. Never a 405 the document misses.

PATTERN_SEGMENTS = st.sampled_from(["a", "7", "{s}", "{i:int}", "{f:float}", "{u:uuid}", "{any:any}"])
SEGMENT_VALUES = st.sampled_from(["a", "7", "1.5", "b", str(uuid.UUID(int=5)), "-3"])
METHODS = st.sampled_from([["GET"], ["POST"], ["GET", "POST"], ["PUT"]])


def matches(route: Route, segments: list[str], converters: dict[str, Converter]) -> bool:
    pattern = route.segments
    for index, segment in enumerate(pattern):
        if index >= len(segments):
            return False
        if segment.param is None:
            if segment.text != segments[index]:
                return False
            continue
        converter = converters[segment.converter or "str"]
        text = "/".join(segments[index:]) if converter.catch_all else segments[index]
        try:
            converter.convert(text)
        except ValueError:
            return False
        if converter.catch_all:
            return True
    return len(pattern) == len(segments)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.lists(PATTERN_SEGMENTS, min_size=1, max_size=3), st.booleans(), METHODS), min_size=1, max_size=6),
    st.lists(st.lists(SEGMENT_VALUES, min_size=1, max_size=4), min_size=1, max_size=12),
)
def test_every_405_an_operation_can_get_is_found(patterns: list[Any], paths: list[list[str]]) -> None:
    app = App(disable_plugins=["openapi"])
    app.register_converter("any", Anything())
    for segments, catch_all, methods in patterns:
        parts = [s if "{" not in s else s.replace("{", "{p%d" % i) for i, s in enumerate(segments)]
        path = "/" + "/".join(parts + (["{rest:path}"] if catch_all else []))
        app.add_route(path, ok, methods)
    try:
        app.freeze()
    except ConfigurationError:
        return  # two routes for the same requests: refused at start-up, nothing to document
    routes = app.routes
    found = shadowed_operations(routes, app.converters)
    tree = app.runtime.tree
    for segments in paths:
        match = tree.match(list(segments))
        for index, route in enumerate(routes):
            if not matches(route, segments, app.converters):
                continue
            assert match is not None, (route.path, segments)
            leaf = match[0]
            for method in route.methods:
                if method not in leaf.methods:
                    assert (index, method) in found, (route.path, method, segments, leaf.allow)
