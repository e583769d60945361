"""A third-party validator, pip-installed and found through its entry point, replaces the built-in.

``examples/hornbeam-pydantic`` is installed with pip into a private folder; the app runs
in a subprocess whose ``PYTHONPATH`` holds that folder, so only there is the entry point
visible and the rest of the suite keeps the built-in ``validation`` plugin.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pydantic") is None,
    reason="pydantic is not installed (it comes with the dev extra: pip install -e '.[dev]')",
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hornbeam-pydantic"

APP = '''
import dataclasses
import json
from typing import Annotated, Any

import annotated_types as at

from hornbeam import App, Request
from hornbeam.testing import TestClient


@dataclasses.dataclass
class Item:
    name: Annotated[str, at.MinLen(1)]
    price: Annotated[float, at.Ge(0)]
    tags: Annotated[list[str], at.MaxLen(3)] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Page:
    limit: Annotated[int, at.Ge(1), at.Le(100)] = 20
    tag: list[str] = dataclasses.field(default_factory=list)


app = App()


@app.post("/items", body=Item)
async def create(request: Request[None, Item]) -> dict[str, Any]:
    return {"class": type(request.body_data).__name__, **dataclasses.asdict(request.body_data)}


@app.get("/items", query=Page)
async def list_items(request: Request[Page, None]) -> dict[str, Any]:
    return dataclasses.asdict(request.query_data)


if __name__ == "__main__":
    with TestClient(app) as client:
        answers = [
            client.post("/items", json={"name": "pen", "price": 2, "tags": ["a"]}),
            client.post("/items", json={"name": "", "price": -1, "tags": ["a", "b", "c", "d"], "colour": "red"}),
            client.get("/items?limit=5&tag=a&tag=b"),
            client.get("/items?limit=0&tag=a"),
        ]
        many = client.post("/items", json={"name": "x", "price": 1, **{f"k{i}": i for i in range(500)}})
        components = {}
        schemas = {
            "body": app.validator.schema(Item, defs=components, ref_prefix="#/components/schemas/"),
            "again": app.validator.schema(list[Item], defs=components, ref_prefix="#/components/schemas/"),
            "query": app.validator.schema(Page, "query"),
            "components": components,
        }
    print(json.dumps({
        "provider": app.plugins.providers.get("hornbeam_validator"),
        "answers": [{"status": r.status_code, "body": r.json()} for r in answers],
        "many": {"status": many.status_code, "size": len(many.content), "body": many.json()},
        "schemas": schemas,
    }))
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed by pip into its own folder (a copy is built, so the tree stays clean)."""
    base = tmp_path_factory.mktemp("external")
    source = base / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = base / "site"
    # --no-deps: hornbeam and pydantic come from this venv, so pip builds only the example.
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"pip install failed:\n{result.stdout}\n{result.stderr}"
    (base / "external_app.py").write_text(textwrap.dedent(APP))
    return target


def run(site: Path, *args: str, disable: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HORNBEAM_")}
    env["PYTHONPATH"] = str(site)
    if disable is not None:
        env["HORNBEAM_DISABLE_PLUGINS"] = disable
    try:
        result = subprocess.run([sys.executable, *args], cwd=site.parent, env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(args)} did not finish in 30 s (disable={disable!r}): {exc.stderr!r}")
    assert result.returncode == 0, result.stderr
    return result


@functools.cache
def serve(site: Path, disable: str | None = None) -> dict[str, Any]:
    """The app's answers, from a subprocess; cached, as each run starts a fresh interpreter."""
    outcome: dict[str, Any] = json.loads(run(site, "external_app.py", disable=disable).stdout)
    return outcome


def error_items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    assert answer["status"] == 422
    errors: list[dict[str, Any]] = answer["body"]["errors"]
    return errors


def test_installed_plugin_serves_the_validator(site: Path) -> None:
    outcome = serve(site)
    assert outcome["provider"] == "pydantic"
    good_body, bad_body, good_query, bad_query = outcome["answers"]
    assert good_body == {"status": 200, "body": {"class": "Item", "name": "pen", "price": 2.0, "tags": ["a"]}}
    assert good_query == {"status": 200, "body": {"limit": 5, "tag": ["a", "b"]}}
    errors = error_items(bad_body)
    assert all(error["loc"][0] == "body" for error in errors)
    by_field = {error["loc"][1]: error["type"] for error in errors}
    # pydantic's own error types, every error collected.
    assert by_field == {
        "name": "string_too_short",
        "price": "greater_than_equal",
        "tags": "too_long",
        "colour": "unexpected_keyword_argument",
    }
    assert error_items(bad_query) == [
        {"loc": ["query", "limit"], "msg": "Input should be greater than or equal to 1", "type": "greater_than_equal"}
    ]


def test_disabling_it_by_name_brings_the_builtin_back(site: Path) -> None:
    plugin = serve(site)
    builtin = serve(site, disable="pydantic")
    assert builtin["provider"] == "validation"
    # The same app, unchanged: valid input gives the same answers, bad input fails on the same fields.
    for ours, theirs in zip(plugin["answers"], builtin["answers"]):
        assert ours["status"] == theirs["status"]
        if ours["status"] == 200:
            assert ours == theirs
        else:
            assert sorted(e["loc"] for e in error_items(ours)) == sorted(e["loc"] for e in error_items(theirs))
    assert {e["type"] for e in error_items(builtin["answers"][1])} != {e["type"] for e in error_items(plugin["answers"][1])}


def test_plugins_command_lists_it(site: Path) -> None:
    report = run(site, "-m", "hornbeam", "plugins", "external_app:app").stdout
    assert "  pydantic  [entry point hornbeam_pydantic]  hornbeam-pydantic 0.1.0, third-party, loaded" in report
    assert "hornbeam_validator: served by pydantic (also implemented by validation)" in report


def test_plugin_bounds_its_errors(site: Path) -> None:
    for outcome in (serve(site), serve(site, disable="pydantic")):
        many = outcome["many"]
        assert many["status"] == 422 and many["size"] < 64 * 1024
        assert len(many["body"]["errors"]) == 100 and many["body"]["errors_omitted"] == 400


def test_plugin_gives_the_schema_capability(site: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    prefix = "#/components/schemas/"
    for outcome in (serve(site), serve(site, disable="pydantic")):
        schemas = outcome["schemas"]
        assert schemas["body"] == {"$ref": prefix + "Item"}
        assert schemas["again"] == {"type": "array", "items": {"$ref": prefix + "Item"}}
        assert set(schemas["components"]) == {"Item"}
        item = schemas["components"]["Item"]
        assert item["required"] == ["name", "price"] and item["additionalProperties"] is False
        query = schemas["query"]
        assert query["type"] == "object" and "$ref" not in query and "$defs" not in query
        assert set(query["properties"]) == {"limit", "tag"} and not query.get("required")
        assert query["properties"]["limit"]["minimum"] == 1 and query["properties"]["limit"]["maximum"] == 100
        # The schema agrees with the answers the same validator gave to the same bodies.
        document = {"$ref": prefix + "Item", "components": {"schemas": schemas["components"]}}
        check = jsonschema.Draft202012Validator(document)
        assert check.is_valid({"name": "pen", "price": 2, "tags": ["a"]})
        assert not check.is_valid({"name": "", "price": -1, "tags": ["a", "b", "c", "d"], "colour": "red"})
