"""The plugin host: entry points, enable/disable/allow-lists, replacement, contract errors, reports."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pluggy
import pytest

import hornbeam.pluginhost
from hornbeam import App, ConfigurationError, PluginError, Request, hookimpl
from hornbeam.testing import LifespanFailed, TestClient

ROOT = Path(__file__).resolve().parents[2]


def plugin(name: str, **hooks: Any) -> types.SimpleNamespace:
    """A plugin object whose attributes are hook implementations."""
    return types.SimpleNamespace(hornbeam_plugin_name=name, **hooks)


class StdlibCodec:
    def loads(self, data: bytes) -> Any:
        return json.loads(data)

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj).encode()


def json_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/")
    async def index(request: Request[Any, Any]) -> dict[str, int]:
        return {"a": 1}

    return app


def test_builtins_load_through_entry_points() -> None:
    app = json_app()
    app.freeze()
    loaded = {info.name: info for info in app.plugins.loaded()}
    assert {"json", "problem", "query"} <= set(loaded)
    assert "built-in" in loaded["json"].source
    assert loaded["json"].hooks == ("hornbeam_json_codec",)
    assert app.plugins.providers["hornbeam_json_codec"] == "json"


def test_user_plugin_replaces_builtin_without_disabling_it() -> None:
    stdlib = plugin("stdlib-json", hornbeam_json_codec=hookimpl(lambda app: StdlibCodec()))
    app = json_app(plugins=[stdlib])
    # The stdlib encoder puts a space after ':'; orjson does not.
    assert TestClient(app).get("/").content == b'{"a": 1}'
    assert app.plugins.providers["hornbeam_json_codec"] == "stdlib-json"
    assert "hornbeam_json_codec: served by stdlib-json; implemented by stdlib-json, json" in app.plugins.report()


def test_disable_by_name_and_missing_required_capability() -> None:
    app = json_app(disable_plugins=["json"])
    with pytest.raises(ConfigurationError, match="enable the built-in 'json' plugin"):
        app.freeze()


def test_missing_optional_capability_errors_on_first_use(caplog: pytest.LogCaptureFixture) -> None:
    app = App(disable_plugins=["query"])

    @app.get("/q")
    async def q(request: Request[Any, Any]) -> dict[str, Any]:
        return dict(request.query)

    caplog.set_level(logging.ERROR, "hornbeam")
    response = TestClient(app).get("/q?a=1")
    assert response.status_code == 500
    assert "traceback" not in response.text.lower()
    assert "enable the built-in 'query' plugin" in caplog.text


def test_environment_deny_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_DISABLE_PLUGINS", "problem, query")
    app = json_app()
    with pytest.raises(ConfigurationError, match="'problem' plugin"):
        app.freeze()
    names = {info.name for info in app.plugins.loaded()}
    assert "json" in names and not names & {"problem", "query"}


def test_environment_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_PLUGINS", "json,problem")
    app = json_app()
    app.freeze()
    assert {info.name for info in app.plugins.loaded()} == {"json", "problem"}


def test_allow_list_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_PLUGINS", "json")
    app = json_app(only_plugins=["json", "problem", "query"])
    app.freeze()
    assert {info.name for info in app.plugins.loaded()} == {"json", "problem", "query"}


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Fake third-party entry points backed by modules written into tmp_path."""
    modules = {
        "tp_good": """
            from hornbeam import hookimpl
            calls = []
            @hookimpl
            def hornbeam_configure(app):
                calls.append(app)
        """,
        "tp_broken_import": "raise ImportError('no such dependency: frobnicate')",
        "tp_typo": """
            from hornbeam import hookimpl
            @hookimpl
            def hornbeam_jsn_codec(app):
                return None
        """,
        "tp_bad_args": """
            from hornbeam import hookimpl
            @hookimpl
            def hornbeam_json_codec(app, extra):
                return None
        """,
    }
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    chosen: dict[str, str] = {}
    real = hornbeam.pluginhost.entry_points

    def fake_entry_points(group: str) -> list[EntryPoint]:
        extra = [EntryPoint(name, value, group) for name, value in chosen.items()]
        return [*real(group=group), *extra]

    monkeypatch.setattr(hornbeam.pluginhost, "entry_points", fake_entry_points)
    yield chosen
    for name in modules:
        sys.modules.pop(name, None)


def test_third_party_entry_point_loads(third_party: dict[str, str]) -> None:
    third_party["good"] = "tp_good"
    app = json_app()
    app.freeze()
    assert "good" in {info.name for info in app.plugins.loaded()}
    assert sys.modules["tp_good"].calls == [app]


def test_autoload_off_skips_third_party_but_keeps_builtins(
    third_party: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    third_party["good"] = "tp_good"
    monkeypatch.setenv("HORNBEAM_DISABLE_PLUGIN_AUTOLOAD", "1")
    app = json_app()
    app.freeze()
    names = {info.name for info in app.plugins.loaded()}
    assert "good" not in names and {"json", "problem", "query"} <= names
    assert TestClient(json_app(autoload=False)).get("/").json() == {"a": 1}


def test_failing_import_names_the_plugin(third_party: dict[str, str]) -> None:
    third_party["broken"] = "tp_broken_import"
    with pytest.raises(PluginError, match=r"plugin 'broken' \(tp_broken_import\) failed to import: ImportError"):
        json_app().freeze()


def test_unknown_hook_names_plugin_and_hook(third_party: dict[str, str]) -> None:
    third_party["typo"] = "tp_typo"
    with pytest.raises(PluginError, match="typo") as info:
        json_app().freeze()
    assert "hornbeam_jsn_codec" in str(info.value)


def test_wrong_hook_arguments_name_plugin_and_hook(third_party: dict[str, str]) -> None:
    third_party["badargs"] = "tp_bad_args"
    with pytest.raises(PluginError, match="badargs") as info:
        json_app().freeze()
    assert "hornbeam_json_codec" in str(info.value)


def test_a_broken_plugin_can_be_disabled(third_party: dict[str, str]) -> None:
    third_party["broken"] = "tp_broken_import"
    app = json_app(disable_plugins=["broken"])
    assert TestClient(app).get("/").status_code == 200


def test_factory_returning_wrong_object_names_plugin_and_hook() -> None:
    bad = plugin("bad-codec", hornbeam_json_codec=hookimpl(lambda app: object()))
    with pytest.raises(PluginError, match="plugin 'bad-codec' broke hook hornbeam_json_codec"):
        json_app(plugins=[bad]).freeze()


def test_factory_raising_names_plugin_and_hook() -> None:
    def explode(app: App) -> None:
        raise RuntimeError("no config file")

    bad = plugin("exploding", hornbeam_json_codec=hookimpl(explode))
    with pytest.raises(PluginError, match="plugin 'exploding' failed in hook hornbeam_json_codec: RuntimeError"):
        json_app(plugins=[bad]).freeze()


def test_two_plugins_with_one_name_rejected() -> None:
    a, b = plugin("twin"), plugin("twin")
    with pytest.raises(PluginError, match="two plugins are named 'twin'"):
        json_app(plugins=[a, b]).freeze()


def test_lifecycle_hooks_sync_and_async_in_order() -> None:
    events: list[str] = []

    async def async_startup(app: App) -> None:
        events.append("plugin async startup")

    def sync_shutdown(app: App) -> None:
        events.append("plugin shutdown")

    lifecycle = plugin(
        "lifecycle",
        hornbeam_startup=hookimpl(async_startup),
        hornbeam_shutdown=hookimpl(sync_shutdown),
        hornbeam_configure=hookimpl(lambda app: events.append("configure")),
    )
    app = json_app(plugins=[lifecycle])
    app.on_startup(lambda: events.append("user startup"))
    app.on_shutdown(lambda: events.append("user shutdown"))
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
    assert events == ["configure", "plugin async startup", "user startup", "user shutdown", "plugin shutdown"]


def test_failing_startup_hook_fails_lifespan_naming_plugin() -> None:
    def fail(app: App) -> None:
        raise RuntimeError("database unreachable")

    app = json_app(plugins=[plugin("db", hornbeam_startup=hookimpl(fail))])
    with pytest.raises(LifespanFailed, match="plugin 'db' failed in hook hornbeam_startup: RuntimeError"):
        with TestClient(app):
            pass


def test_observation_hooks_called_only_when_implemented() -> None:
    seen: list[tuple[str, int]] = []
    observer = plugin(
        "observer",
        hornbeam_request_started=hookimpl(lambda request: seen.append(("started", 0))),
        hornbeam_response_ready=hookimpl(lambda request, response: seen.append(("ready", response.status))),
    )
    client = TestClient(json_app(plugins=[observer]))
    assert client.get("/").json() == {"a": 1}
    assert client.get("/missing").status_code == 404
    assert seen == [("started", 0), ("ready", 200), ("started", 0), ("ready", 404)]


def test_zero_pluggy_calls_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    app = json_app()
    client = TestClient(app)
    client.get("/")  # start-up happens here
    calls: list[str] = []
    original = pluggy.HookCaller.__call__

    def counting(self: pluggy.HookCaller, *args: Any, **kwargs: Any) -> Any:
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pluggy.HookCaller, "__call__", counting)
    for _ in range(5):
        assert client.get("/").status_code == 200
        assert client.get("/nope").status_code == 404
    assert calls == []


def test_command_line_report() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hornbeam", "plugins"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "json  [entry point hornbeam.plugins.json (built-in)]" in result.stdout
    assert "hornbeam_json_codec: served by json" in result.stdout


def test_command_line_reports_missing_capability() -> None:
    env = {**__import__("os").environ, "HORNBEAM_DISABLE_PLUGINS": "json"}
    result = subprocess.run(
        [sys.executable, "-m", "hornbeam", "plugins"], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 1
    assert "enable the built-in 'json' plugin" in result.stderr
