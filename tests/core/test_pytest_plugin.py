"""hornbeam's pytest plugin, run by pytester in a project of its own as a user would run it."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from hornbeam import App, Request, hookimpl
from hornbeam.testing.pytest_plugin import ClientFactory, PluginAppFactory

APP = '''
from hornbeam import App, Request

app = App()
started = []

@app.on_startup
def start() -> None:
    started.append(True)

@app.get("/")
async def index(request: Request[None, None]) -> dict[str, object]:
    return {"hello": "world", "started": len(started)}
'''


def make_project(pytester: pytest.Pytester, ini: str, test: str) -> None:
    pytester.makepyfile(myapp=APP)
    pytester.makeconftest('pytest_plugins = ["hornbeam.testing.pytest_plugin"]\n')
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\nfilterwarnings = [\"error\"]\n{ini}")
    pytester.makepyfile(test_app=textwrap.dedent(test))


def test_three_lines_test_an_app_with_its_lifespan_running(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        'hornbeam_app = "myapp:app"\n',
        """
        def test_index(hornbeam_client):
            assert hornbeam_client.get("/").json() == {"hello": "world", "started": 1}
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_app_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        "",
        """
        import pytest
        from hornbeam import App

        @pytest.fixture
        def hornbeam_app() -> App:
            app = App()
            app.add_route("/", lambda request: "own")
            return app

        def test_own(hornbeam_client):
            assert hornbeam_client.get("/").text == "own"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_without_the_ini_option_the_error_says_what_to_set(pytester: pytest.Pytester) -> None:
    make_project(pytester, "", "def test_index(hornbeam_client):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(['*hornbeam_app fixture needs the app: set hornbeam_app = "module:app"*'])


def test_a_bad_ini_option_is_one_clear_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, 'hornbeam_app = "myapp:nope"\n', "def test_index(hornbeam_client):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ini option hornbeam_app = 'myapp:nope': module 'myapp' has no attribute 'nope'*"])


class Shout:
    """A plugin under test: upper-cases every text answer."""

    hornbeam_plugin_name = "shout"

    @hookimpl
    def hornbeam_response_ready(self, request: Request[Any, Any], response: Any) -> None:
        if response.body is not None and response.headers.get("content-type", "").startswith("text/plain"):
            response.body = response.body.upper()


def test_a_plugin_app_holds_only_the_chosen_plugins(
    hornbeam_plugin_app: PluginAppFactory, hornbeam_client_for: ClientFactory
) -> None:
    app = hornbeam_plugin_app(Shout())
    app.add_route("/", lambda request: "quiet")
    client = hornbeam_client_for(app)
    assert client.get("/").text == "QUIET"
    loaded = [info.name for info in app.plugins.loaded()]
    assert loaded == ["json", "problem", "shout"]


@pytest.fixture
def switched_off_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_DISABLE_PLUGINS", "json")


def test_a_plugin_app_ignores_the_environment(switched_off_json: None, hornbeam_plugin_app: PluginAppFactory) -> None:
    app: App = hornbeam_plugin_app(Shout(), builtins=["json", "problem", "tasks"], settings={"tasks_workers": 1})
    app.freeze()
    assert app.settings["tasks_workers"] == 1
    assert {info.name for info in app.plugins.loaded()} == {"json", "problem", "tasks", "shout"}
