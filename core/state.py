"""``State``, the attribute bag of ``app.state`` and ``request.state``, and ``StateKey`` for typed values in it.

Two ways to use it, both checked by ``mypy --strict`` without a plugin:

- attributes, for quick work: ``request.state.user = user`` type-checks
  (``State`` declares ``__setattr__``/``__getattr__`` taking any name), and a
  read is ``Any``;
- keys, for values whose type should be checked everywhere they are read:
  ``USER = StateKey[User]("user")``, then ``request.state[USER] = user`` and
  ``request.state[USER]`` is a ``User``. A key stores its value under its
  name, so ``request.state.user`` reads the same value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

__all__ = ["State", "StateKey"]

T = TypeVar("T")
D = TypeVar("D")


class StateKey(Generic[T]):
    """A typed name for a value kept in a ``State``: ``CURRENT_USER = StateKey[User]("user")``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not name.isidentifier():
            raise ValueError(f"a state key's name must be an identifier, got {name!r}")
        self.name = name

    def __repr__(self) -> str:
        return f"StateKey({self.name!r})"


class State:
    """An attribute bag for values set by lifespan code, middleware and handlers.

    Read an attribute that was never set and the AttributeError names the ones
    that were. ``state[key]`` with a ``StateKey`` is the typed form of the same.
    """

    if TYPE_CHECKING:
        # Declared for type checkers only, so that ``state.anything = value`` checks; at run
        # time plain attribute setting stays as fast as on any object.
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __getattr__(self, name: str) -> Any:
        # Reached only when the attribute is missing.
        if name.startswith("__"):
            raise AttributeError(name)
        known = ", ".join(sorted(vars(self))) or "nothing yet"
        raise AttributeError(f"state has no attribute {name!r} (set so far: {known})")

    def __getitem__(self, key: StateKey[T]) -> T:
        try:
            value: T = vars(self)[key.name]
        except KeyError:
            raise KeyError(f"state has no value for {key!r}") from None
        return value

    def __setitem__(self, key: StateKey[T], value: T) -> None:
        setattr(self, key.name, value)

    def __delitem__(self, key: StateKey[Any]) -> None:
        try:
            delattr(self, key.name)
        except AttributeError:
            raise KeyError(f"state has no value for {key!r}") from None

    def __contains__(self, key: StateKey[Any]) -> bool:
        return key.name in vars(self)

    @overload
    def get(self, key: StateKey[T]) -> T | None: ...
    @overload
    def get(self, key: StateKey[T], default: D) -> T | D: ...
    def get(self, key: StateKey[T], default: object = None) -> object:
        """The value for ``key``, or ``default`` when it was never set."""
        return vars(self).get(key.name, default)

    def __repr__(self) -> str:
        return f"State({vars(self)!r})"
