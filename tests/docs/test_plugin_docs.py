"""docs/plugins.md: generated from the hook specifications, never out of date, and its examples run."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hornbeam import App, Request
from hornbeam.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


plugin_docs = _load("plugin_docs", ROOT / "tools" / "plugin_docs.py")
examples = plugin_docs.load_examples()


def test_the_page_is_up_to_date() -> None:
    page = plugin_docs.PAGE.read_text()
    assert plugin_docs.render(page) == page, "docs/plugins.md is out of date: run python tools/plugin_docs.py"


def test_check_mode_reports_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "plugins.md"
    stale.write_text(plugin_docs.PAGE.read_text().replace("Provide the JSON codec", "Provide a JSON codec"))
    monkeypatch.setattr(plugin_docs, "PAGE", stale)
    monkeypatch.setattr(plugin_docs, "ROOT", tmp_path)
    assert plugin_docs.main(["--check"]) == 1
    assert "plugins.md is out of date" in capsys.readouterr().err
    assert plugin_docs.main([]) == 0
    assert plugin_docs.main(["--check"]) == 0


def test_every_hook_has_a_section_and_an_example() -> None:
    page = plugin_docs.PAGE.read_text()
    for name in plugin_docs.hook_specs():
        assert f"#### `{name}`" in page
        assert name in examples.EXAMPLES
    for _, name in plugin_docs.PROTOCOLS:
        assert f"{name}`" in page


def test_markers_missing_is_a_clear_error() -> None:
    with pytest.raises(SystemExit, match="lacks the markers of the 'hooks' part"):
        plugin_docs.render("# a page without markers\n")


@pytest.mark.parametrize("hook", sorted(examples.EXAMPLES))
def test_each_example_plugin_starts_an_app_and_serves(hook: str, caplog: pytest.LogCaptureFixture) -> None:
    plugin = examples.EXAMPLES[hook][-1]()
    app = App(plugins=[plugin])
    ran: list[str] = []

    async def task() -> None:
        ran.append("task")

    @app.get("/hello")
    async def hello(request: Request[None, None]) -> dict[str, Any]:
        await app.tasks.enqueue(task)
        return {"hello": request.query.get("who", "world")}

    caplog.set_level(logging.INFO, logger="examples")
    with TestClient(app) as client:
        response = client.get("/hello?who=docs")
        assert response.status_code == 200
        assert response.json() == {"hello": "docs"}
        assert client.get("/nowhere").status_code == 404
    assert ran == ["task"]
    assert app.plugins.implemented(hook)


def test_examples_do_what_their_docstrings_say() -> None:
    app = App(plugins=[examples.Settings(), examples.Configure(), examples.PoweredBy(), examples.PlainErrors()],
              settings={"greeting": "hi"})  # fmt: skip
    with TestClient(app) as client:
        assert client.get("/greeting").text == "hi"
        assert client.get("/version").json() == {"version": "1.0"}
        missing = client.get("/nowhere")
        assert missing.headers["x-powered-by"] == "hornbeam"
        assert missing.text == "404 no route matches /nowhere\n"
