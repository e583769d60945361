"""The ``hornbeam`` command: ``plugins`` and ``routes``, their JSON, and one clear line for a bad APP."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hornbeam.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()

AppModule = Callable[[str], str]


@pytest.fixture
def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppModule]:
    """Write a module with the given source into a fresh folder on sys.path; returns its import name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("HORNBEAM_"):
            monkeypatch.delenv(name)
    written: list[str] = []

    def write(source: str) -> str:
        name = f"cli_app_{next(_names)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


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


class TestRoutes:
    def test_sample_routes_as_text(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(ROOT)
        status, out, err = run(capsys, "routes", "sample:app")
        assert (status, err) == (0, "")
        lines = out.splitlines()
        get_item = next(line for line in lines if "sample:get_item" in line)
        assert get_item.split() == ["GET", "/items/{item_id:int}", "items.get_item", "sample:get_item"]
        details = lines[lines.index(get_item) + 1]
        assert details.strip() == "response: sample.Item; middleware: no_store"
        create = lines[lines.index(next(line for line in lines if "sample:create_item" in line)) + 1]
        assert "body: sample.ItemIn" in create

    def test_routes_as_json(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(ROOT)
        status, out, _ = run(capsys, "routes", "sample:app", "--json")
        assert status == 0
        routes = {(tuple(r["methods"]), r["path"]): r for r in json.loads(out)}
        assert routes[(("GET",), "/items")] == {
            "methods": ["GET"], "path": "/items", "name": "items.list_items", "handler": "sample:list_items",
            "path_params": [], "query": "sample.Page", "body": None, "response": "sample.ItemPage", "status": 200,
            "middleware": ["no_store"], "summary": "List items, a page at a time.", "tags": ["items"],
            "deprecated": False,
        }  # fmt: skip
        assert routes[(("GET",), "/items/{item_id:int}")]["path_params"] == [["item_id", "int"]]
        assert routes[(("POST",), "/uploads")]["middleware"] == []

    def test_extractors_status_and_deprecation_are_shown(
        self, app_module: AppModule, capsys: pytest.CaptureFixture[str]
    ) -> None:
        module = app_module(
            """
            from hornbeam import App, Request

            app = App()

            def first_word(raw: bytes) -> str:
                return raw.split()[0].decode()

            @app.post("/words", body=first_word, status=201, deprecated=True)
            async def words(request: Request[None, str]) -> None: ...
            """
        )
        status, out, _ = run(capsys, "routes", f"{module}:app")
        assert status == 0
        assert out.splitlines()[1].strip() == (
            f"body: {module}:first_word; response: None; status: 201; deprecated"
        )

    def test_an_app_without_routes(self, app_module: AppModule, capsys: pytest.CaptureFixture[str]) -> None:
        # The openapi plugin would add its own two routes.
        module = app_module("from hornbeam import App\napp = App(disable_plugins=['openapi'])\n")
        assert run(capsys, "routes", f"{module}:app") == (0, "no routes\n", "")

    def test_an_app_that_fails_to_start_exits_1(self, app_module: AppModule, capsys: pytest.CaptureFixture[str]) -> None:
        module = app_module(
            """
            from hornbeam import App, Request
            app = App()

            @app.get("/a/{x:nosuch}")
            async def a(request: Request[None, None], x: str) -> None: ...
            """
        )
        status, out, err = run(capsys, "routes", f"{module}:app")
        assert (status, out) == (1, "")
        assert "unknown converter 'nosuch'" in err


@pytest.mark.parametrize("command", ["plugins", "routes"])
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nosuch:app", "module 'nosuch' not found"),
        ("nosuch.deeper:app", "module 'nosuch.deeper' not found"),
        ("{module}:nope", "module '{module}' has no attribute 'nope'"),
        ("{module}:number", "{module}:number is a int, not a hornbeam App"),
        ("{module}", "{module}:app is a str, not a hornbeam App"),
        ("{broken}:app", "importing module '{broken}' failed: ZeroDivisionError: division by zero"),
        ("{missing_dep}:app", "importing module '{missing_dep}' failed: ModuleNotFoundError: No module named 'not_installed_anywhere'"),
        (":app", "':app' is not of the form module:attribute"),
    ],
)
def test_a_bad_app_is_one_line_and_exit_status_2(
    app_module: AppModule, capsys: pytest.CaptureFixture[str], command: str, target: str, message: str
) -> None:
    names: dict[str, Any] = {
        "module": app_module("number = 3\napp = 'not an app'\n"),
        "broken": app_module("1 / 0\n"),
        "missing_dep": app_module("import not_installed_anywhere\n"),
    }
    status, out, err = run(capsys, command, target.format(**names))
    assert (status, out) == (2, "")
    assert err.startswith(f"hornbeam {command}: {message.format(**names)}")
    assert err.count("\n") == 1 and err.endswith("\n")


def test_the_installed_command_answers_a_bad_app_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hornbeam", "plugins", "nosuch:app"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"hornbeam plugins: module 'nosuch' not found (looked in {tmp_path} and sys.path)"]


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
