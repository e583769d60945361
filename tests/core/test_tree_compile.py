"""The generated matcher against the interpreted one: same leaf, same values, for any table and path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hornbeam import App
from hornbeam import _tree_compile
from hornbeam._tree import Tree
from hornbeam.converters import DEFAULT_CONVERTERS, Converter, StrConverter
from hornbeam.routing import Route, parse_pattern


class HexConverter:
    """A user converter that outranks int: lowercase hex digits."""

    catch_all = False
    priority = 25

    def convert(self, segment: str) -> int:
        if not segment or not set(segment) <= set("0123456789abcdef"):
            raise ValueError(segment)
        return int(segment, 16)

    def to_url(self, value: Any) -> str:
        return format(value, "x")


class NoDotsConverter:
    """A user catch-all, tried before ``path``: the rest of the path, without dots."""

    catch_all = True
    priority = 5

    def convert(self, segment: str) -> str:
        if not segment or "." in segment:
            raise ValueError(segment)
        return segment.upper()

    def to_url(self, value: Any) -> str:
        return str(value)


class PickyStr(StrConverter):
    """Replaces the default ``str``: the generated code must call it, not inline ``if segment:``."""

    def convert(self, segment: str) -> str:
        if segment == "zz":
            raise ValueError(segment)
        return super().convert(segment)


CONVERTERS: dict[str, Converter] = {**DEFAULT_CONVERTERS, "hex": HexConverter(), "nodots": NoDotsConverter()}
PICKY: dict[str, Converter] = {**CONVERTERS, "str": PickyStr()}
KINDS = ["str", "int", "float", "uuid", "hex"]
STATIC = ["a", "b", "c", "1", "ab", "d", "e", "f", "g"]
SEGMENTS = [*STATIC, "-2", "1.5", "zz", "", "x.y", "12345678-1234-5678-1234-567812345678"]


def build(routes: list[tuple[str, str]], converters: dict[str, Converter]) -> Tree[str]:
    tree: Tree[str] = Tree(converters)
    for method, path in routes:
        route = Route(path, lambda r: None, frozenset([method]), segments=parse_pattern(path))
        tree.add(route, [(method, path)])
    return tree


@st.composite
def tables(draw: st.DrawFn) -> list[tuple[str, str]]:
    routes: dict[tuple[str, ...], str] = {}
    for _ in range(draw(st.integers(1, 25))):
        parts = []
        for index in range(draw(st.integers(0, 5))):
            if draw(st.integers(0, 2)):
                parts.append(draw(st.sampled_from(STATIC)))
            else:
                kind = draw(st.sampled_from(KINDS))
                name = draw(st.sampled_from("pq"))
                parts.append(f"{{{name}{index}}}" if kind == "str" else f"{{{name}{index}:{kind}}}")
        if draw(st.integers(0, 3)) == 0:
            parts.append("{rest:" + draw(st.sampled_from(["path", "nodots"])) + "}")
        path = "/" + "/".join(parts)
        key = tuple(p if not p.startswith("{") else p.partition(":")[2] or "str" for p in parts)
        routes.setdefault(key, path)
    return [(draw(st.sampled_from(["GET", "POST"])), path) for path in routes.values()]


paths = st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=11)


def agree(tree: Tree[str], segments: list[str]) -> None:
    got, expected = tree.match(segments), tree.interpret(segments)
    if expected is None:
        assert got is None, segments
        return
    assert got is not None, segments
    assert got[0] is expected[0] and got[1] == expected[1], segments
    assert [type(v) for v in got[1].values()] == [type(v) for v in expected[1].values()]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.lists(paths, min_size=1, max_size=20), st.booleans())
def test_generated_matcher_agrees_with_interpreted(
    routes: list[tuple[str, str]], requests: list[list[str]], picky: bool
) -> None:
    tree = build(routes, PICKY if picky else CONVERTERS)
    tree.compile()
    assert tree.source
    for segments in requests:
        agree(tree, segments)
    # And on every route's own shape, filled in from the sample segments.
    for _, path in routes:
        agree(tree, [s if not s.startswith("{") else "1" for s in path.split("/")[1:]])


def test_source_is_inspectable_and_uses_the_fast_paths() -> None:
    table = [f"/repos/{{owner}}/{{repo}}/{name}" for name in ("events", "forks", "hooks", "keys")]
    table += [f"/repos/{{owner}}/{{repo}}/{name}/{{id:int}}" for name in ("hooks", "keys", "labels")]
    table += [f"/top{i}/{{x}}/x{i}" for i in range(30)] + ["/files/{rest:path}"]
    tree = build([("GET", path) for path in table], CONVERTERS)
    assert tree.source is None
    match = tree.match(["repos", "o", "r", "events"])
    assert match is not None and match[1] == {"owner": "o", "repo": "r"}
    source = tree.source
    assert source is not None and source.startswith("def match(segments):")
    assert ".get(s3)" in source  # the group of last segments under /repos/{owner}/{repo}
    assert "k0 = index" in source  # thirty /topN children: dict and bisection
    assert "convert" in source and "if s1:" in source
    assert "'/'.join((s1, s2))" in source
    for segments in (["repos", "o", "r", "keys", "7"], ["top7", "v", "x7"], ["top7", "v", "x6"], ["files", "a", "b"]):
        agree(tree, segments)
    # Past the unrolled lengths the interpreted matcher takes a catch-all path.
    long = ["files", *"abcdefghij"]
    assert tree.match(long) == tree.interpret(long)


def test_adding_a_route_after_matching_recompiles() -> None:
    tree = build([("GET", "/a/{x}")], CONVERTERS)
    assert tree.match(["a", "b"]) is not None
    tree.add(Route("/a/b", lambda r: None, frozenset(["GET"]), segments=parse_pattern("/a/b")), [("GET", "/a/b")])
    assert tree.source is None
    match = tree.match(["a", "b"])
    assert match is not None and match[0].methods == {"GET": "/a/b"} and match[1] == {}


def test_a_held_bound_match_compiles_once() -> None:
    tree = build([("GET", "/a/{x}")], CONVERTERS)
    stale = tree.match
    assert stale(["a", "b"]) is not None
    source = tree.source
    assert stale(["a", "c"]) is not None and tree.source is source


def test_too_deep_lengths_fall_back_to_the_interpreted_matcher() -> None:
    deep = "/" + "/".join(f"{{p{i}}}" for i in range(70))
    tree = build([("GET", deep), ("GET", "/a/{x:int}")], CONVERTERS)
    tree.compile()
    assert tree.source and "n == 70" not in tree.source
    match = tree.match([str(i) for i in range(70)])
    assert match is not None and len(match[1]) == 70
    agree(tree, ["a", "5"])
    assert tree.match(["b"] * 71) is None


def test_big_tries_keep_the_interpreted_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tree_compile, "MAX_NODES", 3)
    tree = build([("GET", "/a/{x}/b/c")], CONVERTERS)
    tree.compile()
    assert tree.source == ""
    match = tree.match(["a", "1", "b", "c"])
    assert match is not None and match[1] == {"x": "1"}


def test_freeze_compiles_the_tree() -> None:
    app = App()
    app.add_route("/items/{id:int}", lambda request: "ok")
    app.freeze()
    assert app.runtime.tree.source
