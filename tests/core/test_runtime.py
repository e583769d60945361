"""The frozen runtime: what freeze() builds, in which order, and that it cannot change."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, ConfigurationError, Request, hookimpl
from hornbeam.testing import TestClient


def test_the_runtime_holds_the_components_the_plugins_provided() -> None:
    app = App()
    app.freeze()
    runtime = app.runtime
    assert runtime.json_codec is app.json_codec and runtime.error_renderer is app.error_renderer
    assert runtime.validator is app.validator and runtime.query_parser is app.query_parser
    assert app.plugins.providers == {
        "hornbeam_json_codec": "json",
        "hornbeam_error_renderer": "problem",
        "hornbeam_query_parser": "query",
        "hornbeam_validator": "validation",
    }


def test_without_a_codec_the_app_does_not_start_and_says_which_plugin_to_enable() -> None:
    with pytest.raises(ConfigurationError, match="enable the built-in 'json' plugin"):
        App(disable_plugins=["json"]).freeze()
    with pytest.raises(ConfigurationError, match="enable the built-in 'problem' plugin"):
        App(disable_plugins=["problem"]).freeze()


def test_a_failed_freeze_leaves_no_runtime_behind() -> None:
    app = App(disable_plugins=["json"])
    with pytest.raises(ConfigurationError):
        app.freeze()
    assert not app.frozen and app._building is None


def test_factory_hooks_may_use_the_components_provided_before_theirs() -> None:
    seen: list[Any] = []

    class Renderer:
        @hookimpl
        def hornbeam_error_renderer(self, app: App) -> Any:
            seen.append(app.json_codec)
            return None  # let the built-in render

    app = App(plugins=[Renderer()])
    app.freeze()
    assert seen == [app.json_codec]


def test_configure_may_add_routes_before_they_compile() -> None:
    class Adds:
        @hookimpl
        def hornbeam_configure(self, app: App) -> None:
            app.add_route("/added", lambda request: "added")

    assert TestClient(App(plugins=[Adds()])).get("/added").text == "added"


def test_asgi_middleware_wraps_the_dispatch_first_added_outermost() -> None:
    order: list[str] = []

    def layer(name: str) -> Any:
        def wrap(app: Any) -> Any:
            async def middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
                order.append(name)
                await app(scope, receive, send)

            return middleware

        return wrap

    app = App()
    app.add_asgi_middleware(layer("outer"))
    app.add_asgi_middleware(layer("inner"))
    app.add_route("/", lambda request: "ok")
    assert TestClient(app).get("/").text == "ok"
    assert order == ["outer", "inner"]


def test_url_for_reads_the_runtime_names() -> None:
    app = App()

    @app.get("/users/{name}", name="user")
    async def user(request: Request[None, None], name: str) -> str:
        return name

    app.add_route("/a", lambda request: "a", name="twice")
    app.add_route("/b", lambda request: "b", name="twice")
    assert app.url_for("user", name="ann") == "/users/ann"
    with pytest.raises(KeyError, match="used by several routes"):
        app.url_for("twice")
    with pytest.raises(KeyError, match="no route is named 'nobody'"):
        app.url_for("nobody")
