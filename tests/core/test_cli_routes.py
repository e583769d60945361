"""``hornbeam routes``: every route with its handler, types and middleware; ``--json``."""

from __future__ import annotations

import json

import pytest

from ._cli import ROOT, AppModule, run


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
