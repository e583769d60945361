"""Why a path found no route when a typed parameter refused its value: the detail of a helpful 404.

``/items/abc`` does not match ``/items/{item_id:int}``: typed parameters take
part in routing (``/items/{id:int}`` and ``/items/{slug}`` may both exist), so
the answer stays a 404. Its detail then names the route that would have taken
the path and the parameter that refused the value, instead of a bare "no route
matches".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._tree import Tree
from .converters import Converter
from .routing import Route, Segment

__all__ = ["NearMiss"]


class NearMiss:
    """Explains 404s for one route tree; the runtime holds one.

    The routes with typed parameters are put in a loose tree of their own, each
    typed parameter loosened to a plain string, on the first 404 rather than at
    start-up: an app that never answers one (or has no typed parameter) never
    pays for it.
    """

    __slots__ = ("_routes", "_converters", "_loose", "_counts", "_open_from")

    def __init__(self, tree: Tree[Any], converters: Mapping[str, Converter]) -> None:
        self._routes = tree.routes
        self._converters = converters
        self._loose: Tree[Route] | None = None
        # Segment counts a loose route can match; a catch-all takes any count from its position on.
        self._counts: frozenset[int] = frozenset()
        self._open_from: int | None = None

    def explain(self, path: str) -> str | None:
        """The detail for a 404 on ``path`` when a route would match but for a typed parameter; else None."""
        loose = self._loose
        if loose is None:
            loose = self._build()
        # PERF: most 404s have a segment count no typed route has; str.count spares the split and the match.
        count = path.count("/")
        if count not in self._counts and (self._open_from is None or count < self._open_from):
            return None
        match = loose.match(path.split("/")[1:])
        if match is None:
            return None
        leaf, params = match
        values = list(params.values())
        for route in leaf.methods.values():
            for (name, converter_name), value in zip(route.path_params, values):
                converter = self._converters[converter_name]
                try:
                    converter.convert(value)
                except ValueError as exc:
                    return (
                        f"no route matches {path}: route {route.path} would, but its parameter {name!r} "
                        f"takes only {converter_name} values ({exc})"
                    )
        return None

    def _build(self) -> Tree[Route]:
        converters = self._converters
        loose: Tree[Route] = Tree(converters)
        counts: set[int] = set()
        for index, route in enumerate(self._routes):
            if not any(_is_typed(s, converters) for s in route.segments):
                continue
            loosened = tuple(Segment(s.text, s.param, "str") if _is_typed(s, converters) else s for s in route.segments)
            # A key per route, so two routes that differ only by converter share a leaf without conflict.
            loose.add(replace(route, segments=loosened), [(str(index), route)])
            last = route.segments[-1]
            if last.param is not None and converters[last.converter or "str"].catch_all:
                start = len(route.segments) - 1  # the catch-all may take an empty rest
                self._open_from = start if self._open_from is None else min(self._open_from, start)
            else:
                counts.add(len(route.segments))
        self._counts = frozenset(counts)
        self._loose = loose
        return loose


def _is_typed(segment: Segment, converters: Mapping[str, Converter]) -> bool:
    name = segment.converter or "str"
    return segment.param is not None and name != "str" and not converters[name].catch_all
