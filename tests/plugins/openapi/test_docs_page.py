"""The docs page: Swagger UI found in the installed package, and HTML that loads nothing from elsewhere."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from hornbeam.plugins.openapi.docs_page import ASSETS, INIT_JS, asset_path, find_swagger_ui, page, read_asset


def test_swagger_ui_5_is_found_with_every_file() -> None:
    folder = find_swagger_ui()
    assert not isinstance(folder, str), folder
    assert re.fullmatch(r"swagger-ui-(\d+)\.\d+\.\d+", folder.name)
    for name in ASSETS:
        assert read_asset(folder, name) is read_asset(folder, name)  # read once
    assert read_asset(folder, "swagger-ui-bundle.js").startswith(b"/*! For license information")


def fake_package(monkeypatch: pytest.MonkeyPatch, folder: Path | None) -> None:
    module = types.ModuleType("swagger_ui_bundle")
    if folder is not None:
        module.swagger_ui_path = folder  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "swagger_ui_bundle", module)


def test_without_the_package_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "swagger_ui_bundle", None)
    message = find_swagger_ui()
    assert isinstance(message, str) and "pip install 'hornbeam[openapi]'" in message and "not installed" in message


def test_swagger_ui_4_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old = tmp_path / "swagger-ui-4.15.5"
    old.mkdir()
    fake_package(monkeypatch, old)
    message = find_swagger_ui()
    assert isinstance(message, str) and "swagger-ui-4.15.5, too old for OpenAPI 3.1" in message
    assert "pip uninstall swagger-ui-bundle" in message


def test_missing_files_and_a_strange_package_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "swagger-ui-5.0.0"
    folder.mkdir()
    (folder / "swagger-ui.css").write_text("")
    fake_package(monkeypatch, folder)
    message = find_swagger_ui()
    assert isinstance(message, str) and "lacks swagger-ui-bundle.js, favicon-32x32.png" in message
    fake_package(monkeypatch, None)
    message = find_swagger_ui()
    assert isinstance(message, str) and "has no swagger_ui_path" in message


def test_the_page_refers_only_to_its_own_files() -> None:
    html = page('Shop <"admin"> - docs', "/api/openapi.json", "/api/docs/").decode()
    assert "<title>Shop &lt;&quot;admin&quot;&gt; - docs</title>" in html
    assert 'data-openapi-url="/api/openapi.json"' in html
    assert '<script src="/api/docs/swagger-ui-bundle.js"></script>' in html
    assert '<script src="/api/docs/init.js"></script>' in html
    assert "http:" not in html and "https:" not in html and "<script>" not in html  # no CDN, no inline script
    assert asset_path("/docs", "init.js") == "/docs/init.js" and asset_path("/", "init.js") == "/init.js"


def test_the_init_script_switches_the_online_validator_off() -> None:
    assert b"validatorUrl: null" in INIT_JS and b"http" not in INIT_JS
