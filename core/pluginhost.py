"""The plugin host: finds plugins, registers them with pluggy, and calls hooks with errors that name names.

Every hook is called through pluggy's hook callers, so ``wrapper=True`` and
old-style ``hookwrapper=True`` implementations, ``tryfirst``/``trylast``,
implementations that take a subset of the arguments, ``firstresult``, pluggy's
tracing and ``add_hookcall_monitoring`` behave as pluggy documents. Each
implementation is wrapped once, at registration, so that any failure becomes a
``PluginError`` naming the plugin and the hook.

Environment variables (read when the app starts):

- ``HORNBEAM_DISABLE_PLUGIN_AUTOLOAD=1``: load no third-party entry points
  (the built-in plugins and ``App(plugins=...)`` still load).
- ``HORNBEAM_DISABLE_PLUGINS=a,b``: never load the plugins named ``a`` and ``b``.
- ``HORNBEAM_PLUGINS=a,b``: load only these plugins (an allow-list, built-ins included).
- ``HORNBEAM_TRACE_PLUGINS=1``: log every hook call at start-up, and every
  observer call per request, on the ``hornbeam.plugins`` logger.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, Literal

import pluggy

from . import hookspecs
from .errors import ConfigurationError, PluginError
from .settings import did_you_mean

__all__ = ["PluginHost", "PluginInfo", "ENTRY_POINT_GROUP"]

logger = logging.getLogger("hornbeam.plugins")

ENTRY_POINT_GROUP = "hornbeam"
BUILTIN_DISTRIBUTION = "hornbeam"
ENV_NO_AUTOLOAD = "HORNBEAM_DISABLE_PLUGIN_AUTOLOAD"
ENV_DISABLE = "HORNBEAM_DISABLE_PLUGINS"
ENV_ONLY = "HORNBEAM_PLUGINS"
ENV_TRACE = "HORNBEAM_TRACE_PLUGINS"

_OFF = ("", "0", "false", "no", "off")


def _env_names(name: str) -> set[str]:
    return {part.strip() for part in os.environ.get(name, "").split(",") if part.strip()}


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to something other than an "off" word."""
    return os.environ.get(name, "").strip().lower() not in _OFF


def plugin_name(plugin: object) -> str:
    """The name a plugin passed as an object registers under."""
    name = getattr(plugin, "hornbeam_plugin_name", None)
    if isinstance(name, str):
        return name
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    return type(plugin).__name__


@dataclass(frozen=True)
class PluginInfo:
    """A plugin the host found: where it came from, whether it loaded (and if not, why), and its hooks."""

    name: str
    source: str
    builtin: bool
    status: Literal["loaded", "disabled"]
    reason: str | None = None
    distribution: str | None = None
    version: str | None = None
    hooks: tuple[str, ...] = field(default=())


class PluginHost:
    """Loads plugins once and calls their hooks; requests never go through it.

    ``disable`` and ``only`` take plugin names (entry-point names, or a
    module's ``__name__`` for plugins passed directly). ``providers`` picks,
    per factory hook, the plugin that serves it when several could.
    """

    def __init__(
        self,
        plugins: Sequence[object] = (),
        *,
        disable: Iterable[str] = (),
        only: Iterable[str] | None = None,
        autoload: bool = True,
        providers: Mapping[str, str] | None = None,
    ) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self._explicit = list(plugins)
        self._disable = set(disable)
        self._only = set(only) if only is not None else None
        self._autoload = autoload
        self._picks = dict(providers or {})
        self._found: dict[str, PluginInfo] = {}
        # Disabled plugins, kept to tell their settings apart from typos: name -> entry point or object.
        self._disabled: dict[str, EntryPoint | object] = {}
        self._builtin: set[str] = set()
        # (plugin name, result) of each implementation during the current host call.
        self._log: list[tuple[str, Any]] | None = None
        self.providers: dict[str, str] = {}
        self._loaded = False
        self.tracing = env_flag(ENV_TRACE)

    # Loading ----------------------------------------------------------------

    def load(self) -> None:
        """Register entry-point plugins, then explicit ones; raises PluginError naming the culprit."""
        if self._loaded:
            return
        self._loaded = True
        if self.tracing:
            self.manager.trace.root.setwriter(lambda message: logger.info("%s", message.rstrip()))
            self.manager.enable_tracing()
        # Historic: every plugin registered from now on gets the call as it registers.
        self.manager.hook.hornbeam_add_hooks.call_historic(kwargs={"host": self})
        disable_arg, disable_env = self._disable, _env_names(ENV_DISABLE)
        only, only_source = (self._only, "App(only_plugins=...)") if self._only is not None else (
            _env_names(ENV_ONLY) or None,
            ENV_ONLY,
        )
        autoload = self._autoload and not env_flag(ENV_NO_AUTOLOAD)
        autoload_off = "App(autoload=False)" if not self._autoload else ENV_NO_AUTOLOAD
        dists = _Distributions()
        points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (not dists.builtin(ep), ep.name))
        for ep in points:
            builtin = dists.builtin(ep)
            reason = None
            if ep.name in disable_arg:
                reason = "App(disable_plugins=...)"
            elif ep.name in disable_env:
                reason = ENV_DISABLE
            elif only is not None and ep.name not in only:
                reason = f"not in the allow-list ({only_source})"
            elif not (builtin or autoload):
                reason = f"third-party autoload is off ({autoload_off})"
            if reason is not None or ep.name in self._found:
                if ep.name not in self._found:
                    self._found[ep.name] = _entry_info(ep, builtin, "disabled", reason, dists(ep))
                    self._disabled[ep.name] = ep
                continue
            # One entry point at a time: a bulk load would stop at the first failure and name nobody.
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}"
                ) from exc
            self._register(plugin, ep.name, f"entry point {ep.value}" + (" (built-in)" if builtin else ""))
            self._found[ep.name] = _entry_info(ep, builtin, "loaded", None, dists(ep))
            if builtin:
                self._builtin.add(ep.name)
        for plugin in self._explicit:
            name = plugin_name(plugin)
            reason = None
            if name in disable_arg:
                reason = "App(disable_plugins=...)"
            elif name in disable_env:
                reason = ENV_DISABLE
            elif only is not None and name not in only:
                reason = f"not in the allow-list ({only_source})"
            if reason is not None:
                self._found[name] = PluginInfo(name, "App(plugins=...)", False, "disabled", reason)
                self._disabled[name] = plugin
                continue
            self._register(plugin, name, "App(plugins=...)")
            self._found[name] = PluginInfo(name, "App(plugins=...)", False, "loaded")
        self._check_names(disable_arg, "App(disable_plugins=...)")
        self._check_names(disable_env, ENV_DISABLE)
        if only is not None:
            self._check_names(only, only_source)
        self._check_hook_names()
        self._check_picks()

    def _register(self, plugin: object, name: str, source: str) -> None:
        if self.manager.has_plugin(name):
            raise PluginError(f"two plugins are named {name!r}: {self._found[name].source} and {source}")
        try:
            self.manager.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r} ({source}) breaks the hook contract: {exc}") from exc
        except PluginError:
            raise
        except Exception as exc:  # a historic hook (hornbeam_add_hooks) ran and failed
            raise PluginError(f"plugin {name!r} failed while registering: {type(exc).__name__}: {exc}") from exc
        for caller in self.manager.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    # pluggy marks the attribute Final, yet calls whatever it holds: the one place we change it.
                    impl.function = self._named(impl, caller.name)  # type: ignore[misc]

    def _named(self, impl: pluggy.HookImpl, hook: str) -> Callable[..., Any]:
        """``impl``'s function, wrapped so a failure names the plugin and each result is attributed to it.

        pluggy calls ``impl.function``; replacing it keeps every pluggy feature,
        since the argument names were read from the original at registration.
        """
        func = impl.function
        name = impl.plugin_name
        host = self

        def failure(exc: Exception) -> PluginError:
            return PluginError(
                f"plugin {name!r} failed in hook {hook}: {type(exc).__name__}: {exc}", plugin=name, hook=hook
            )

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def wrapping(*args: Any, **kwargs: Any) -> Any:
                try:
                    return (yield from func(*args, **kwargs))
                except PluginError:
                    raise
                except Exception as exc:
                    raise failure(exc) from exc

            return wrapping

        async def awaited(coroutine: Coroutine[Any, Any, Any]) -> Any:
            try:
                return await coroutine
            except PluginError:
                raise
            except Exception as exc:
                raise failure(exc) from exc

        @functools.wraps(func)
        def calling(*args: Any, **kwargs: Any) -> Any:
            try:
                result = func(*args, **kwargs)
            except PluginError:
                raise
            except Exception as exc:
                raise failure(exc) from exc
            if inspect.iscoroutine(result):
                result = awaited(result)
            if host._log is not None:
                host._log.append((name, result))
            return result

        return calling

    def _check_names(self, names: Iterable[str], where: str) -> None:
        for name in names:
            if name not in self._found:
                raise ConfigurationError(
                    f"{where} names plugin {name!r}, which does not exist{did_you_mean(name, self._found)} "
                    f"(known: {', '.join(sorted(self._found))})"
                )

    def _check_hook_names(self) -> None:
        known = self.hook_names()
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            unknown = next(
                (c.name for c in self.manager.get_hookcallers(exc.plugin) or () if not c.has_spec()), "?"
            )
            raise PluginError(
                f"plugin {self.manager.get_name(exc.plugin)!r} implements unknown hook {unknown}"
                f"{did_you_mean(unknown, known)}"
            ) from exc
        for name, plugin in self.manager.list_name_plugin():
            marked = {caller.name for caller in self.manager.get_hookcallers(plugin) or ()}
            for attr in dir(plugin):
                if not attr.startswith("hornbeam_") or attr in marked:
                    continue
                value = getattr(plugin, attr, None)
                if inspect.isfunction(value) or inspect.ismethod(value):
                    hint = did_you_mean(attr, known) if attr not in known else ""
                    raise PluginError(
                        f"plugin {name!r} defines {attr} but does not mark it with @hornbeam.hookimpl, "
                        f"so it would never be called{hint}"
                    )

    def _check_picks(self) -> None:
        for hook, chosen in self._picks.items():
            caller = getattr(self.manager.hook, hook, None)
            if caller is None or not caller.has_spec():
                raise ConfigurationError(
                    f"App(providers=...) names unknown hook {hook!r}{did_you_mean(hook, self.hook_names())}"
                )
            if not caller.spec.opts.get("firstresult"):
                raise ConfigurationError(f"App(providers=...): {hook} is not a factory (firstresult) hook")
            if chosen not in self.implementers(hook):
                raise ConfigurationError(
                    f"App(providers=...) picks plugin {chosen!r} for {hook}, but it does not implement it "
                    f"(implemented by: {', '.join(self.implementers(hook)) or 'nobody'})"
                )

    # Calling ----------------------------------------------------------------

    def hook_names(self) -> list[str]:
        """Every hook with a specification: hornbeam's own and those plugins added."""
        return sorted(
            name
            for name in dir(self.manager.hook)
            if not name.startswith("_") and getattr(self.manager.hook, name).has_spec()
        )

    def implementers(self, hook: str, *, wrappers: bool = True) -> list[str]:
        """Names of the plugins implementing ``hook``, in call order."""
        caller = getattr(self.manager.hook, hook, None)
        if caller is None:
            return []
        impls = reversed(caller.get_hookimpls())  # pluggy keeps them in reverse call order
        return [i.plugin_name for i in impls if wrappers or not (i.wrapper or i.hookwrapper)]

    def implemented(self, hook: str) -> bool:
        return bool(self.implementers(hook))

    def is_builtin(self, name: str) -> bool:
        return name in self._builtin

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation through pluggy; results as ``(plugin name, result)`` in call order."""
        previous, self._log = self._log, []
        try:
            getattr(self.manager.hook, hook)(**kwargs)
            return self._log
        except BaseException:
            _close_coroutines(self._log)
            raise
        finally:
            self._log = previous

    def provide(self, hook: str, check: Callable[[Any], str | None], **kwargs: Any) -> Any:
        """Call a factory (firstresult) hook through pluggy and check its result; None when nobody provides.

        Two non-built-in providers stop start-up unless ``App(providers=...)``
        picks one. ``check`` says what is wrong with a result; the PluginError
        then names the plugin that provided it.
        """
        candidates = [n for n in self.implementers(hook, wrappers=False) if n not in self._builtin]
        chosen = self._picks.get(hook)
        caller = getattr(self.manager.hook, hook)
        if chosen is not None:
            others = [self.manager.get_plugin(n) for n in candidates if n != chosen]
            caller = self.manager.subset_hook_caller(hook, others)
        elif len(candidates) > 1:
            raise PluginError(
                f"plugins {' and '.join(repr(n) for n in candidates)} both provide {hook}; pick one with "
                f"App(providers={{{hook!r}: {candidates[0]!r}}}) or disable the other"
            )
        previous, self._log = self._log, []
        try:
            result = caller(**kwargs)
            log = self._log
        finally:
            self._log = previous
        if result is None:
            return None
        provider = next((n for n, r in reversed(log) if r is result), None)
        who = f"plugin {provider!r}" if provider else f"a wrapper of {hook} ({', '.join(self.implementers(hook))})"
        problem = check(result)
        if problem:
            raise PluginError(f"{who} broke hook {hook}: {problem}", plugin=provider, hook=hook)
        self.providers[hook] = provider or "?"
        return result

    async def call_async(self, hook: str, **kwargs: Any) -> None:
        """Call every implementation in order, awaiting async ones; errors name the plugin."""
        results = self.call(hook, **kwargs)
        pending = [result for _, result in results if inspect.isawaitable(result)]
        try:
            while pending:
                await pending.pop(0)
        finally:
            _close_coroutines([("", result) for result in pending])

    def observers(self, hook: str) -> list[tuple[str, Callable[..., Any], tuple[str, ...]]]:
        """``(plugin, function, argument names)`` of each implementation of an observation hook, in call order.

        The function is the plugin's own, unwrapped: observers are compiled into
        direct calls at start-up instead of going through pluggy per request.
        """
        caller = getattr(self.manager.hook, hook)
        found = []
        for impl in reversed(caller.get_hookimpls()):
            if impl.wrapper or impl.hookwrapper:
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: {hook} is a per-request observation hook and cannot be "
                    "a wrapper (it is compiled into a direct call, not run through pluggy)"
                )
            function = getattr(impl.function, "__wrapped__", impl.function)
            found.append((impl.plugin_name, function, tuple(impl.argnames)))
        return found

    def add_hookspecs(self, module_or_class: ModuleType | type) -> None:
        """Add hook specifications of a plugin's own, from ``hornbeam_add_hooks``."""
        self.manager.add_hookspecs(module_or_class)

    def disabled_settings(self) -> dict[str, str]:
        """Settings declared by disabled plugins, as setting name -> plugin name.

        ``App(settings=...)`` may hold them (a deployment that switched a plugin
        off keeps its configuration); they are then ignored, not refused as
        typos. A disabled plugin that fails to import declares nothing.
        """
        owners: dict[str, str] = {}
        for name, source in self._disabled.items():
            try:
                plugin = source.load() if isinstance(source, EntryPoint) else source
                declare = getattr(plugin, "hornbeam_settings", None)
                declared = declare() if callable(declare) else None
            except Exception:
                continue
            for setting in declared or ():
                owners.setdefault(getattr(setting, "name", ""), name)
        return owners

    # Reporting --------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every plugin found, loaded or disabled, with its hooks; built-ins first."""
        infos = []
        for name, info in self._found.items():
            plugin = self.manager.get_plugin(name)
            hooks: tuple[str, ...] = ()
            if plugin is not None:
                hooks = tuple(sorted(c.name for c in self.manager.get_hookcallers(plugin) or ()))
            infos.append(_replace_hooks(info, hooks))
        return infos

    def loaded(self) -> list[PluginInfo]:
        """The plugins that loaded, with their hooks."""
        return [info for info in self.plugins() if info.status == "loaded"]

    def report(self) -> str:
        """A human-readable list of plugins and which one serves each hook."""
        lines = ["plugins:"]
        for info in self.plugins():
            status = "loaded" if info.status == "loaded" else f"disabled: {info.reason}"
            lines.append(f"  {info.name}  [{info.source}] ({status})")
        lines.append("hooks:")
        for name in self.hook_names():
            impls = self.implementers(name)
            serving = self.providers.get(name)
            detail = f"served by {serving}; " if serving else ""
            lines.append(f"  {name}: {detail}implemented by {', '.join(impls) or 'nobody'}")
        return "\n".join(lines)


def _replace_hooks(info: PluginInfo, hooks: tuple[str, ...]) -> PluginInfo:
    return PluginInfo(
        info.name, info.source, info.builtin, info.status, info.reason, info.distribution, info.version, hooks
    )


class _Distributions:
    """Name and version of the distribution of each entry point, read once per distribution.

    PERF: every ``Distribution.name`` or ``.version`` parses its METADATA file again
    (half of freeze() for a small app); entry points of one distribution share the object.
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[str | None, str | None]] = {}
        self._keep: list[object] = []  # the objects whose ids key _known stay alive meanwhile

    def __call__(self, ep: EntryPoint) -> tuple[str | None, str | None]:
        dist = ep.dist
        if dist is None:
            return None, None
        known = self._known.get(id(dist))
        if known is None:
            metadata = dist.metadata
            known = self._known[id(dist)] = (metadata["Name"], metadata["Version"])
            self._keep.append(dist)
        return known

    def builtin(self, ep: EntryPoint) -> bool:
        return self(ep)[0] == BUILTIN_DISTRIBUTION


def _entry_info(
    ep: EntryPoint,
    builtin: bool,
    status: Literal["loaded", "disabled"],
    reason: str | None,
    distribution: tuple[str | None, str | None],
) -> PluginInfo:
    name, version = distribution
    return PluginInfo(
        ep.name, f"entry point {ep.value}" + (" (built-in)" if builtin else ""), builtin, status, reason, name, version
    )


def _close_coroutines(results: Sequence[tuple[str, Any]]) -> None:
    # Coroutines a failed call never awaited would warn "never awaited"; close them quietly.
    for _, result in results:
        if inspect.iscoroutine(result):
            result.close()



