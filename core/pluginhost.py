"""The plugin host: finds plugins, registers them with pluggy, and calls hooks with errors that name names.

Environment variables (read when the app starts):

- ``HORNBEAM_DISABLE_PLUGIN_AUTOLOAD=1``: load no third-party entry points
  (the built-in plugins and ``App(plugins=...)`` still load).
- ``HORNBEAM_DISABLE_PLUGINS=a,b``: never load the plugins named ``a`` and ``b``.
- ``HORNBEAM_PLUGINS=a,b``: load only these plugins (an allow-list, built-ins included).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError

__all__ = ["PluginHost", "PluginInfo", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "hornbeam"
BUILTIN_DISTRIBUTION = "hornbeam"
ENV_NO_AUTOLOAD = "HORNBEAM_DISABLE_PLUGIN_AUTOLOAD"
ENV_DISABLE = "HORNBEAM_DISABLE_PLUGINS"
ENV_ONLY = "HORNBEAM_PLUGINS"


def _env_names(name: str) -> set[str]:
    return {part.strip() for part in os.environ.get(name, "").split(",") if part.strip()}


def _plugin_name(plugin: object) -> str:
    name = getattr(plugin, "hornbeam_plugin_name", None)
    if isinstance(name, str):
        return name
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    return type(plugin).__name__


@dataclass(frozen=True)
class PluginInfo:
    """What loaded: the plugin's name, where it came from, and its hooks."""

    name: str
    source: str
    hooks: tuple[str, ...]


class PluginHost:
    """Loads plugins once and calls their hooks; requests never go through it.

    ``disable`` and ``only`` take plugin names (entry-point names, or a
    module's ``__name__`` for plugins passed directly).
    """

    def __init__(
        self,
        plugins: Sequence[object] = (),
        *,
        disable: Iterable[str] = (),
        only: Iterable[str] | None = None,
        autoload: bool = True,
    ) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self._explicit = list(plugins)
        self._disable = set(disable)
        self._only = set(only) if only is not None else None
        self._autoload = autoload
        self._sources: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.loaded = False

    def load(self) -> None:
        """Register entry-point plugins, then explicit ones; raises PluginError naming the culprit."""
        if self.loaded:
            return
        self.loaded = True
        disable = self._disable | _env_names(ENV_DISABLE)
        only = self._only if self._only is not None else (_env_names(ENV_ONLY) or None)
        autoload = self._autoload and os.environ.get(ENV_NO_AUTOLOAD, "") in ("", "0", "false")
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_builtin_first):
            builtin = ep.dist is not None and ep.dist.name == BUILTIN_DISTRIBUTION
            if ep.name in disable or (only is not None and ep.name not in only):
                continue
            if not (builtin or autoload) or self.manager.has_plugin(ep.name):
                continue
            # One entry point at a time: a bulk load would stop at the first failure and name nobody.
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}"
                ) from exc
            self._register(plugin, ep.name, f"entry point {ep.value}" + (" (built-in)" if builtin else ""))
        for plugin in self._explicit:
            name = _plugin_name(plugin)
            if name in disable or (only is not None and name not in only):
                continue
            self._register(plugin, name, "App(plugins=...)")
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {self._name_of(exc.plugin)!r}: {exc}") from exc

    def _register(self, plugin: object, name: str, source: str) -> None:
        if self.manager.has_plugin(name):
            raise PluginError(f"two plugins are named {name!r}: {self._sources[name]} and {source}")
        try:
            self.manager.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r} ({source}) breaks the hook contract: {exc}") from exc
        self._sources[name] = source

    def _name_of(self, plugin: object) -> str:
        return self.manager.get_name(plugin) or _plugin_name(plugin)

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        # pluggy stores implementations in reverse call order (trylast first).
        return list(reversed(getattr(self.manager.hook, hook_name).get_hookimpls()))

    def implemented(self, hook_name: str) -> bool:
        return bool(self._impls(hook_name))

    def provide(self, hook_name: str, app: object, check: Callable[[Any], str | None]) -> Any:
        """Call a factory hook: the first non-None result wins; ``check`` names what is wrong with it."""
        for impl in self._impls(hook_name):
            try:
                result = impl.function(app=app)
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in hook {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc
            if result is None:
                continue
            problem = check(result)
            if problem:
                raise PluginError(f"plugin {impl.plugin_name!r} broke hook {hook_name}: {problem}")
            self.providers[hook_name] = impl.plugin_name
            return result
        return None

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook; results as ``(plugin name, result)`` pairs."""
        results = []
        for impl in self._impls(hook_name):
            try:
                results.append((impl.plugin_name, impl.function(**kwargs)))
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in hook {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc
        return results

    async def call_lifecycle(self, hook_name: str, app: object) -> None:
        """Call every implementation in order, awaiting async ones; errors name the plugin."""
        for impl in self._impls(hook_name):
            try:
                result = impl.function(app=app)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in hook {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc

    def plugins(self) -> list[PluginInfo]:
        """What loaded, in registration order."""
        infos = []
        for name, plugin in self.manager.list_name_plugin():
            hooks = tuple(sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or ()))
            infos.append(PluginInfo(name, self._sources.get(name, "?"), hooks))
        return infos

    def report(self) -> str:
        """A human-readable list of loaded plugins and which one serves each hook."""
        lines = ["plugins:"]
        for info in self.plugins():
            lines.append(f"  {info.name}  [{info.source}]")
        lines.append("hooks:")
        for name in sorted(n for n in dir(hookspecs) if n.startswith("hornbeam_")):
            impls = [impl.plugin_name for impl in self._impls(name)]
            serving = self.providers.get(name)
            detail = f"served by {serving}; " if serving else ""
            lines.append(f"  {name}: {detail}implemented by {', '.join(impls) or 'nobody'}")
        return "\n".join(lines)


def _builtin_first(ep: EntryPoint) -> tuple[int, str]:
    builtin = ep.dist is not None and ep.dist.name == BUILTIN_DISTRIBUTION
    return (0 if builtin else 1, ep.name)
