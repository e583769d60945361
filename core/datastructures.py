"""Headers and query parameters: case-insensitive, multi-value, immutable where they come from a client."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar, overload

from .errors import BadRequest
from .parsers import parse_bool, parse_float, parse_int
from .state import State  # re-exported: State lived here first

__all__ = ["Headers", "MutableHeaders", "QueryParams", "State"]

RawHeaders = list[tuple[bytes, bytes]]
T = TypeVar("T")

# RFC 9110 token characters: what a header name may contain.
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


# Header names as asked for (any case) -> the lower-case bytes they are looked up as.
_NAMES: dict[str, bytes] = {}


class Headers(Mapping[str, str]):
    """Request headers as the client sent them; lookups ignore (ASCII) case.

    ``headers[name]`` and ``get`` give the first value; ``getlist`` gives all.
    """

    __slots__ = ("raw", "_index")

    def __init__(self, raw: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.raw = raw
        self._index: dict[bytes, bytes] | None = None

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str | T, /) -> str | T: ...
    def get(self, key: str, default: object = None, /) -> object:
        index = self._index
        if index is None:
            # PERF: one pass builds a first-value index; each lookup is then a dict hit.
            index = self._index = {k.lower(): v for k, v in reversed(self.raw)}
        name = _NAMES.get(key)
        if name is None:
            try:
                name = key.encode("latin-1").lower()
            except UnicodeEncodeError:
                return default
            if len(_NAMES) < 1024:
                # PERF: code asks for the same few names over and over; encode each once.
                _NAMES[key] = name
        value = index.get(name)
        return default if value is None else value.decode("latin-1")

    def getlist(self, key: str) -> list[str]:
        try:
            name = key.encode("latin-1").lower()
        except UnicodeEncodeError:
            return []
        return [v.decode("latin-1") for k, v in self.raw if k.lower() == name]

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for k, _ in self.raw:
            name = k.lower().decode("latin-1")
            if name not in seen:
                seen.add(name)
                yield name

    def __len__(self) -> int:
        return len({k.lower() for k, _ in self.raw})

    def multi_items(self) -> list[tuple[str, str]]:
        return [(k.lower().decode("latin-1"), v.decode("latin-1")) for k, v in self.raw]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


def _check_name(name: str) -> bytes:
    raw = name.lower().encode("latin-1")
    if not raw or not _TOKEN.issuperset(raw):
        raise ValueError(f"invalid header name {name!r}")
    return raw


def _check_value(value: str) -> bytes:
    # CR, LF and NUL would let a value smuggle in a header or a whole response.
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValueError(f"invalid header value {value!r}: CR, LF and NUL are not allowed")
    return value.encode("latin-1")


class MutableHeaders(Headers):
    """Response headers: set, add (``set-cookie`` may repeat) and delete; names and values are checked."""

    __slots__ = ()
    raw: RawHeaders

    def __init__(self, raw: RawHeaders | None = None) -> None:
        super().__init__([] if raw is None else raw)

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str | T, /) -> str | T: ...
    def get(self, key: str, default: object = None, /) -> object:
        # The list changes under us, so scan it rather than keep an index.
        try:
            name = key.encode("latin-1").lower()
        except UnicodeEncodeError:
            return default
        for k, v in self.raw:
            if k.lower() == name:
                return v.decode("latin-1")
        return default

    def __setitem__(self, key: str, value: str) -> None:
        name = _check_name(key)
        encoded = _check_value(value)
        self.raw[:] = [(k, v) for k, v in self.raw if k != name]
        self.raw.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.encode("latin-1").lower()
        self.raw[:] = [(k, v) for k, v in self.raw if k != name]

    def add(self, key: str, value: str) -> None:
        self.raw.append((_check_name(key), _check_value(value)))

    def setdefault(self, key: str, value: str) -> str:
        existing = self.get(key)
        if existing is not None:
            return existing
        self.add(key, value)
        return value

    def update(self, other: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        items = other.items() if isinstance(other, Mapping) else other
        for key, value in items:
            self[key] = value


class QueryParams(Mapping[str, str]):
    """An immutable multi-dict of query parameters in the order they came.

    ``params[key]`` and ``get`` give the last value of a repeated key (as most
    servers do); ``getlist`` gives all of them.
    """

    __slots__ = ("_items", "_dict")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = list(items)
        # PERF: dict() keeps the last value per key in one C-level pass.
        self._dict = dict(self._items)

    @classmethod
    def from_list(cls, items: list[tuple[str, str]]) -> QueryParams:
        """Take ``items`` as they are, without copying: for parsers that built the list themselves."""
        params = cls.__new__(cls)
        params._items = items
        params._dict = dict(items)
        return params

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str | T, /) -> str | T: ...
    def get(self, key: str, default: object = None, /) -> object:
        return self._dict.get(key, default)

    def getlist(self, key: str) -> list[str]:
        # PERF: a plain loop; on 3.11 a comprehension is a function call of its own.
        values = []
        for name, value in self._items:
            if name == key:
                values.append(value)
        return values

    def get_int(self, key: str, default: int | None = None) -> int | None:
        """The value as an int, read by ``hornbeam.parsers.parse_int``; a bad value is a 400 naming the field."""
        return self._convert(key, default, parse_int)

    def get_float(self, key: str, default: float | None = None) -> float | None:
        """The value as a finite float, read by ``hornbeam.parsers.parse_float``; a bad value is a 400 naming the field."""
        return self._convert(key, default, parse_float)

    def get_bool(self, key: str, default: bool | None = None) -> bool | None:
        """The value as a bool, read by ``hornbeam.parsers.parse_bool``: ``true/false``, ``1/0``,
        ``yes/no``, ``on/off`` in any case, and a blank value (``?flag``) is true; a bad value is a 400."""
        return self._convert(key, default, parse_bool)

    def _convert(self, key: str, default: T | None, parse: Callable[[str], T]) -> T | None:
        value = self._dict.get(key)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as exc:
            raise BadRequest(detail=f"query parameter {key[:100]!r}: {exc}", extra={"field": key[:100]}) from None

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QueryParams):
            return self._items == other._items
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._items))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"
