"""Hypothesis: the tree router against a reference matcher (regexes tried in priority order)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any
from urllib.parse import quote, unquote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hornbeam import App, Request
from hornbeam._tree import Tree, split_raw_path
from hornbeam.converters import DEFAULT_CONVERTERS
from hornbeam.routing import Route, parse_pattern

UUID_TEXT = "12345678-1234-5678-1234-567812345678"
PATTERNS = {
    "str": r"[^/]+",
    "int": r"-?[0-9]+",
    "float": r"-?[0-9]+(?:\.[0-9]+)?",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "path": r".+",
}
STATIC = ["a", "b", "c", "1"]
SAMPLE_SEGMENTS = ["a", "b", "c", "1", "-2", "1.5", "zz", "", UUID_TEXT]
METHODS = ["GET", "POST", "DELETE"]


def rank(segment: str) -> tuple[int, int]:
    """Priority of one pattern segment: static, then typed params by priority, then str, then catch-all."""
    if not segment.startswith("{"):
        return (0, 0)
    converter = segment[1:-1].partition(":")[2] or "str"
    if converter == "path":
        return (2, 0)
    return (1, -DEFAULT_CONVERTERS[converter].priority)


def shape(path: str) -> tuple[str, ...]:
    return tuple(s if not s.startswith("{") else ":" + (s[1:-1].partition(":")[2] or "str") for s in path.split("/"))


def convert(kind: str, text: str) -> Any:
    return DEFAULT_CONVERTERS[kind].convert(text)


class Reference:
    """Routes sorted by priority key, each a compiled regex; the first that matches decides."""

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        ordered = sorted(routes, key=lambda r: [rank(s) for s in r[1].split("/")[1:]])
        self.routes = []
        for method, path in ordered:
            kinds = []
            parts = []
            for segment in path.split("/")[1:]:
                if segment.startswith("{"):
                    name, _, kind = segment[1:-1].partition(":")
                    kind = kind or "str"
                    kinds.append((name, kind))
                    parts.append(f"({PATTERNS[kind]})")
                else:
                    parts.append(re.escape(segment))
            self.routes.append((method, path, re.compile("/" + "/".join(parts) + r"\Z"), kinds))

    def match(self, method: str, path: str) -> tuple[int, str | None, dict[str, Any]]:
        for _, route_path, regex, kinds in self.routes:
            found = regex.match(path)
            if found is None:
                continue
            family = {m: p for m, p, _, _ in self.routes if shape(p) == shape(route_path)}
            chosen = family.get(method) or (family.get("GET") if method == "HEAD" else None)
            if chosen is None:
                return 405, None, {}
            names = [s[1:-1].partition(":")[0] for s in chosen.split("/") if s.startswith("{")]
            values = [convert(kind, text) for (_, kind), text in zip(kinds, found.groups())]
            return 200, chosen, dict(zip(names, values))
        return 404, None, {}


def tree_match(tree: Tree[str], method: str, path: str) -> tuple[int, str | None, dict[str, Any]]:
    match = tree.match(path.split("/")[1:])
    if match is None:
        return 404, None, {}
    leaf, params = match
    chosen = leaf.methods.get(method) or (leaf.methods.get("GET") if method == "HEAD" else None)
    if chosen is None:
        return 405, None, {}
    route = leaf.routes[method if method in leaf.methods else "GET"]
    # The leaf names parameters after its first route; others are renamed in order, as the app does.
    return 200, chosen, dict(zip(route.param_names, params.values()))


segment_spec = st.one_of(
    st.sampled_from(STATIC),
    st.sampled_from(["str", "int", "float", "uuid"]).map(lambda kind: ("param", kind)),
)


@st.composite
def route_tables(draw: st.DrawFn) -> list[tuple[str, str]]:
    table: dict[tuple[tuple[str, ...], str], str] = {}
    for _ in range(draw(st.integers(1, 12))):
        specs = draw(st.lists(segment_spec, min_size=1, max_size=4))
        if draw(st.booleans()) and draw(st.booleans()):
            specs.append(("param", "path"))
        names = draw(st.sampled_from(["p", "q", "r"]))
        parts = []
        for index, spec in enumerate(specs):
            if isinstance(spec, tuple):
                kind = spec[1]
                parts.append(f"{{{names}{index}}}" if kind == "str" else f"{{{names}{index}:{kind}}}")
            else:
                parts.append(spec)
        path = "/" + "/".join(parts)
        method = draw(st.sampled_from(METHODS))
        table.setdefault((shape(path), method), path)
    return [(method, path) for (_, method), path in table.items()]


def build_tree(routes: list[tuple[str, str]]) -> Tree[str]:
    tree: Tree[str] = Tree(DEFAULT_CONVERTERS)
    for method, path in routes:
        route = Route(path, lambda r: None, frozenset([method]), segments=parse_pattern(path))
        tree.add(route, [(method, path)])
    return tree


paths = st.lists(st.sampled_from(SAMPLE_SEGMENTS), min_size=1, max_size=6).map(lambda segs: "/" + "/".join(segs))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route_tables(), st.lists(paths, min_size=1, max_size=10), st.sampled_from(METHODS + ["HEAD", "PUT"]))
def test_tree_agrees_with_reference(routes: list[tuple[str, str]], requests: list[str], method: str) -> None:
    tree = build_tree(routes)
    reference = Reference(routes)
    for path in requests:
        assert tree_match(tree, method, path) == reference.match(method, path), (routes, path)


@settings(max_examples=150, deadline=None)
@given(route_tables(), st.lists(paths, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_registration_order_does_not_matter(routes: list[tuple[str, str]], requests: list[str], rnd: Any) -> None:
    shuffled = list(routes)
    rnd.shuffle(shuffled)
    first, second = build_tree(routes), build_tree(shuffled)
    for path in requests:
        for method in METHODS:
            assert tree_match(first, method, path) == tree_match(second, method, path)


values_for = {
    "str": st.text(min_size=1, max_size=8),
    "int": st.integers(-(10**12), 10**12),
    "float": st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    "uuid": st.uuids(),
    "path": st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3).map("/".join),
}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_url_for_then_match_round_trips(data: st.DataObject) -> None:
    kinds = data.draw(st.lists(st.sampled_from(["str", "int", "float", "uuid"]), min_size=1, max_size=3))
    with_rest = data.draw(st.booleans())
    pattern = "/x/" + "/".join(f"{{p{i}:{kind}}}" for i, kind in enumerate(kinds))
    if with_rest:
        pattern += "/{rest:path}"
    app = App()
    app.add_route(pattern, lambda request: "ok", name="target")
    app.freeze()
    params = {f"p{i}": data.draw(values_for[kind]) for i, kind in enumerate(kinds)}
    if with_rest:
        params["rest"] = data.draw(values_for["path"])
    url = app.url_for("target", **params)
    raw = url.encode("ascii")
    match = app.runtime.tree.match(split_raw_path(raw))
    assert match is not None
    _, got = match
    # A catch-all joins decoded segments with '/', so its value reads back unchanged.
    for key, value in params.items():
        if isinstance(value, float):
            assert got[key] == float(value)
        elif isinstance(value, uuid.UUID):
            assert got[key] == value
        else:
            assert got[key] == value


def call(app: App, raw_path: bytes, method: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": b"",
        "headers": [],
    }
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"])


FUZZ_APP = App()
for pattern in ["/", "/a", "/a/{x}", "/a/{x:int}/b", "/u/{id:uuid}", "/f/{v:float}", "/r/{rest:path}"]:

    async def _handler(request: Request[Any, Any]) -> str:
        return "ok"

    FUZZ_APP.add_route(pattern, _handler, ["GET", "POST"], name=pattern)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=40).map(lambda b: b"/" + b),
    st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PATCH"]),
)
def test_no_path_gives_anything_but_a_clean_status(raw_path: bytes, method: str) -> None:
    status = call(FUZZ_APP, raw_path, method)
    assert status in (200, 204, 308, 400, 404, 405)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["GET", "DELETE"]))
def test_any_percent_encoded_text_routes_cleanly(text: str, method: str) -> None:
    raw = ("/" + quote(text, safe="/%")).encode("ascii")
    assert call(FUZZ_APP, raw, method) in (200, 308, 400, 404, 405)
