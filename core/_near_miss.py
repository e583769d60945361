"""Why a path found no route when a typed parameter refused its value: the detail of a helpful 404.

``/items/abc`` does not match ``/items/{item_id:int}``: typed parameters take
part in routing (``/items/{id:int}`` and ``/items/{slug}`` may both exist), so
the answer stays a 404. Its detail then names the route that would have taken
the path and the parameter that refused the value, instead of a bare "no route
matches".
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._tree import Tree
from .converters import Converter
from .routing import Route, Segment

__all__ = ["explain_not_found"]

# One loose tree per route tree, built on its first 404; None when no route has a typed parameter.
_LOOSE: weakref.WeakKeyDictionary[Tree[Any], _Loose | None] = weakref.WeakKeyDictionary()


class _Loose:
    """The routes with typed parameters, each typed parameter loosened to a plain string."""

    def __init__(self, routes: list[Route], converters: Mapping[str, Converter]) -> None:
        self.converters = converters
        self.tree: Tree[Route] = Tree(converters)
        for index, route in enumerate(routes):
            loosened = tuple(Segment(s.text, s.param, "str") if _is_typed(s, converters) else s for s in route.segments)
            # A key per route, so two routes that differ only by converter share a leaf without conflict.
            self.tree.add(replace(route, segments=loosened), [(str(index), route)])

    def explain(self, path: str) -> str | None:
        match = self.tree.match(path.split("/")[1:])
        if match is None:
            return None
        leaf, params = match
        values = list(params.values())
        for route in leaf.methods.values():
            for (name, converter_name), value in zip(route.path_params, values):
                converter = self.converters[converter_name]
                try:
                    converter.convert(value)
                except ValueError as exc:
                    return (
                        f"no route matches {path}: route {route.path} would, but its parameter {name!r} "
                        f"takes only {converter_name} values ({exc})"
                    )
        return None


def explain_not_found(tree: Tree[Any], converters: Mapping[str, Converter], path: str) -> str | None:
    """The detail for a 404 on ``path`` when a route would match but for a typed parameter; else None."""
    try:
        loose = _LOOSE[tree]
    except KeyError:
        typed = [r for r in tree.routes if any(_is_typed(s, converters) for s in r.segments)]
        loose = _LOOSE[tree] = _Loose(typed, converters) if typed else None
    return loose.explain(path) if loose is not None else None


def _is_typed(segment: Segment, converters: Mapping[str, Converter]) -> bool:
    name = segment.converter or "str"
    return segment.param is not None and name != "str" and not converters[name].catch_all
