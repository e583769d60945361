"""Turns a route tree into the source of one specialised matcher function.

The generated ``match(segments)`` does what the interpreted ``_tree._match``
does, unrolled. It first branches on the number of segments; each branch
unpacks the segments into locals and walks only the part of the trie that can
end on a route of that length (or on a catch-all before it). Every trie node
becomes a block: static children are string comparisons, typed parameters call
their converter inside ``try``, and a block that finds nothing falls through
to the next candidate, which is the backtracking. Values live in locals until
the ``return``. Static children that each lead to one route by the same code
share a dict from segment to leaf.

Paths longer than any route without a catch-all, and lengths too deep to nest
as Python blocks, go to the interpreted matcher, which is always correct; so
does a whole trie of more than MAX_NODES nodes. ``Tree.source`` holds the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .converters import Converter, PathConverter, StrConverter

if TYPE_CHECKING:
    from ._tree import Leaf, _Node

__all__ = ["Matcher", "compile_matcher"]

E = TypeVar("E")

Matcher = Callable[[list[str]], "tuple[Leaf[E], dict[str, Any]] | None"]

# What a dict lookup and an int comparison cost, in units of one str == (measured
# on CPython 3.11): they decide between a chain of == and a dict plus bisection.
DICT_COST = 3.5
INT_COST = 1.2
# At least this many static children whose code differs only by the leaf: a dict from segment to leaf.
GROUP_MIN = 3
# With a catch-all, paths up to this many segments past it are unrolled too.
CATCH_ALL_SPAN = 4
# Generating and compiling costs about 20 µs per trie node; a bigger trie keeps the
# interpreted matcher so that start-up stays fast (5,000 nodes: ~6,000 routes, ~0.1 s).
MAX_NODES = 5_000
# Python refuses more than 100 levels of indentation; a length whose code would
# nest deeper than this is left to the interpreted matcher.
MAX_INDENT = 60


class _TooDeep(Exception):
    pass


class _Generator:
    def __init__(self, root: _Node[Any]) -> None:
        self.root = root
        self.namespace: dict[str, Any] = {}
        self._names: dict[int, str] = {}
        self.lines: list[str] = []
        # For each node (by id): how many routes end below it, by path length, and
        # how many catch-alls hang below it, by the depth of the node they hang on.
        self.ends: dict[int, dict[int, int]] = {}
        self.catches: dict[int, dict[int, int]] = {}
        self._survey(root, 0)
        # While a child's code is captured as a shape: the local that holds its one leaf.
        self._alias: str | None = None
        self._aliased: Leaf[Any] | None = None

    def _survey(self, node: _Node[Any], depth: int) -> None:
        ends: dict[int, int] = {depth: 1} if node.leaf is not None else {}
        catches: dict[int, int] = {depth: len(node.catch_all)} if node.catch_all else {}
        for child in (*node.static.values(), *(child for _, child in node.params)):
            self._survey(child, depth + 1)
            for length, count in self.ends[id(child)].items():
                ends[length] = ends.get(length, 0) + count
            for below, count in self.catches[id(child)].items():
                catches[below] = catches.get(below, 0) + count
        self.ends[id(node)] = ends
        self.catches[id(node)] = catches

    def _count(self, node: _Node[Any], n: int) -> int:
        """How many routes below ``node`` a path of ``n`` segments can end on."""
        count = self.ends[id(node)].get(n, 0)
        catches = self.catches[id(node)]
        if catches:
            count += sum(number for depth, number in catches.items() if depth < n)
        return count

    def _const(self, obj: object, prefix: str, key: object = None) -> str:
        """A global name in the generated module for ``obj`` (leaves, converters, dicts)."""
        name = self._names.get(id(obj if key is None else key))
        if name is None:
            name = self._names[id(obj if key is None else key)] = f"{prefix}{len(self._names)}"
            self.namespace[name] = obj
        return name

    def _line(self, indent: int, text: str) -> None:
        if indent > MAX_INDENT:
            raise _TooDeep
        self.lines.append("    " * indent + text)

    def source(self) -> str:
        """The text of ``def match(segments)``; it calls ``fallback`` for the lengths it leaves out."""
        root = self.root
        lengths = set(self.ends[id(root)])
        catch = min(self.catches[id(root)], default=None)
        if catch is not None:
            lengths.update(range(catch + 1, max(max(lengths, default=0), catch + CATCH_ALL_SPAN) + 1))
        self._line(0, "def match(segments):")
        self._line(1, "n = len(segments)")
        complete = True
        # PERF: the lengths with the most routes are tested first.
        for n in sorted(lengths, key=lambda n: (-self._count(root, n), n)):
            mark = len(self.lines)
            try:
                self._length(n)
            except _TooDeep:
                del self.lines[mark:]
                complete = False
        # Longer paths can only end on a catch-all: the interpreted matcher takes them.
        self._line(1, "return fallback(segments)" if catch is not None or not complete else "return None")
        return "\n".join(self.lines) + "\n"

    def _length(self, n: int) -> None:
        self._line(1, f"if n == {n}:")
        if n == 1:
            self._line(2, "s0, = segments")
        elif n:
            self._line(2, f"{', '.join(f's{i}' for i in range(n))} = segments")
        self._node(self.root, 0, n, (), 2)
        self._line(2, "return None")

    def _return(self, leaf: Leaf[Any], values: tuple[str, ...], indent: int) -> None:
        name = self._alias
        if name is None:
            name = self._const(leaf, "leaf")
        else:
            self._aliased = leaf
        # PERF: the path parameters come back as a dict display: no zip, no dict() call per request.
        params = ", ".join(f"{key!r}: {value}" for key, value in zip(leaf.names, values))
        self._line(indent, f"return {name}, {{{params}}}")

    def _node(self, node: _Node[Any], depth: int, n: int, values: tuple[str, ...], indent: int) -> None:
        if depth == n:
            assert node.leaf is not None
            self._return(node.leaf, values, indent)
            return
        segment = f"s{depth}"
        self._statics(node, depth, n, values, indent)
        for converter, child in node.params:
            if not self._count(child, n):
                continue
            if type(converter) is StrConverter:
                # PERF: the default converter only rejects the empty segment; no call.
                self._line(indent, f"if {segment}:")
                self._node(child, depth + 1, n, (*values, segment), indent + 1)
                continue
            value = f"v{depth}"
            self._convert(converter, segment, value, indent)
            self._node(child, depth + 1, n, (*values, value), indent + 1)
        if node.catch_all:
            rest = segment
            if depth < n - 1:
                rest = f"r{depth}"
                self._line(indent, f"{rest} = '/'.join(({', '.join(f's{i}' for i in range(depth, n))}))")
            for converter, leaf in node.catch_all:
                if type(converter) is PathConverter:
                    self._line(indent, f"if {rest}:")
                    self._return(leaf, (*values, rest), indent + 1)
                    continue
                self._convert(converter, rest, f"c{depth}", indent)
                self._return(leaf, (*values, f"c{depth}"), indent + 1)

    def _convert(self, converter: Converter, segment: str, value: str, indent: int) -> None:
        """``try: value = convert(segment)``; what follows, one level in, runs only when it fits."""
        self._line(indent, "try:")
        self._line(indent + 1, f"{value} = {self._const(converter.convert, 'convert', converter)}({segment})")
        self._line(indent, "except ValueError:")
        self._line(indent + 1, "pass")
        self._line(indent, "else:")

    def _statics(self, node: _Node[Any], depth: int, n: int, values: tuple[str, ...], indent: int) -> None:
        # A segment equals at most one static child, so their order is free: the
        # busiest first. Whatever fails falls through to the parameters.
        children = [(text, child, count) for text, child in node.static.items() if (count := self._count(child, n))]
        if not children:
            return
        children.sort(key=lambda c: -c[2])
        # Children with a single route below them whose code is the same but for that
        # route's leaf (``/repos/{o}/{r}/events``, ``/repos/{o}/{r}/hooks/{id}``, ...).
        shapes: dict[tuple[str, ...], dict[str, Leaf[Any]]] = {}
        if sum(1 for *_, count in children if count == 1) >= GROUP_MIN:
            for text, child, count in children:
                if count == 1:
                    shape, leaf = self._shape(child, depth, n, values, indent + 1)
                    shapes.setdefault(shape, {})[text] = leaf
        groups = [(shape, table) for shape, table in shapes.items() if len(table) >= GROUP_MIN]
        grouped = {text for _, table in groups for text in table}
        rest = [c for c in children if c[0] not in grouped]
        units: list[tuple[int, tuple[tuple[str, ...], dict[str, Leaf[Any]]] | None]] = [
            (sum(count for *_, count in rest), None),
            *((len(table), (shape, table)) for shape, table in groups),
        ]
        for _, unit in sorted(units, key=lambda u: -u[0]):
            if unit is None:
                self._chain(rest, depth, n, values, indent)
                continue
            shape, table = unit
            # PERF: one dict lookup finds the leaf for any child of the group.
            self._line(indent, f"found{depth} = {self._const(table, 'leaves')}.get(s{depth})")
            self._line(indent, f"if found{depth} is not None:")
            self.lines.extend(shape)

    def _shape(
        self, child: _Node[Any], depth: int, n: int, values: tuple[str, ...], indent: int
    ) -> tuple[tuple[str, ...], Leaf[Any]]:
        """The code below a single-route ``child``, with its leaf read from ``found{depth}``."""
        lines, self.lines = self.lines, []
        self._alias = f"found{depth}"
        try:
            self._node(child, depth + 1, n, values, indent)
            shape, leaf = tuple(self.lines), self._aliased
        finally:
            self.lines, self._alias, self._aliased = lines, None, None
        assert leaf is not None
        return shape, leaf

    def _chain(
        self, children: list[tuple[str, _Node[Any], int]], depth: int, n: int, values: tuple[str, ...], indent: int
    ) -> None:
        """Static children (busiest first) by a chain of ``==``, or by index and bisection."""
        segment = f"s{depth}"
        weights = [weight for *_, weight in children]
        chain_cost = sum(weight * (i + 1) for i, weight in enumerate(weights))
        if len(children) > 3 and chain_cost > DICT_COST * sum(weights) + _bisect_cost(weights):
            # PERF: a dict finds the child's index, then int comparisons split by weight.
            index = {text: i for i, (text, *_) in enumerate(children)}
            self._line(indent, f"k{depth} = {self._const(index, 'index')}.get({segment})")
            self._line(indent, f"if k{depth} is not None:")
            nodes = [child for _, child, _ in children]
            self._bisect(nodes, weights, 0, len(children), depth, n, values, indent + 1)
            return
        # PERF: on a skewed or short list, a chain of str == is cheaper than a dict lookup.
        for i, (text, child, _) in enumerate(children):
            self._line(indent, f"{'elif' if i else 'if'} {segment} == {text!r}:")
            self._node(child, depth + 1, n, values, indent + 1)

    def _bisect(
        self,
        children: list[_Node[Any]],
        weights: list[int],
        lo: int,
        hi: int,
        depth: int,
        n: int,
        values: tuple[str, ...],
        indent: int,
    ) -> None:
        if hi - lo == 1:
            self._node(children[lo], depth + 1, n, values, indent)
            return
        mid = _split(weights, lo, hi)
        self._line(indent, f"if k{depth} < {mid}:")
        self._bisect(children, weights, lo, mid, depth, n, values, indent + 1)
        self._line(indent, "else:")
        self._bisect(children, weights, mid, hi, depth, n, values, indent + 1)


def _split(weights: list[int], lo: int, hi: int) -> int:
    """Where to cut ``weights[lo:hi]`` so that both halves weigh about the same."""
    total = sum(weights[lo:hi])
    best, best_gap, left = lo + 1, total, 0
    for mid in range(lo + 1, hi):
        left += weights[mid - 1]
        gap = abs(total - 2 * left)
        if gap < best_gap:
            best, best_gap = mid, gap
    return best


def _bisect_cost(weights: list[int], lo: int = 0, hi: int | None = None) -> float:
    """Int comparisons ``_bisect`` makes, summed over the routes below (in ``==`` units)."""
    hi = len(weights) if hi is None else hi
    if hi - lo <= 1:
        return 0.0
    mid = _split(weights, lo, hi)
    return INT_COST * sum(weights[lo:hi]) + _bisect_cost(weights, lo, mid) + _bisect_cost(weights, mid, hi)


def compile_matcher(root: _Node[E], fallback: Matcher[E]) -> tuple[Matcher[E], str]:
    """The generated matcher for the trie under ``root`` and its source text; ``fallback`` past MAX_NODES."""
    generator = _Generator(root)
    if len(generator.ends) > MAX_NODES:
        return fallback, ""
    source = generator.source()
    namespace = generator.namespace
    namespace["fallback"] = fallback
    exec(compile(source, "<hornbeam route tree>", "exec"), namespace)
    match: Matcher[E] = namespace["match"]
    return match, source
