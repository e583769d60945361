"""The middleware plugin's own hook: built-ins switched on from settings."""

from __future__ import annotations

from typing import Any

import pytest

from hornbeam import App, PluginError, Request
from hornbeam.testing import TestClient


def test_builtins_switched_on_from_settings() -> None:
    app = App(settings={"middleware": {"request_id": {}, "timing": {"metric": "total"}, "cors": {"allow_origins": ["https://a.example"]}}})

    @app.get("/s")
    async def s(request: Request[Any, Any]) -> str:
        return request.state.request_id

    response = TestClient(app).get("/s", headers={"origin": "https://a.example"})
    assert response.text == response.headers["x-request-id"]
    assert response.headers["server-timing"].startswith("total;dur=")
    assert response.headers["access-control-allow-origin"] == "https://a.example"
    assert app.plugins.providers.get("hornbeam_middleware") is None  # collected, not firstresult


def test_settings_middleware_ignored_when_the_plugin_is_disabled() -> None:
    app = App(settings={"middleware": {"timing": {}}}, disable_plugins=["middleware"])
    app.add_route("/s", lambda request: "ok")
    assert "server-timing" not in TestClient(app).get("/s").headers


def test_unknown_settings_middleware_stops_startup() -> None:
    app = App(settings={"middleware": {"compress-everything": {}}})
    with pytest.raises(PluginError, match="unknown middleware"):
        app.freeze()
