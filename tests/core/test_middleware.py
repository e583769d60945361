"""Handler middleware: order, short-circuits, errors, scoping, plugins, 404/405, and ASGI wrapping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hornbeam import (
    App,
    CallNext,
    ConfigurationError,
    Forbidden,
    JSONResponse,
    PluginError,
    Request,
    Response,
    Router,
    StreamingResponse,
    hookimpl,
    response_or_error,
)
from hornbeam.testing import TestClient

Middleware = Callable[[Request[Any, Any], CallNext], Awaitable[Response]]


def recorder(log: list[str], name: str) -> Middleware:
    async def middleware(request: Request[Any, Any], call_next: CallNext) -> Response:
        log.append(f"{name}>")
        response = await call_next(request)
        log.append(f"{name}<{response.status}")
        return response

    middleware.__qualname__ = name
    return middleware


async def ok(request: Request[Any, Any]) -> str:
    return "ok"


def test_order_app_plugin_group_route() -> None:
    log: list[str] = []

    class Plugin:
        @hookimpl
        def hornbeam_middleware(self, app: App) -> list[Middleware]:
            return [recorder(log, "plugin1"), recorder(log, "plugin2")]

    app = App(plugins=[Plugin()], middleware=[recorder(log, "app1")])
    app.add_middleware(recorder(log, "app2"))
    outer = Router("/outer", middleware=[recorder(log, "outer")])
    inner = Router("/inner", middleware=[recorder(log, "inner")])

    @inner.get("/x", middleware=[recorder(log, "route")])
    async def handler(request: Request[Any, Any]) -> str:
        log.append("handler")
        return "x"

    outer.include(inner)
    app.include(outer)
    with TestClient(app) as client:
        assert client.get("/outer/inner/x").text == "x"
    names = ["app1", "app2", "plugin1", "plugin2", "outer", "inner", "route"]
    assert log == [f"{n}>" for n in names] + ["handler"] + [f"{n}<200" for n in reversed(names)]


def test_plugins_contribute_in_hook_call_order() -> None:
    log: list[str] = []

    class First:
        hornbeam_plugin_name = "first"

        @hookimpl
        def hornbeam_middleware(self, app: App) -> list[Middleware]:
            return [recorder(log, "first")]

    class Last:
        hornbeam_plugin_name = "last"

        @hookimpl(trylast=True)
        def hornbeam_middleware(self, app: App) -> None:
            return None

    class Second:
        hornbeam_plugin_name = "second"

        @hookimpl
        def hornbeam_middleware(self, app: App) -> tuple[Middleware, ...]:
            return (recorder(log, "second"),)

    app = App(plugins=[First(), Last(), Second()])
    app.add_route("/", ok)
    with TestClient(app) as client:
        client.get("/")
    # pluggy calls the plugin registered last first.
    assert log == ["second>", "first>", "first<200", "second<200"]


def test_short_circuit_skips_the_handler_and_inner_middleware() -> None:
    log: list[str] = []

    async def deny(request: Request[Any, Any], call_next: CallNext) -> Response:
        if request.headers.get("authorization") != "Bearer good":
            return Response("no", 401, media_type="text/plain")
        return await call_next(request)

    app = App(middleware=[recorder(log, "outer"), deny, recorder(log, "inner")])

    @app.get("/")
    async def index(request: Request[Any, Any]) -> str:
        log.append("handler")
        return "secret"

    with TestClient(app) as client:
        refused = client.get("/")
        assert refused.status_code == 401 and refused.text == "no"
        assert log == ["outer>", "outer<401"]
        assert client.get("/", headers={"authorization": "Bearer good"}).text == "secret"
    assert log[2:] == ["outer>", "inner>", "handler", "inner<200", "outer<200"]


def test_middleware_changes_request_state_and_response_headers() -> None:
    async def user(request: Request[Any, Any], call_next: CallNext) -> Response:
        request.state.user = "ada"
        response = await call_next(request)
        response.headers["x-user"] = request.state.user
        response.set_cookie("seen", "1")
        return response

    app = App(middleware=[user])

    @app.get("/")
    async def index(request: Request[Any, Any]) -> dict[str, str]:
        return {"user": request.state.user}

    with TestClient(app) as client:
        response = client.get("/")
    assert response.json() == {"user": "ada"}
    assert response.headers["x-user"] == "ada"
    assert response.cookies["seen"] == "1"


def test_handler_results_reach_middleware_as_rendered_responses() -> None:
    seen: list[tuple[type[Response], bytes | None]] = []

    async def inspect_body(request: Request[Any, Any], call_next: CallNext) -> Response:
        response = await call_next(request)
        seen.append((type(response), response.body))
        return response

    app = App(middleware=[inspect_body])

    @app.get("/dict")
    async def as_dict(request: Request[Any, Any]) -> dict[str, int]:
        return {"a": 1}

    @app.get("/text")
    async def as_text(request: Request[Any, Any]) -> str:
        return "hi"

    @app.get("/json")
    async def as_json(request: Request[Any, Any]) -> Response:
        return JSONResponse([1, 2], status=201)

    @app.get("/sync")
    def sync_handler(request: Request[Any, Any]) -> list[int]:
        return [3]

    with TestClient(app) as client:
        assert client.get("/dict").json() == {"a": 1}
        assert client.get("/text").text == "hi"
        created = client.get("/json")
        assert created.status_code == 201 and created.json() == [1, 2]
        assert client.get("/sync").json() == [3]
    assert [body for _, body in seen] == [b'{"a":1}', b"hi", b"[1,2]", b"[3]"]


def test_exception_in_middleware_travels_outward_until_answered(caplog: pytest.LogCaptureFixture) -> None:
    log: list[str] = []

    async def guarded(request: Request[Any, Any], call_next: CallNext) -> Response:
        log.append("guarded>")
        response = await response_or_error(request, call_next)
        log.append(f"guarded<{response.status}")
        return response

    async def broken(request: Request[Any, Any], call_next: CallNext) -> Response:
        if request.path == "/forbidden":
            raise Forbidden(detail="not you")
        raise RuntimeError("middleware bug")

    app = App(middleware=[guarded, recorder(log, "plain"), broken, recorder(log, "inner")])
    app.add_route("/", ok)
    app.add_route("/forbidden", ok)
    with TestClient(app) as client:
        crashed = client.get("/")
        forbidden = client.get("/forbidden")
    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == "application/problem+json"
    assert crashed.json()["title"] == "Internal Server Error"
    assert "middleware bug" not in crashed.text
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "not you"
    # The plain middleware sees the exception pass through it; the guarded one gets the error response.
    assert log == ["guarded>", "plain>", "guarded<500", "guarded>", "plain>", "guarded<403"]
    assert "middleware bug" in caplog.text


def test_exception_in_handler_and_bad_results_are_seen_by_middleware(caplog: pytest.LogCaptureFixture) -> None:
    log: list[str] = []

    app = App(middleware=[recorder(log, "outer")])

    @app.get("/crash")
    async def crash(request: Request[Any, Any]) -> str:
        raise ValueError("handler bug")

    @app.get("/bad")
    async def bad(request: Request[Any, Any]) -> Any:
        return object()

    with TestClient(app) as client:
        assert client.get("/crash").status_code == 500
        assert client.get("/bad").status_code == 500
    assert log == ["outer>", "outer<500"] * 2
    assert "handler bug" in caplog.text and "not JSON serializable" in caplog.text
    assert "handler tests.core.test_middleware:test_exception_in_handler_and_bad_results_are_seen_by_middleware.<locals>.bad" in caplog.text


def test_middleware_returning_something_else_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    async def returns_none(request: Request[Any, Any], call_next: CallNext) -> Any:
        await call_next(request)
        return None

    app = App(middleware=[returns_none])
    app.add_route("/", ok)
    with TestClient(app) as client:
        answer = client.get("/")
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    assert "a middleware (" in caplog.text and "returns_none) returned NoneType" in caplog.text


def test_outermost_exception_still_gives_problem_json() -> None:
    async def broken(request: Request[Any, Any], call_next: CallNext) -> Response:
        raise Forbidden(detail="outermost")

    app = App(middleware=[broken])
    app.add_route("/", ok)
    with TestClient(app) as client:
        assert client.get("/").json()["detail"] == "outermost"
        assert client.get("/missing").json()["detail"] == "outermost"


def test_group_middleware_applies_to_its_routes_only() -> None:
    async def tag(request: Request[Any, Any], call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-group"] = "yes"
        return response

    app = App()
    app.add_route("/", ok)
    group = Router("/g", middleware=[tag])
    group.add_route("/a", ok)
    group.add_route("", ok)
    app.include(group)
    app.add_route("/b", ok, middleware=[tag])
    with TestClient(app) as client:
        assert "x-group" not in client.get("/").headers
        assert client.get("/g/a").headers["x-group"] == "yes"
        assert client.get("/g").headers["x-group"] == "yes"
        assert client.get("/b").headers["x-group"] == "yes"
        assert "x-group" not in client.get("/g/missing").headers


def test_no_middleware_means_no_extra_call_layer() -> None:
    async def handler(request: Request[Any, Any]) -> str:
        return "ok"

    app = App()
    app.add_route("/", handler)
    app.add_route("/wrapped", handler, middleware=[recorder([], "m")])
    app.freeze()
    tree = app.runtime.tree
    assert tree.static["/"].methods["GET"].call is handler
    assert tree.static["/wrapped"].methods["GET"].call is not handler
    assert app.runtime.not_found_chain is None and app.runtime.fallbacks.keys() == {tree.static["/wrapped"]}


def test_404_405_options_and_redirects_pass_through_app_middleware() -> None:
    log: list[str] = []
    app = App(middleware=[recorder(log, "app")])
    app.add_route("/items", ok, ["GET", "POST"])
    with TestClient(app, follow_redirects=False) as client:
        missing = client.get("/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert client.delete("/items").status_code == 405
        options = client.options("/items")
        assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS, POST"
        redirect = client.get("/items/")
        assert redirect.status_code == 308 and redirect.headers["location"] == "/items"
        assert client.head("/nope").status_code == 404
    assert log == ["app>", "app<404", "app>", "app<405", "app>", "app<204", "app>", "app<308", "app>", "app<404"]


def test_automatic_options_uses_the_middleware_all_routes_of_the_path_share() -> None:
    log: list[str] = []
    group = Router("/g", middleware=[recorder(log, "group")])
    group.add_route("/x", ok, ["GET"])
    group.add_route("/x", ok, ["POST"], middleware=[recorder(log, "route")])
    other = Router("", middleware=[recorder(log, "other")])
    other.add_route("/g/x", ok, ["PUT"])
    app = App()
    app.include(group)
    app.add_route("/mixed", ok, ["GET"], middleware=[recorder(log, "one")])
    app.add_route("/mixed", ok, ["POST"], middleware=[recorder(log, "two")])
    with TestClient(app) as client:
        assert client.options("/mixed").status_code == 204
        assert log == []
        assert client.options("/g/x").status_code == 204
        assert log == ["group>", "group<204"]


def test_head_and_streaming_pass_through_middleware() -> None:
    log: list[str] = []
    app = App(middleware=[recorder(log, "m")])

    @app.get("/stream")
    async def stream(request: Request[Any, Any]) -> Response:
        async def chunks() -> Any:
            yield b"a"
            yield "b"

        return StreamingResponse(chunks(), media_type="text/plain")

    with TestClient(app) as client:
        assert client.get("/stream").text == "ab"
        head = client.head("/stream")
        assert head.status_code == 200 and head.content == b""
    assert log == ["m>", "m<200"] * 2


def sync_middleware(request: Request[Any, Any], call_next: CallNext) -> Any:
    return call_next(request)


class AsyncCallable:
    async def __call__(self, request: Request[Any, Any], call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-class"] = "1"
        return response


def test_sync_middleware_is_rejected_at_registration() -> None:
    with pytest.raises(ConfigurationError, match="sync_middleware is not async"):
        App(middleware=[sync_middleware])
    with pytest.raises(ConfigurationError, match="not async"):
        App().add_middleware(sync_middleware)
    with pytest.raises(ConfigurationError, match="router '/g'.*not async"):
        Router("/g", middleware=[sync_middleware])
    with pytest.raises(ConfigurationError, match="route '/'.*not async"):
        App().add_route("/", ok, middleware=[sync_middleware])
    with pytest.raises(ConfigurationError, match="is a class; pass an instance"):
        App().add_middleware(AsyncCallable)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not callable"):
        App().add_middleware("nope")  # type: ignore[arg-type]


def test_sync_middleware_slipped_into_a_group_fails_at_start_up() -> None:
    group = Router("/g")
    group.middleware.append(sync_middleware)
    group.add_route("", ok)
    app = App()
    app.include(group)
    with pytest.raises(ConfigurationError, match="route '/g'.*not async"):
        app.freeze()


def test_class_form_and_partial_are_accepted() -> None:
    import functools

    async def with_option(request: Request[Any, Any], call_next: CallNext, *, value: str) -> Response:
        response = await call_next(request)
        response.headers["x-option"] = value
        return response

    app = App(middleware=[AsyncCallable(), functools.partial(with_option, value="v")])
    app.add_route("/", ok)
    with TestClient(app) as client:
        response = client.get("/")
    assert response.headers["x-class"] == "1" and response.headers["x-option"] == "v"


@pytest.mark.parametrize(
    ("answer", "message"),
    [("not a list", "not a list"), ([sync_middleware], "plugin 'bad'.*not async")],
)
def test_plugin_breaking_the_middleware_hook_is_named(answer: Any, message: str) -> None:
    class Bad:
        hornbeam_plugin_name = "bad"

        @hookimpl
        def hornbeam_middleware(self, app: App) -> Any:
            return answer

    with pytest.raises(PluginError, match=message):
        App(plugins=[Bad()]).freeze()


def test_middleware_cannot_be_added_after_start() -> None:
    app = App()
    app.freeze()
    with pytest.raises(ConfigurationError, match="has started"):
        app.add_middleware(AsyncCallable())


def asgi_app() -> tuple[App, dict[str, Any]]:
    events: dict[str, Any] = {}
    app = App()

    @app.get("/client")
    async def client(request: Request[Any, Any]) -> dict[str, Any]:
        return {"client": list(request.client or ()), "scheme": request.scheme}

    @app.on_startup
    def started() -> None:
        events["started"] = True

    @app.on_shutdown
    def stopped() -> None:
        events["stopped"] = True

    return app, events


def test_asgi_middleware_wraps_the_app_and_lifespan_still_runs() -> None:
    app, events = asgi_app()
    app.add_asgi_middleware(ProxyHeadersMiddleware, trusted_hosts="*")
    with TestClient(app) as client:
        assert events == {"started": True}
        forwarded = client.get("/client", headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"})
        assert forwarded.json() == {"client": ["203.0.113.7", 0], "scheme": "https"}
        assert client.get("/client").json()["client"] == ["testclient", 50000]
        with pytest.raises(ConfigurationError, match="has started"):
            app.add_asgi_middleware(ProxyHeadersMiddleware)
    assert events == {"started": True, "stopped": True}


def test_untrusted_proxy_is_ignored() -> None:
    app, _ = asgi_app()
    app.add_asgi_middleware(ProxyHeadersMiddleware, trusted_hosts="10.0.0.1")
    with TestClient(app) as client:
        response = client.get("/client", headers={"x-forwarded-for": "203.0.113.7"})
    assert response.json()["client"] == ["testclient", 50000]


def test_first_asgi_middleware_is_outermost() -> None:
    order: list[str] = []

    class Tag:
        def __init__(self, app: Any, name: str) -> None:
            self.app = app
            self.name = name

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            order.append(self.name)
            await self.app(scope, receive, send)

    app, _ = asgi_app()
    app.add_asgi_middleware(Tag, name="outer")
    app.add_asgi_middleware(Tag, name="inner")
    with TestClient(app) as client:
        client.get("/client")
    assert order == ["outer", "inner", "outer", "inner"]  # lifespan, then the request


def test_asgi_middleware_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        App().add_asgi_middleware(42)  # type: ignore[arg-type]


def test_asgi_stack_serves_without_lifespan() -> None:
    app, events = asgi_app()
    app.add_asgi_middleware(ProxyHeadersMiddleware, trusted_hosts="*")
    client = TestClient(app)
    try:
        response = client.get("/client", headers={"x-forwarded-for": "198.51.100.1"})
    finally:
        client.close()
    assert response.json()["client"][0] == "198.51.100.1"
    assert events == {}
