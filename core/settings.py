"""Declared settings: each plugin says what it reads, and the app checks ``App(settings=...)`` against it.

A plugin declares its settings through the ``hornbeam_settings`` hook, each a
``Setting`` with a name, a type, a default and one line of doc. At start-up the
app resolves every declared setting once, in this order of precedence:

1. ``App(settings={...})``;
2. the environment variable (``HORNBEAM_<NAME>`` unless the setting names another);
3. the declared default.

A key that no loaded plugin declares, or a value of the wrong type, stops
start-up with an error that names the setting (with a "did you mean" for typos)
and the plugin that declared it. Plugins then read typed values from
``app.settings``; the core reads none of them.

Supported types: ``str``, ``int``, ``float``, ``bool``, ``Literal[...]``,
``X | None``, ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]`` and ``Any``.
From the environment, booleans are ``1/true/yes/on`` or ``0/false/no/off``,
lists and tuples are comma-separated, dicts are JSON, and an empty value is
None for an optional setting.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from .errors import ConfigurationError, PluginError

__all__ = ["Setting", "Settings", "ResolvedSetting", "resolve_settings", "did_you_mean"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting a plugin reads: its name, type, default and a line of documentation.

    ``env`` names the environment variable that may set it; by default
    ``HORNBEAM_`` followed by the upper-cased name, and ``""`` for none.
    """

    name: str
    type: Any
    default: Any
    doc: str
    env: str | None = None

    @property
    def env_var(self) -> str | None:
        """The environment variable read for this setting, or None."""
        if self.env == "":
            return None
        return self.env or f"HORNBEAM_{self.name.upper()}"


@dataclass(frozen=True, slots=True)
class ResolvedSetting:
    """A declared setting with its value and where that value came from (``app``, ``env`` or ``default``)."""

    setting: Setting
    plugin: str
    value: Any
    source: Literal["app", "env", "default"]


class Settings(Mapping[str, Any]):
    """The app's settings, resolved and typed: a read-only mapping of every declared setting.

    ``declared`` holds each setting with the plugin that declared it and the
    source of its value (for ``hornbeam plugins`` and for plugin authors).
    """

    __slots__ = ("_values", "declared")

    def __init__(self, declared: Mapping[str, ResolvedSetting]) -> None:
        self.declared = dict(declared)
        self._values = {name: item.value for name, item in declared.items()}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"no plugin declares setting {key!r}{did_you_mean(key, self._values)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def of(self, plugin: str) -> dict[str, Any]:
        """The settings ``plugin`` declared, with their values."""
        return {name: item.value for name, item in self.declared.items() if item.plugin == plugin}

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_settings(
    declared: Sequence[tuple[str, Setting]],
    given: Mapping[str, Any],
    environ: Mapping[str, str],
    disabled: Callable[[], Mapping[str, str]] = dict,
) -> Settings:
    """Check ``given`` (``App(settings=...)``) against the ``(plugin, Setting)`` pairs and resolve each value.

    ``disabled`` gives the settings of disabled plugins (setting -> plugin),
    asked only when a key is unknown: those keys are ignored, not refused.
    Raises PluginError for a setting declared twice or a default of the wrong
    type, ConfigurationError for an unknown key or a value of the wrong type.
    """
    owners: dict[str, tuple[str, Setting]] = {}
    for plugin, setting in declared:
        if not isinstance(setting, Setting):
            raise PluginError(f"plugin {plugin!r} broke hook hornbeam_settings: {setting!r} is not a hornbeam.Setting")
        other = owners.get(setting.name)
        if other is not None:
            raise PluginError(
                f"setting {setting.name!r} is declared by two plugins: {other[0]!r} and {plugin!r}"
            )
        problem = _check(setting.default, setting.type)
        if problem is not None:
            raise PluginError(f"plugin {plugin!r} declares setting {setting.name!r} with a default that {problem}")
        owners[setting.name] = (plugin, setting)
    unknown = [key for key in given if key not in owners]
    if unknown:
        off = disabled()
        unknown = [key for key in unknown if key not in off]
    if unknown:
        key = unknown[0]
        raise ConfigurationError(
            f"unknown setting {key!r} in App(settings=...){did_you_mean(key, owners)} "
            f"(no loaded plugin declares it; declared: {', '.join(sorted(owners)) or 'none'})"
        )
    resolved: dict[str, ResolvedSetting] = {}
    for name, (plugin, setting) in owners.items():
        source: Literal["app", "env", "default"]
        if name in given:
            value, source = given[name], "app"
            problem = _check(value, setting.type)
            if problem is not None:
                raise ConfigurationError(
                    f"setting {name!r} (plugin {plugin!r}) must be {_describe(setting.type)}: {value!r} {problem}"
                )
        elif setting.env_var is not None and setting.env_var in environ:
            text = environ[setting.env_var]
            try:
                value = _from_text(text, setting.type)
            except ValueError as exc:
                raise ConfigurationError(
                    f"environment variable {setting.env_var}={text!r} (setting {name!r}, plugin {plugin!r}) "
                    f"must be {_describe(setting.type)}: {exc}"
                ) from None
            source = "env"
        else:
            value, source = setting.default, "default"
        resolved[name] = ResolvedSetting(setting, plugin, _normalise(value, setting.type), source)
    return Settings(resolved)


def _describe(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


def _members(tp: Any) -> tuple[Any, ...] | None:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return get_args(tp)
    return None


def _check(value: Any, tp: Any) -> str | None:
    """None when ``value`` fits ``tp``, else what is wrong (``"is not an int"``)."""
    if tp is Any or tp is object:
        return None
    members = _members(tp)
    if members is not None:
        if any(_check(value, member) is None for member in members):
            return None
        return f"is not {_describe(tp)}"
    origin = get_origin(tp)
    if origin is Literal:
        return None if value in get_args(tp) else f"is not one of {list(get_args(tp))}"
    if tp is type(None) or tp is None:
        return None if value is None else "is not None"
    if tp is bool:
        return None if isinstance(value, bool) else "is not a bool"
    if tp is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "is not an int"
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else "is not a number"
    if origin in (list, tuple, Sequence) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return "is not a list"
        args = [a for a in get_args(tp) if a is not Ellipsis]
        for item in value:
            if args and _check(item, args[0]) is not None:
                return f"holds {item!r}, which is not {_describe(args[0])}"
        return None
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            return "is not a dict"
        pair = get_args(tp)
        for key, item in value.items():
            if pair and (_check(key, pair[0]) is not None or _check(item, pair[1]) is not None):
                return f"holds {key!r}: {item!r}, which is not {_describe(tp)}"
        return None
    if isinstance(tp, type):
        return None if isinstance(value, tp) else f"is not {_describe(tp)}"
    raise TypeError(f"unsupported setting type {tp!r}")


def _normalise(value: Any, tp: Any) -> Any:
    """Ints become floats for float settings; lists become tuples for tuple settings."""
    if tp is float and isinstance(value, int):
        return float(value)
    if (get_origin(tp) is tuple or tp is tuple) and isinstance(value, list):
        return tuple(value)
    return value


def _from_text(text: str, tp: Any) -> Any:
    """Parse an environment variable's text as ``tp``; raises ValueError."""
    members = _members(tp)
    if members is not None:
        if text == "" and type(None) in members:
            return None
        errors = []
        for member in members:
            if member is type(None):
                continue
            try:
                return _from_text(text, member)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    origin = get_origin(tp)
    if tp is Any or tp is str:
        return text
    if origin is Literal:
        for choice in get_args(tp):
            if str(choice) == text:
                return choice
        raise ValueError(f"expected one of {list(get_args(tp))}")
    if tp is bool:
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ValueError("expected 1/true/yes/on or 0/false/no/off")
    if tp is int:
        return int(text)
    if tp is float:
        return float(text)
    if origin in (list, tuple, Sequence) or tp in (list, tuple):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        items = [part.strip() for part in text.split(",") if part.strip()]
        parsed = [_from_text(item, args[0]) if args else item for item in items]
        return tuple(parsed) if origin is tuple or tp is tuple else parsed
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        value = json.loads(text)
        problem = _check(value, tp)
        if problem is not None:
            raise ValueError(f"the JSON value {problem}")
        return value
    raise ValueError(f"cannot read {_describe(tp)} from the environment")
