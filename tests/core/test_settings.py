"""Declared settings: precedence, types, environment variables, typos and conflicts."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from hornbeam import App, ConfigurationError, PluginError, Setting, hookimpl
from hornbeam.settings import resolve_settings

Mode = Literal["fast", "safe"]

DECLARED = [
    ("demo", Setting("demo_level", int, 3, "How hard to try.")),
    ("demo", Setting("demo_ratio", float, 0.5, "A share.")),
    ("demo", Setting("demo_on", bool, False, "A switch.")),
    ("demo", Setting("demo_mode", Mode, "fast", "A choice.")),
    ("demo", Setting("demo_hosts", list[str], [], "Hosts.")),
    ("demo", Setting("demo_pair", tuple[int, ...], (1, 2), "Numbers.")),
    ("demo", Setting("demo_limit", int | None, None, "Optional.")),
    ("demo", Setting("demo_table", dict[str, int], {}, "A table.")),
    ("demo", Setting("demo_url", str, "redis://localhost", "Where.", env="DEMO_URL")),
    ("demo", Setting("demo_secret", str, "", "Never from the environment.", env="")),
]


def resolve(given: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Any:
    return resolve_settings(DECLARED, given or {}, environ or {})


def test_defaults_fill_every_declared_setting() -> None:
    settings = resolve()
    assert settings["demo_level"] == 3 and settings["demo_mode"] == "fast" and settings["demo_limit"] is None
    assert len(settings) == len(DECLARED)
    assert {name: item.source for name, item in settings.declared.items()}["demo_level"] == "default"


def test_the_app_wins_over_the_environment_which_wins_over_the_default() -> None:
    settings = resolve({"demo_level": 7}, {"HORNBEAM_DEMO_LEVEL": "5", "HORNBEAM_DEMO_RATIO": "0.25"})
    assert settings["demo_level"] == 7 and settings.declared["demo_level"].source == "app"
    assert settings["demo_ratio"] == 0.25 and settings.declared["demo_ratio"].source == "env"


@pytest.mark.parametrize(
    ("variable", "text", "name", "value"),
    [
        ("HORNBEAM_DEMO_ON", "yes", "demo_on", True),
        ("HORNBEAM_DEMO_ON", "Off", "demo_on", False),
        ("HORNBEAM_DEMO_MODE", "safe", "demo_mode", "safe"),
        ("HORNBEAM_DEMO_HOSTS", "a.example, b.example", "demo_hosts", ["a.example", "b.example"]),
        ("HORNBEAM_DEMO_PAIR", "4,5,6", "demo_pair", (4, 5, 6)),
        ("HORNBEAM_DEMO_LIMIT", "", "demo_limit", None),
        ("HORNBEAM_DEMO_LIMIT", "10", "demo_limit", 10),
        ("HORNBEAM_DEMO_TABLE", '{"a": 1}', "demo_table", {"a": 1}),
        ("DEMO_URL", "rediss://cache:6380/0", "demo_url", "rediss://cache:6380/0"),
    ],
)
def test_environment_values_are_parsed_by_type(variable: str, text: str, name: str, value: Any) -> None:
    assert resolve(environ={variable: text})[name] == value


def test_a_setting_with_env_empty_is_never_read_from_the_environment() -> None:
    assert resolve(environ={"HORNBEAM_DEMO_SECRET": "leaked"})["demo_secret"] == ""


@pytest.mark.parametrize(
    ("variable", "text", "message"),
    [
        ("HORNBEAM_DEMO_LEVEL", "many", "HORNBEAM_DEMO_LEVEL='many' (setting 'demo_level', plugin 'demo') must be int"),
        ("HORNBEAM_DEMO_ON", "maybe", "must be bool"),
        ("HORNBEAM_DEMO_MODE", "quick", "must be Literal['fast', 'safe']"),
        ("HORNBEAM_DEMO_TABLE", '{"a": "x"}', "must be dict[str, int]"),
    ],
)
def test_a_bad_environment_value_names_variable_setting_and_plugin(variable: str, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=__import__("re").escape(message)):
        resolve(environ={variable: text})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"demo_level": "3"}, "setting 'demo_level' (plugin 'demo') must be int: '3' is not an int"),
        ({"demo_level": True}, "is not an int"),
        ({"demo_on": 1}, "is not a bool"),
        ({"demo_mode": "quick"}, "is not one of ['fast', 'safe']"),
        ({"demo_hosts": ["a", 2]}, "holds 2, which is not str"),
        ({"demo_table": {"a": "b"}}, "which is not dict[str, int]"),
    ],
)
def test_a_wrong_type_names_the_setting_and_the_plugin(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=__import__("re").escape(message)):
        resolve(given)


def test_ints_are_accepted_for_floats_and_lists_for_tuples() -> None:
    settings = resolve({"demo_ratio": 1, "demo_pair": [3]})
    assert settings["demo_ratio"] == 1.0 and isinstance(settings["demo_ratio"], float)
    assert settings["demo_pair"] == (3,)


def test_an_unknown_key_suggests_the_declared_one() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown setting 'demo_levle' in App\(settings=...\); did you mean 'demo_level'\?"):
        resolve({"demo_levle": 1})


def test_a_setting_declared_twice_names_both_plugins() -> None:
    with pytest.raises(PluginError, match="setting 'x' is declared by two plugins: 'a' and 'b'"):
        resolve_settings([("a", Setting("x", int, 1, "")), ("b", Setting("x", int, 2, ""))], {}, {})


def test_a_default_of_the_wrong_type_is_the_plugin_s_fault() -> None:
    with pytest.raises(PluginError, match="plugin 'a' declares setting 'x' with a default that is not an int"):
        resolve_settings([("a", Setting("x", int, "1", ""))], {}, {})


def test_settings_of_one_plugin() -> None:
    settings = resolve_settings([("a", Setting("x", int, 1, "")), ("b", Setting("y", int, 2, ""))], {}, {})
    assert settings.of("a") == {"x": 1}
    with pytest.raises(KeyError, match="no plugin declares setting 'z'"):
        settings["z"]


# Through the app -------------------------------------------------------------


def test_app_typos_stop_start_up_with_a_suggestion() -> None:
    app = App(settings={"tasks_worker": 8, "query_max_feilds": 5})
    with pytest.raises(ConfigurationError, match=r"unknown setting 'tasks_worker' in App\(settings=...\); did you mean 'tasks_workers'\?"):
        app.freeze()


def test_app_settings_are_typed_and_complete_once_started() -> None:
    app = App(settings={"tasks_workers": 8})
    assert dict(app.settings) == {"tasks_workers": 8}  # as given, until start-up
    app.freeze()
    assert app.settings["tasks_workers"] == 8
    assert app.settings["query_max_fields"] == 1000
    assert app.settings["tasks_timeout"] == 30.0


def test_environment_variables_reach_the_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_QUERY_MAX_FIELDS", "2")
    app = App()
    app.add_route("/", lambda request: dict(request.query))
    from hornbeam.testing import TestClient

    client = TestClient(app)
    assert client.get("/?a=1").status_code == 200
    assert client.get("/?a=1&b=2&c=3").status_code == 400


def test_settings_of_a_disabled_plugin_are_ignored_not_refused() -> None:
    app = App(settings={"tasks_workers": 2}, disable_plugins=["tasks"])
    app.freeze()
    assert "tasks_workers" not in app.settings


def test_a_plugin_declares_and_reads_its_own_setting() -> None:
    class Greeter:
        @hookimpl
        def hornbeam_settings(self) -> list[Setting]:
            return [Setting("greeting", str, "hello", "What to say.")]

        @hookimpl
        def hornbeam_configure(self, app: App) -> None:
            word = app.settings["greeting"]
            app.add_route("/", lambda request: word)

    from hornbeam.testing import TestClient

    assert TestClient(App(plugins=[Greeter()], settings={"greeting": "hi"})).get("/").text == "hi"


def test_a_plugin_returning_something_else_than_settings_is_named() -> None:
    class Broken:
        @hookimpl
        def hornbeam_settings(self) -> Any:
            return "greeting"

    with pytest.raises(PluginError, match="plugin 'Broken' broke hook hornbeam_settings"):
        App(plugins=[Broken()]).freeze()
