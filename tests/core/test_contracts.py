"""Components are checked at start-up; what can only fail per request still answers problem+json."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from hornbeam import App, HTTPError, PluginError, Request, Response, hookimpl
from hornbeam.testing import LifespanFailed, TestClient


def provider(hook: str, component: Any, name: str = "acme") -> object:
    class Provider:
        hornbeam_plugin_name = name

    setattr(Provider, hook, hookimpl(staticmethod(lambda: component)))
    return Provider()


def app_with(*plugins: object) -> App:
    app = App(plugins=list(plugins))

    @app.post("/typed", body=int)
    async def typed(request: Request[None, int]) -> int:
        return request.body_data

    @app.get("/decimal")
    async def decimal(request: Request[None, None]) -> dict[str, Any]:
        return {"price": Decimal("1.5")}

    return app


class StrCodec:
    def loads(self, data: bytes) -> Any:
        return json.loads(data)

    def dumps(self, obj: Any) -> str:
        return json.dumps(obj)


class LenientCodec:
    def loads(self, data: bytes) -> Any:
        return json.loads(data or b"null") if data != b"{" else {}

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj).encode()


class KeyErrorCodec(LenientCodec):
    def loads(self, data: bytes) -> Any:
        raise KeyError("nope")


class NoneValidator:
    def compile(self, tp: Any, source: str) -> Any:
        return None if tp is not int or source != "body" else (lambda value: value)


class DictRenderer:
    def __call__(self, request: Any, exc: Exception) -> Any:
        return {"error": str(exc)}


class Queue:
    """Lacks options, dead_letters and counters."""

    async def start(self) -> None: ...

    async def shutdown(self, deadline: float | None = None) -> None: ...

    async def enqueue(self, func: Callable[..., Any], *args: Any) -> None: ...

    def enqueue_nowait(self, func: Callable[..., Any], *args: Any) -> None: ...

    async def get(self, task_id: str) -> None: ...


@pytest.mark.parametrize(
    ("hook", "component", "message"),
    [
        ("hornbeam_json_codec", object(), "lacks loads() and dumps()"),
        ("hornbeam_json_codec", StrCodec(), "its dumps() returned str, not bytes"),
        ("hornbeam_json_codec", LenientCodec(), "its loads() accepted malformed JSON"),
        ("hornbeam_json_codec", KeyErrorCodec(), "its loads() raised KeyError on malformed JSON"),
        ("hornbeam_error_renderer", DictRenderer(), "its renderer returned dict for a sample 404, not a hornbeam.Response"),
        ("hornbeam_error_renderer", lambda request, exc: Response(b"", 200), "answered a sample 404 with status 200"),
        ("hornbeam_query_parser", lambda raw: {"a": "1"}, "it must be a Mapping with getlist()"),
        ("hornbeam_validator", object(), "lacks compile(tp, source)"),
    ],
)
def test_a_broken_component_stops_start_up_naming_plugin_and_hook(hook: str, component: Any, message: str) -> None:
    with pytest.raises(PluginError) as info:
        app_with(provider(hook, component)).freeze()
    text = str(info.value)
    assert text.startswith(f"plugin 'acme' broke hook {hook}: ") and message in text
    assert (info.value.plugin, info.value.hook) == ("acme", hook)


def test_a_validator_whose_compile_returns_none_is_named_with_the_route() -> None:
    app = app_with(provider("hornbeam_validator", NoneValidator()))

    @app.get("/q", query=dict[str, int])
    async def q(request: Request[Any, None]) -> str:
        return "q"

    with pytest.raises(PluginError, match=r"plugin 'acme' broke hook hornbeam_validator: for query type .* of route '/q', its compile\(\) returned None"):
        app.freeze()


def test_a_queue_missing_methods_fails_the_lifespan_naming_the_plugin() -> None:
    app = app_with(provider("hornbeam_task_queue", Queue()))
    with pytest.raises(LifespanFailed, match="plugin 'acme' broke hook hornbeam_task_queue: returned .* which lacks options, dead_letters, counters"):
        with TestClient(app):
            pass


def test_a_renderer_failing_on_one_error_gives_a_plain_problem_and_a_named_log(caplog: pytest.LogCaptureFixture) -> None:
    class Picky:
        def __call__(self, request: Any, exc: HTTPError) -> Response:
            if exc.status == 422:
                raise RuntimeError("cannot render 422")
            return Response(b"{}", exc.status, media_type="application/problem+json")

    client = TestClient(app_with(provider("hornbeam_error_renderer", Picky(), name="picky")))
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        response = client.post("/typed", json="not an int")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Internal Server Error", "status": 500}
    assert "the error renderer (plugin 'picky') failed" in caplog.text


def test_a_value_the_codec_cannot_encode_is_a_500_problem_naming_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(app_with(provider("hornbeam_json_codec", LenientCodecStrict(), name="strict-json")))
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        response = client.get("/decimal")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "handler tests.core.test_contracts:app_with.<locals>.decimal" in caplog.text


class LenientCodecStrict(LenientCodec):
    def loads(self, data: bytes) -> Any:
        return json.loads(data)


def test_a_lazy_json_response_that_cannot_be_encoded_names_the_codec_plugin(caplog: pytest.LogCaptureFixture) -> None:
    from hornbeam import JSONResponse

    app = App()

    @app.get("/lazy")
    async def lazy(request: Request[None, None]) -> Response:
        return JSONResponse({"when": object()})

    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        response = TestClient(app).get("/lazy")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert "the JSON codec (plugin 'json') could not encode the answer of GET /lazy (route /lazy" in caplog.text
