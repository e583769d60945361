"""``hornbeam plugins``: every plugin found, its hooks and settings, who serves each factory; ``--json``."""

from __future__ import annotations

import json

import pytest

from ._cli import AppModule, run


PLUGIN_APP = """
    from hornbeam import App, Router, Request, Setting, hookimpl

    class Greeter:
        hornbeam_plugin_name = "greeter"

        @hookimpl
        def hornbeam_settings(self) -> list[Setting]:
            return [Setting("greeting", str, "hello", "What the greeter says.")]

        @hookimpl
        def hornbeam_configure(self, app: App) -> None:
            pass

    app = App(plugins=[Greeter()], disable_plugins=["query"], settings={"greeting": "hi", "tasks_workers": 2})
"""


class TestPlugins:
    def test_lists_every_plugin_with_distribution_version_status_and_hooks(
        self, app_module: AppModule, capsys: pytest.CaptureFixture[str]
    ) -> None:
        module = app_module(PLUGIN_APP)
        status, out, err = run(capsys, "plugins", f"{module}:app")
        assert (status, err) == (0, "")
        assert "plugins: 8 found, 7 loaded" in out
        assert "  json  [entry point hornbeam.plugins.json (built-in)]  hornbeam 0.1.0, built-in, loaded" in out
        assert "  query  [entry point hornbeam.plugins.query (built-in)]  hornbeam 0.1.0, built-in, disabled by App(disable_plugins=...)" in out
        assert "  greeter  [App(plugins=...)]  -, third-party, loaded" in out
        assert "      hooks: hornbeam_configure, hornbeam_settings" in out
        assert "      setting greeting = 'hi'  (str, from app, env HORNBEAM_GREETING)  What the greeter says." in out
        assert "      setting tasks_workers = 2  (int, from app, env HORNBEAM_TASKS_WORKERS)" in out
        assert "  hornbeam_json_codec: served by json" in out
        assert "  hornbeam_query_parser: nobody" in out
        assert "  hornbeam_task_queue: tasks first in line, asked at start-up" in out
        assert "  hornbeam_configure: greeter" in out

    def test_json_report(self, app_module: AppModule, capsys: pytest.CaptureFixture[str]) -> None:
        module = app_module(PLUGIN_APP)
        status, out, _ = run(capsys, "plugins", f"{module}:app", "--json")
        assert status == 0
        report = json.loads(out)
        by_name = {p["name"]: p for p in report["plugins"]}
        assert by_name["query"]["status"] == "disabled"
        assert by_name["query"]["reason"] == "App(disable_plugins=...)"
        assert by_name["json"] | {"hooks": [], "settings": []} == {
            "name": "json", "status": "loaded", "reason": None, "builtin": True, "distribution": "hornbeam",
            "version": "0.1.0", "source": "entry point hornbeam.plugins.json (built-in)", "hooks": [], "settings": [],
        }  # fmt: skip
        assert by_name["json"]["hooks"] == ["hornbeam_json_codec"]
        assert by_name["greeter"]["settings"] == [
            {"name": "greeting", "type": "str", "value": "hi", "default": "hello", "source": "app",
             "env": "HORNBEAM_GREETING", "doc": "What the greeter says."}
        ]  # fmt: skip
        assert report["factories"]["hornbeam_json_codec"] == {
            "provider": "json", "first_in_line": "json", "implementers": ["json"]
        }  # fmt: skip
        assert report["factories"]["hornbeam_query_parser"]["provider"] is None
        assert report["hooks"]["hornbeam_settings"][0] == "greeter"
        assert report["error"] is None

    @pytest.mark.parametrize(
        ("variable", "value", "reason"),
        [
            ("HORNBEAM_DISABLE_PLUGINS", "query", "HORNBEAM_DISABLE_PLUGINS"),
            ("HORNBEAM_PLUGINS", "json,problem,tasks,validation,middleware", "not in the allow-list (HORNBEAM_PLUGINS)"),
        ],
    )
    def test_environment_shows_why_a_plugin_is_off(
        self, app_module: AppModule, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        variable: str, value: str, reason: str,
    ) -> None:  # fmt: skip
        module = app_module("from hornbeam import App\napp = App()\n")
        monkeypatch.setenv(variable, value)
        status, out, _ = run(capsys, "plugins", f"{module}:app", "--json")
        assert status == 0
        query = next(p for p in json.loads(out)["plugins"] if p["name"] == "query")
        assert (query["status"], query["reason"]) == ("disabled", reason)

    def test_without_an_app_reports_a_bare_one(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("HORNBEAM_DISABLE_PLUGINS", raising=False)
        status, out, _ = run(capsys, "plugins")
        assert status == 0
        assert "  hornbeam_error_renderer: served by problem" in out

    def test_an_app_that_fails_to_start_prints_what_is_known_and_exits_1(
        self, app_module: AppModule, capsys: pytest.CaptureFixture[str]
    ) -> None:
        module = app_module("from hornbeam import App\napp = App(settings={'tasks_wokers': 2})\n")
        status, out, err = run(capsys, "plugins", f"{module}:app")
        assert status == 1
        assert "unknown setting 'tasks_wokers'" in err
        assert "did you mean 'tasks_workers'?" in err
        assert "  json  [entry point" in out
        assert out.rstrip().splitlines()[-1].startswith("error: unknown setting 'tasks_wokers'")
