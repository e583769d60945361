"""The openapi plugin as an app sees it: settings, the routes it serves, its own hooks, disabling it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from openapi_spec_validator import validate

from hornbeam import App, ConfigurationError, PluginError, Request, Route, hookimpl
from hornbeam.plugins import openapi
from hornbeam.plugins.openapi import document
from hornbeam.plugins.openapi.docs_page import ASSETS
from hornbeam.testing import TestClient


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/items/{item_id:int}", tags=["items"])
    async def get_item(request: Request[None, None], item_id: int) -> dict[str, int]:
        """Fetch one item."""
        return {"id": item_id}

    return app


def test_the_document_is_served_as_built() -> None:
    app = make_app(settings={"openapi_title": "Shop", "openapi_api_version": "3.0", "openapi_servers": ["/v3"]})
    with TestClient(app) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    served = response.json()
    validate(served)
    assert served == document(app)
    assert served["info"] == {"title": "Shop", "version": "3.0"} and served["servers"] == [{"url": "/v3"}]
    assert served["paths"]["/items/{item_id}"]["get"]["summary"] == "Fetch one item."


def test_the_docs_page_and_its_files_are_served_by_the_app() -> None:
    client = TestClient(make_app(settings={"openapi_title": "Shop"}))
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Shop - docs</title>" in page.text and 'data-openapi-url="/openapi.json"' in page.text
    for name in ("swagger-ui.css", "favicon-32x32.png", "swagger-ui-bundle.js", "init.js", "oauth2-redirect.html"):
        assert f"/docs/{name}" in page.text, name
    for name, media_type in {**ASSETS, "init.js": "text/javascript; charset=utf-8"}.items():
        asset = client.get(f"/docs/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"] == media_type, name
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.headers["cache-control"] == "public, max-age=86400"
    assert client.get("/docs/swagger-ui-bundle.js", headers={"if-none-match": bundle.headers["etag"]}).status_code == 304


def test_paths_are_settings_and_the_page_can_be_switched_off() -> None:
    client = TestClient(make_app(settings={"openapi_path": "/api/spec.json", "openapi_docs_path": "/api/docs"}))
    assert client.get("/api/spec.json").status_code == 200 and client.get("/openapi.json").status_code == 404
    assert 'data-openapi-url="/api/spec.json"' in client.get("/api/docs").text
    assert client.get("/api/docs/init.js").status_code == 200
    off = TestClient(make_app(settings={"openapi_docs": False}))
    assert off.get("/docs").status_code == 404 and off.get("/docs/init.js").status_code == 404
    assert off.get("/openapi.json").status_code == 200


def test_the_docs_page_switched_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_OPENAPI_DOCS", "0")
    assert TestClient(make_app()).get("/docs").status_code == 404


@pytest.mark.parametrize("setting", ["openapi_path", "openapi_docs_path"])
@pytest.mark.parametrize("value", ["openapi.json", "/x/{id}"])
def test_a_path_setting_must_be_a_plain_path(setting: str, value: str) -> None:
    with pytest.raises(PluginError, match=f"setting {setting} must be a path"):
        make_app(settings={setting: value}).freeze()


def test_disabled_it_serves_nothing() -> None:
    app = make_app(disable_plugins=["openapi"])
    client = TestClient(app)
    assert client.get("/openapi.json").status_code == 404 and client.get("/docs").status_code == 404
    with pytest.raises(LookupError, match="not enabled"):
        document(app)


def test_a_route_of_the_app_at_the_docs_path_is_a_start_up_conflict_naming_the_page() -> None:
    app = make_app()

    @app.get("/docs")
    async def docs(request: Request[None, None]) -> str:
        return "my docs"

    with pytest.raises(ConfigurationError, match="the openapi plugin's docs page"):
        app.freeze()


class Security:
    """A plugin of one's own: an API key on routes that ask for it."""

    hornbeam_plugin_name = "security"

    @hookimpl(optionalhook=True)
    def hornbeam_openapi_operation(self, route: Route, method: str, operation: dict[str, Any]) -> None:
        if route.metadata.get("auth"):
            operation["security"] = [{"apiKey": []}]
            operation["responses"]["401"] = {"description": "No or a wrong API key."}

    @hookimpl(optionalhook=True)
    def hornbeam_openapi_document(self, app: App, document: dict[str, Any]) -> None:
        document["components"]["securitySchemes"] = {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Key"}}


def test_other_plugins_extend_the_document_through_its_hooks() -> None:
    app = make_app(plugins=[Security()])
    app.add_route("/secret", lambda request: "s", metadata={"auth": True})
    served = TestClient(app).get("/openapi.json").json()
    validate(served)
    assert served["components"]["securitySchemes"]["apiKey"]["name"] == "X-Key"
    assert served["paths"]["/secret"]["get"]["security"] == [{"apiKey": []}]
    assert "401" in served["paths"]["/secret"]["get"]["responses"]
    assert "security" not in served["paths"]["/items/{item_id}"]["get"]


def test_an_extension_marked_optional_starts_without_the_openapi_plugin() -> None:
    app = make_app(plugins=[Security()], disable_plugins=["openapi"])
    assert TestClient(app).get("/items/1").json() == {"id": 1}


def test_a_failing_extension_stops_start_up_naming_it() -> None:
    class Broken:
        hornbeam_plugin_name = "broken"

        @hookimpl
        def hornbeam_openapi_document(self, document: dict[str, Any]) -> None:
            raise KeyError("components")

    app = make_app(plugins=[Broken()])
    with pytest.raises(PluginError, match="'broken' failed in hook hornbeam_openapi_document"):
        app.freeze()


def test_without_swagger_ui_the_page_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(openapi, "find_swagger_ui", lambda: "the docs page needs Swagger UI: pip install it")
    with caplog.at_level(logging.WARNING, "hornbeam.openapi"):
        client = TestClient(make_app())
        page = client.get("/docs")
    assert page.status_code == 501 and page.json()["detail"] == "the docs page needs Swagger UI: pip install it"
    assert "/docs answers 501" in caplog.text and "openapi_docs" in caplog.text
    assert client.get("/openapi.json").status_code == 200


def asgi_get(app: App, path: str, root_path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "root_path": root_path,
             "query_string": b"", "headers": [], "scheme": "http", "server": ("testserver", 80)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_mounted_under_a_prefix_the_page_and_document_point_there() -> None:
    app = make_app()
    status, html = asgi_get(app, "/docs", "/api")
    assert status == 200 and b'data-openapi-url="/api/openapi.json"' in html and b'src="/api/docs/init.js"' in html
    status, body = asgi_get(app, "/openapi.json", "/api")
    assert status == 200 and b'"servers":[{"url":"/api"}]' in body
    status, body = asgi_get(app, "/openapi.json", "")
    assert b'"servers"' not in body
    for n in range(20):  # past the cached prefixes, answers are still right
        assert asgi_get(app, "/docs", f"/p{n}")[1].count(f"/p{n}/openapi.json".encode()) == 1
