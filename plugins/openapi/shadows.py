"""Which operations can be answered 405: some of their paths go to a more specific route.

The router picks the route by path alone, then the method: at each segment a static
segment is tried first, then typed parameters (highest converter priority first), then
catch-alls, backtracking from dead ends. So ``POST /items/{name}`` is answered 405 for
``/items/7`` when ``GET /items/{id:int}`` exists and nothing serves POST there. This
module mirrors the route tree and finds, for each operation, whether a route tried
before it can match one of its paths without serving its method.

The answer leans to "yes" when it cannot know (a converter of your own may accept
anything), so the document may list a 405 that never happens, never miss one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from hornbeam.converters import Converter, FloatConverter, IntConverter, StrConverter, UUIDConverter
from hornbeam.routing import Route

__all__ = ["shadowed_operations"]

_KNOWN = frozenset({StrConverter, IntConverter, FloatConverter, UUIDConverter})
_NUMBERS = frozenset({IntConverter, FloatConverter})

# One segment of a route pattern: ("static", text), ("param", converter) or ("rest", converter).
Part = tuple[str, "str | Converter"]


class _Node:
    __slots__ = ("static", "params", "rest", "methods")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.params: list[tuple[Converter, _Node]] = []
        self.rest: list[tuple[Converter, _Node]] = []
        self.methods: set[str] | None = None


def shadowed_operations(routes: Sequence[Route], converters: Mapping[str, Converter]) -> set[tuple[int, str]]:
    """``(index in routes, method)`` of every operation some of whose paths another route answers 405.

    ``routes`` must be in the order the app added them to its tree (``app.routes``).
    """
    root = _Node()
    patterns = [_parts(route, converters) for route in routes]
    for route, parts in zip(routes, patterns):
        leaf = _add(root, parts)
        leaf.methods = (leaf.methods or set()) | set(route.methods)
        if "GET" in leaf.methods:
            leaf.methods.add("HEAD")
    found = set()
    for index, (route, parts) in enumerate(zip(routes, patterns)):
        for method in route.methods:
            if _taken(root, parts, 0, False, method):
                found.add((index, method))
    return found


def _parts(route: Route, converters: Mapping[str, Converter]) -> list[Part]:
    parts: list[Part] = []
    for segment in route.segments:
        if segment.param is None:
            parts.append(("static", segment.text))
            continue
        converter = converters[segment.converter or "str"]
        parts.append(("rest" if converter.catch_all else "param", converter))
    return parts


def _add(root: _Node, parts: list[Part]) -> _Node:
    """The leaf node of ``parts``, created as ``hornbeam._tree.Tree.add`` creates its own."""
    node = root
    for kind, value in parts:
        if isinstance(value, str):
            node = node.static.setdefault(value, _Node())
            continue
        children = node.rest if kind == "rest" else node.params
        child = next((n for c, n in children if c is value), None)
        if child is None:
            child = _Node()
            children.append((value, child))
            # Stable: registration order among equal priorities, as in the router.
            children.sort(key=lambda pair: -pair[0].priority)
        node = child
    return node


def _lacks(node: _Node, method: str) -> bool:
    return node.methods is not None and method not in node.methods


def _taken(node: _Node, parts: list[Part], index: int, diverged: bool, method: str) -> bool:
    """Whether a path of ``parts`` can end, below ``node``, at a route tried before the operation's own
    (``diverged``: this branch already comes first) that does not serve ``method``."""
    if index == len(parts):
        return diverged and _lacks(node, method)
    kind, value = parts[index]
    if isinstance(value, str):
        own = node.static.get(value)
        if own is not None and _taken(own, parts, index + 1, diverged, method):
            return True
        if not diverged:
            return False  # a static segment is tried before anything else at its position
        takers = [child for converter, child in node.params if _accepts(converter, value)]
        return any(_taken(child, parts, index + 1, True, method) for child in takers) or any(
            _lacks(leaf, method) for _, leaf in node.rest
        )
    if kind == "param":
        for text, child in node.static.items():
            if _accepts(value, text) and _taken(child, parts, index + 1, True, method):
                return True
        for converter, child in node.params:
            if converter is value:
                if _taken(child, parts, index + 1, diverged, method):
                    return True
                if not diverged:
                    return False  # what comes after the operation's own branch is tried after it
            elif _may_overlap(converter, value) and _taken(child, parts, index + 1, True, method):
                return True
        return diverged and any(_lacks(leaf, method) for _, leaf in node.rest)
    # A catch-all takes any rest of one segment or more: every route below this node is tried first.
    earlier = [*node.static.values(), *(child for _, child in node.params)]
    for converter, leaf in node.rest:
        if converter is value and not diverged:
            break
        earlier.append(leaf)
    return any(_below_lacks(child, method) for child in earlier)


def _below_lacks(node: _Node, method: str) -> bool:
    """Whether any route at or below ``node`` does not serve ``method``."""
    stack: list[_Node] = [node]
    while stack:
        current = stack.pop()
        if _lacks(current, method):
            return True
        stack.extend(_children(current))
    return False


def _children(node: _Node) -> Iterable[_Node]:
    yield from node.static.values()
    yield from (child for _, child in node.params)
    yield from (child for _, child in node.rest)


def _accepts(converter: Converter, text: str) -> bool:
    try:
        converter.convert(text)
    except ValueError:
        return False
    return True


def _may_overlap(first: Converter, second: Converter) -> bool:
    """Whether one segment can fit both converters; True unless both are built-ins known to differ."""
    kinds = {type(first), type(second)}
    if not kinds <= _KNOWN or StrConverter in kinds or len(kinds) == 1:
        return True
    return kinds <= _NUMBERS
