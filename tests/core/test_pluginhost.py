"""The plugin host: entry points, enable/disable/allow-lists, replacement, contract errors, reports."""

from __future__ import annotations

import json
import logging
import re
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

import hornbeam
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


# Every start-up hook goes through pluggy ---------------------------------------


def test_an_implementation_may_take_a_subset_of_the_arguments() -> None:
    seen: list[str] = []
    # hornbeam_task_queue(app, events): this one takes neither.
    no_args = plugin("no-args", hornbeam_configure=hookimpl(lambda: seen.append("configured")))
    app = json_app(plugins=[no_args])
    app.freeze()
    assert seen == ["configured"]


def test_new_style_wrappers_wrap_factory_hooks() -> None:
    seen: list[str] = []

    class Wrapping:
        @hookimpl(wrapper=True)
        def hornbeam_json_codec(self, app: App) -> Any:
            seen.append("before")
            codec = yield
            seen.append(f"after {type(codec).__name__}")
            return StdlibCodec()  # a wrapper may replace the result

    app = json_app(plugins=[Wrapping()])
    assert TestClient(app).get("/").content == b'{"a": 1}'
    assert seen == ["before", "after OrjsonCodec"]


def test_old_style_hookwrappers_see_the_outcome() -> None:
    seen: list[Any] = []

    class Old:
        @hookimpl(hookwrapper=True)
        def hornbeam_json_codec(self, app: App) -> Any:
            outcome = yield
            seen.append(type(outcome.get_result()).__name__)

    json_app(plugins=[Old()]).freeze()
    assert seen == ["OrjsonCodec"]


def test_a_wrapper_that_raises_is_named() -> None:
    class Broken:
        @hookimpl(wrapper=True)
        def hornbeam_json_codec(self, app: App) -> Any:
            yield
            raise RuntimeError("wrapper bug")

    with pytest.raises(PluginError, match="plugin 'Broken' failed in hook hornbeam_json_codec: RuntimeError: wrapper bug"):
        json_app(plugins=[Broken()]).freeze()


def test_firstresult_stops_at_the_first_answer() -> None:
    calls: list[str] = []

    class Answering:
        hornbeam_plugin_name = "answering"

        @hookimpl
        def hornbeam_query_parser(self, app: App) -> Any:
            calls.append("answering")
            return lambda raw: hornbeam.QueryParams([("raw", raw.decode())])

    class Watching:
        @hookimpl(wrapper=True)
        def hornbeam_query_parser(self, app: App) -> Any:
            calls.append("wrapper")
            return (yield)

    app = json_app(plugins=[Answering(), Watching()])
    app.freeze()
    # The built-in parser (trylast) was never called: the first answer ended the call.
    assert calls == ["wrapper", "answering"]
    assert app.plugins.providers["hornbeam_query_parser"] == "answering"


def test_tryfirst_and_trylast_order_the_calls() -> None:
    calls: list[str] = []

    class Late:
        @hookimpl(trylast=True)
        def hornbeam_configure(self) -> None:
            calls.append("late")

    class Early:
        @hookimpl(tryfirst=True)
        def hornbeam_configure(self) -> None:
            calls.append("early")

    class Plain:
        @hookimpl
        def hornbeam_configure(self) -> None:
            calls.append("plain")

    json_app(plugins=[Early(), Late(), Plain()]).freeze()
    assert calls == ["early", "plain", "late"]


def test_pluggy_tracing_and_monitoring_see_start_up_hooks() -> None:
    app = json_app()
    called: list[str] = []
    app.plugins.manager.add_hookcall_monitoring(lambda name, impls, kwargs: called.append(name), lambda *a: None)
    app.freeze()
    assert {"hornbeam_settings", "hornbeam_configure", "hornbeam_json_codec", "hornbeam_middleware"} <= set(called)


def test_trace_switch_logs_hook_calls_and_observer_calls(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HORNBEAM_TRACE_PLUGINS", "1")
    watcher = plugin("watcher", hornbeam_request_started=hookimpl(lambda request: None))
    app = json_app(plugins=[watcher])
    with caplog.at_level(logging.INFO, logger="hornbeam.plugins"):
        TestClient(app).get("/")
    messages = [r.getMessage() for r in caplog.records if r.name == "hornbeam.plugins"]
    assert any("hornbeam_json_codec" in m for m in messages)
    assert any("observer hornbeam_request_started of plugin 'watcher'" in m for m in messages)


# Loud conflicts and typos ------------------------------------------------------


def codec_plugin(name: str) -> object:
    class CodecPlugin:
        hornbeam_plugin_name = name

        @hookimpl
        def hornbeam_json_codec(self, app: App) -> StdlibCodec:
            return StdlibCodec()

    return CodecPlugin()


def test_two_third_party_providers_of_one_factory_stop_start_up_naming_both() -> None:
    app = json_app(plugins=[codec_plugin("fast-json"), codec_plugin("slow-json")])
    with pytest.raises(PluginError) as info:
        app.freeze()
    message = str(info.value)
    assert "'slow-json'" in message and "'fast-json'" in message and "hornbeam_json_codec" in message
    assert "App(providers=" in message


def test_the_app_picks_one_provider() -> None:
    app = json_app(plugins=[codec_plugin("fast-json"), codec_plugin("slow-json")], providers={"hornbeam_json_codec": "fast-json"})
    app.freeze()
    assert app.plugins.providers["hornbeam_json_codec"] == "fast-json"


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ({"hornbeam_jsn_codec": "json"}, "unknown hook 'hornbeam_jsn_codec'; did you mean 'hornbeam_json_codec'?"),
        ({"hornbeam_json_codec": "query"}, "picks plugin 'query' for hornbeam_json_codec, but it does not implement it"),
        ({"hornbeam_middleware": "json"}, "hornbeam_middleware is not a factory"),
    ],
)
def test_a_bad_pick_stops_start_up(providers: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        json_app(providers=providers).freeze()


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({"disable_plugins": ["qeury"]}, {}, "App(disable_plugins=...) names plugin 'qeury', which does not exist; did you mean 'query'?"),
        ({"only_plugins": ["json", "probelm"]}, {}, "App(only_plugins=...) names plugin 'probelm'"),
        ({}, {"HORNBEAM_DISABLE_PLUGINS": "valdiation"}, "HORNBEAM_DISABLE_PLUGINS names plugin 'valdiation'"),
        ({}, {"HORNBEAM_PLUGINS": "json,problme"}, "did you mean 'problem'?"),
    ],
)
def test_unknown_names_in_allow_and_deny_lists_stop_start_up(
    options: dict[str, Any], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        json_app(**options).freeze()


def test_an_unknown_marked_hook_suggests_the_right_name() -> None:
    typo = plugin("typo", hornbeam_startp=hookimpl(lambda app: None))
    with pytest.raises(PluginError, match=r"plugin 'typo' implements unknown hook hornbeam_startp; did you mean 'hornbeam_startup'\?"):
        json_app(plugins=[typo]).freeze()


def test_an_unmarked_hook_function_stops_start_up() -> None:
    def hornbeam_startup(app: App) -> None: ...

    forgot = plugin("forgot", hornbeam_startup=hornbeam_startup)
    with pytest.raises(PluginError, match="plugin 'forgot' defines hornbeam_startup but does not mark it with @hornbeam.hookimpl"):
        json_app(plugins=[forgot]).freeze()


def test_an_unmarked_misspelled_function_gets_a_suggestion() -> None:
    def hornbeam_shutdwn(app: App) -> None: ...

    with pytest.raises(PluginError, match="did you mean 'hornbeam_shutdown'"):
        json_app(plugins=[plugin("p", hornbeam_shutdwn=hornbeam_shutdwn)]).freeze()


# Hooks of a plugin's own --------------------------------------------------------


class GreetingSpecs:
    @hornbeam.hookspec
    def greeting_words(self, app: App) -> list[str]:  # type: ignore[empty-body]
        """Contribute words to the greeting."""


def test_a_plugin_adds_hooks_that_other_plugins_implement() -> None:
    class Greeter:
        hornbeam_plugin_name = "greeter"

        @hookimpl
        def hornbeam_add_hooks(self, host: hornbeam.pluginhost.PluginHost) -> None:
            host.add_hookspecs(GreetingSpecs)

        @hookimpl
        def hornbeam_configure(self, app: App) -> None:
            words = [word for _, result in app.plugins.call("greeting_words", app=app) for word in result]

            @app.get("/greeting")
            async def greeting(request: Request[Any, Any]) -> str:
                return " ".join(words)

    class Polite:
        @hookimpl
        def greeting_words(self) -> list[str]:
            return ["please"]

    # Registered before the greeter, the implementation still finds its specification.
    app = json_app(plugins=[Polite(), Greeter()])
    assert TestClient(app).get("/greeting").text == "please"
    assert "greeting_words" in app.plugins.hook_names()


def test_an_implementation_of_a_hook_nobody_added_is_refused() -> None:
    class Polite:
        @hookimpl
        def greeting_words(self) -> list[str]:
            return ["please"]

    with pytest.raises(PluginError, match="plugin 'Polite' implements unknown hook greeting_words"):
        json_app(plugins=[Polite()]).freeze()


# Reports ---------------------------------------------------------------------------


def test_disabled_plugins_are_listed_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_DISABLE_PLUGINS", "tasks")
    app = json_app(disable_plugins=["query"])
    app.freeze()
    found = {info.name: info for info in app.plugins.plugins()}
    assert (found["query"].status, found["query"].reason) == ("disabled", "App(disable_plugins=...)")
    assert (found["tasks"].status, found["tasks"].reason) == ("disabled", "HORNBEAM_DISABLE_PLUGINS")
    assert found["json"].distribution == "hornbeam" and found["json"].version == hornbeam.__version__
    assert found["json"].builtin and found["json"].hooks == ("hornbeam_json_codec",)
