"""WebSockets in process: routes in the shared tree, the WebSocket API, every ending's answer, middleware, observers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hornbeam import (
    App,
    CallNext,
    ConfigurationError,
    Forbidden,
    JSONResponse,
    Request,
    Response,
    Router,
    ServiceUnavailable,
    Unauthorized,
    ValidationError,
    WebSocket,
    WebSocketDisconnect,
    hookimpl,
)
from hornbeam.testing import AsyncTestClient, TestClient, WebSocketDenied


def echo_app(**options: Any) -> App:
    app = App(**options)

    @app.websocket("/echo")
    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        async for text in ws.iter_text():
            await ws.send_text(text)

    return app


# Routes -------------------------------------------------------------------------


def test_path_parameters_and_converters_reach_the_handler_by_name() -> None:
    app = App()

    @app.websocket("/rooms/{room}/{seat:int}")
    async def chat(ws: WebSocket, room: str, seat: int) -> None:
        await ws.accept()
        await ws.send_json({"room": room, "seat": seat, "params": ws.path_params})

    with TestClient(app).websocket_connect("/rooms/blue/7") as ws:
        assert ws.receive_json() == {"room": "blue", "seat": 7, "params": {"room": "blue", "seat": 7}}
    with pytest.raises(WebSocketDenied) as denied:
        with TestClient(app).websocket_connect("/rooms/blue/seven"):
            pass
    assert denied.value.response.status_code == 404
    assert app.url_for("chat", room="a b", seat=3) == "/rooms/a%20b/3"


def test_router_groups_prefix_name_and_nest_websocket_routes() -> None:
    app = App()
    outer = Router(prefix="/live", name="live")
    inner = Router(prefix="/items", name="items")

    @inner.websocket("/{item_id:int}/feed")
    async def feed(ws: WebSocket, item_id: int) -> None:
        await ws.accept()
        await ws.send_text(ws.url_for("live.items.feed", item_id=item_id))

    outer.include(inner)
    app.include(outer)
    with TestClient(app).websocket_connect("/live/items/5/feed") as ws:
        assert ws.receive_text() == "/live/items/5/feed"
    route = next(r for r in app.routes if r.websocket)
    assert route.path == "/live/items/{item_id:int}/feed" and route.methods == frozenset()


def test_a_path_may_serve_http_and_websocket_with_its_own_parameter_names() -> None:
    app = App()

    @app.get("/feed/{name}")
    async def page(request: Request[None, None], name: str) -> str:
        return f"page {name}"

    @app.websocket("/feed/{topic}")
    async def feed(ws: WebSocket, topic: str) -> None:
        await ws.accept()
        await ws.send_text(f"socket {topic}")

    client = TestClient(app)
    assert client.get("/feed/x").text == "page x"
    with client.websocket_connect("/feed/x") as ws:
        assert ws.receive_text() == "socket x"


def test_http_to_a_websocket_only_path_is_426_upgrade_required() -> None:
    response = TestClient(echo_app()).get("/echo")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"
    assert response.headers["content-type"] == "application/problem+json"
    assert TestClient(echo_app()).options("/echo").status_code == 426


def test_unknown_and_http_only_paths_deny_the_handshake_with_404() -> None:
    app = echo_app()

    @app.get("/page")
    async def page(request: Request[None, None]) -> str:
        return "page"

    client = TestClient(app)
    for path in ("/nowhere", "/page"):
        with pytest.raises(WebSocketDenied) as denied:
            with client.websocket_connect(path):
                pass
        assert denied.value.response.status_code == 404
        assert denied.value.response.json()["detail"] == f"no WebSocket route matches {path}"
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/nowhere", denial_response=False):
            pass
    assert closed.value.code == 1008


def test_a_path_that_is_not_utf8_is_denied_with_400() -> None:
    with pytest.raises(WebSocketDenied) as denied:
        with TestClient(echo_app()).websocket_connect("/%ff"):
            pass
    assert denied.value.response.status_code == 400


def test_two_websocket_routes_on_one_path_conflict_naming_both() -> None:
    app = echo_app()

    @app.websocket("/echo")
    async def other(ws: WebSocket) -> None:
        await ws.accept()

    with pytest.raises(ConfigurationError, match=r"WEBSOCKET '/echo' \(.*other\) and WEBSOCKET '/echo' \(.*echo\)"):
        app.freeze()


def test_registration_refuses_sync_handlers_unknown_options_and_bad_limits() -> None:
    app = App()

    def sync(ws: WebSocket) -> None:
        pass

    async def handler(ws: WebSocket) -> None:
        pass

    with pytest.raises(ConfigurationError, match="must be an async function"):
        app.add_websocket_route("/a", sync)
    with pytest.raises(ConfigurationError, match=r"unknown options \['body'\]"):
        app.add_websocket_route("/a", handler, body=int)  # type: ignore[call-arg]
    for limit in (0, -1, 1.5, True):
        with pytest.raises(ConfigurationError, match="max_message_size"):
            app.add_websocket_route("/a", handler, max_message_size=limit)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_message_size"):
        App(max_message_size=0)

    async def strange(ws: WebSocket, nope: str) -> None:
        pass

    app.add_websocket_route("/b", strange)
    with pytest.raises(ConfigurationError, match="must be path parameters"):
        app.freeze()


# The connection base --------------------------------------------------------------


def test_the_socket_reads_the_connection_as_a_request_does() -> None:
    app = App()

    @app.websocket("/info")
    async def info(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json(
            {
                "url": ws.url,
                "scheme": ws.scheme,
                "host": ws.host,
                "path": ws.path,
                "query": ws.query.getlist("tag"),
                "header": ws.headers.get("x-token"),
                "cookies": ws.cookies,
                "client": list(ws.client or ()),
                "app": ws.app is app,
                "route": ws.route.path if ws.route else None,
                "offered": ws.subprotocols,
            }
        )

    client = TestClient(app, cookies={"session": "abc"})
    with client.websocket_connect("/info?tag=a&tag=b", ["v2", "v1"], headers={"x-token": "t"}) as ws:
        data = ws.receive_json()
    assert data == {
        "url": "ws://testserver/info?tag=a&tag=b",
        "scheme": "ws",
        "host": "testserver",
        "path": "/info",
        "query": ["a", "b"],
        "header": "t",
        "cookies": {"session": "abc"},
        "client": ["testclient", 50000],
        "app": True,
        "route": "/info",
        "offered": ["v2", "v1"],
    }


# The API --------------------------------------------------------------------------


def test_accept_chooses_an_offered_subprotocol_and_adds_headers() -> None:
    app = App()

    @app.websocket("/proto")
    async def proto(ws: WebSocket) -> None:
        chosen = next((p for p in ws.subprotocols if p in ("chat.v2", "chat.v1")), None)
        await ws.accept(chosen, headers={"x-server": "hornbeam"})
        await ws.send_text(str(ws.subprotocol))

    client = TestClient(app)
    with client.websocket_connect("/proto", ["chat.v9", "chat.v1"]) as ws:
        assert ws.subprotocol == "chat.v1" and ws.headers["x-server"] == "hornbeam"
        assert ws.receive_text() == "chat.v1"
    with client.websocket_connect("/proto", ["chat.v9"]) as ws:
        assert ws.subprotocol is None and ws.receive_text() == "None"


def test_accept_refuses_a_subprotocol_the_client_did_not_offer_and_a_header_with_newlines() -> None:
    app = App()
    errors: list[str] = []

    @app.websocket("/bad/{kind}")
    async def bad(ws: WebSocket, kind: str) -> None:
        try:
            if kind == "proto":
                await ws.accept("chat.v3")
            else:
                await ws.accept(headers=[("x-a", "1\r\nx-b: 2")])
        except ValueError as exc:
            errors.append(str(exc))
        await ws.accept()
        await ws.close()

    client = TestClient(app)
    for kind in ("proto", "header"):
        with client.websocket_connect(f"/bad/{kind}", ["chat.v1"]) as ws:
            with pytest.raises(WebSocketDisconnect):
                ws.receive()
    assert "'chat.v3' was not offered by the client (offered: ['chat.v1'])" in errors[0]
    assert len(errors) == 2


def test_text_bytes_and_json_round_trips_and_iterators() -> None:
    app = App()

    @app.websocket("/text")
    async def text(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text((await ws.receive_text()).upper())
        async for message in ws.iter_text():
            await ws.send_text(message[::-1])

    @app.websocket("/bytes")
    async def binary(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_bytes(await ws.receive_bytes() * 2)
        async for data in ws.iter_bytes():
            await ws.send_bytes(data[::-1])

    @app.websocket("/json")
    async def json(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json({"got": await ws.receive_json()}, binary=True)
        async for value in ws.iter_json():
            await ws.send_json(value)

    client = TestClient(app)
    with client.websocket_connect("/text") as ws:
        ws.send_text("héllo")
        assert ws.receive_text() == "HÉLLO"
        ws.send_text("abc")
        assert ws.receive_text() == "cba"
    with client.websocket_connect("/bytes") as ws:
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01\x00\x01"
        ws.send_bytes(b"ab")
        assert ws.receive_bytes() == b"ba"
    with client.websocket_connect("/json") as ws:
        ws.send_json([1, "two"], binary=True)
        assert ws.receive_bytes() == b'{"got":[1,"two"]}'
        ws.send_json({"a": None})
        assert ws.receive_json() == {"a": None}


@dataclass
class Move:
    x: int
    y: int


def test_receive_json_into_a_type_validates_and_a_bad_message_can_be_answered() -> None:
    app = App()

    @app.websocket("/moves")
    async def moves(ws: WebSocket) -> None:
        await ws.accept()
        while True:
            try:
                move = await ws.receive_json(Move)
            except ValidationError as exc:
                await ws.send_json({"errors": exc.errors})
                continue
            except WebSocketDisconnect:
                return
            await ws.send_json({"sum": move.x + move.y})

    with TestClient(app).websocket_connect("/moves") as ws:
        ws.send_json({"x": 1, "y": 2})
        assert ws.receive_json() == {"sum": 3}
        ws.send_json({"x": "1"})
        errors = ws.receive_json()["errors"]
        assert {tuple(e["loc"]) for e in errors} == {("body", "x"), ("body", "y")}
        ws.send_json({"x": 5, "y": 5})
        assert ws.receive_json() == {"sum": 10}
    assert list(app.runtime.message_checks) == [Move]


def test_an_uncaught_bad_message_closes_with_1008_and_its_detail() -> None:
    app = App()

    @app.websocket("/strict")
    async def strict(ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive_json()

    with TestClient(app).websocket_connect("/strict") as ws:
        ws.send_text("{nope")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1008 and closed.value.reason.startswith("malformed JSON")


def test_close_sends_the_apps_code_and_reason_and_refuses_codes_no_endpoint_may_send() -> None:
    app = App()
    refused: list[str] = []

    @app.websocket("/close/{code:int}")
    async def close(ws: WebSocket, code: int) -> None:
        await ws.accept()
        for bad_code, reason in ((1006, ""), (999, ""), (1000, "x" * 124)):
            try:
                await ws.close(bad_code, reason)
            except ValueError as exc:
                refused.append(str(exc))
        await ws.close(code, "bye")
        await ws.close(1000)  # already closed: nothing happens

    with TestClient(app).websocket_connect("/close/4001") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert (closed.value.code, closed.value.reason) == (4001, "bye")
        assert ws.close_code == 4001
    assert len(refused) == 3


def test_the_client_leaving_reaches_the_handler_as_websocket_disconnect_with_its_code() -> None:
    app = App()
    seen: list[tuple[int, str, bool]] = []

    @app.websocket("/wait")
    async def wait(ws: WebSocket) -> None:
        await ws.accept()
        try:
            await ws.receive_text()
        except WebSocketDisconnect as exc:
            seen.append((exc.code, exc.reason, ws.connected))
            with pytest.raises(WebSocketDisconnect):
                await ws.send_text("too late")  # the client is gone: the same news, again
            raise

    with TestClient(app).websocket_connect("/wait") as ws:
        ws.close(4002, "leaving")
    assert seen == [(4002, "leaving", False)]


def test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error() -> None:
    app = App()
    errors: list[str] = []

    @app.websocket("/misuse")
    async def misuse(ws: WebSocket) -> None:
        for call in (ws.send_text("early"), ws.receive_text()):
            try:
                await call
            except RuntimeError as exc:
                errors.append(str(exc))
        await ws.accept()
        try:
            await ws.accept()
        except RuntimeError as exc:
            errors.append(str(exc))
        await ws.close()
        for call in (ws.receive_text(), ws.send_text("late")):
            try:
                await call
            except RuntimeError as exc:
                errors.append(str(exc))

    with TestClient(app).websocket_connect("/misuse") as ws:
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
    assert errors == [
        "WEBSOCKET /misuse (route /misuse, handler tests.core.test_websockets:test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error.<locals>.misuse): sending before accept(); call 'await ws.accept()' first",
        "WEBSOCKET /misuse (route /misuse, handler tests.core.test_websockets:test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error.<locals>.misuse): receiving before accept(); call 'await ws.accept()' first",
        "WEBSOCKET /misuse (route /misuse, handler tests.core.test_websockets:test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error.<locals>.misuse): accept() was already called, or the socket is closed",
        "WEBSOCKET /misuse (route /misuse, handler tests.core.test_websockets:test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error.<locals>.misuse): receiving after close()",
        "WEBSOCKET /misuse (route /misuse, handler tests.core.test_websockets:test_misuse_sending_before_accept_and_receiving_after_close_is_a_clear_error.<locals>.misuse): sending after close()",
    ]


def test_a_message_of_the_wrong_kind_closes_with_1003() -> None:
    with TestClient(echo_app()).websocket_connect("/echo") as ws:
        ws.send_bytes(b"binary")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1003


# The size limit --------------------------------------------------------------------


def test_a_message_at_the_limit_passes_and_one_byte_more_closes_with_1009() -> None:
    app = echo_app(max_message_size=8)
    with TestClient(app).websocket_connect("/echo") as ws:
        ws.send_text("é" * 4)  # 8 bytes of UTF-8
        assert ws.receive_text() == "é" * 4
        ws.send_text("é" * 4 + "!")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1009 and "limit is 8" in closed.value.reason


def test_a_route_sets_its_own_limit_or_none() -> None:
    app = App(max_message_size=4)
    sizes: list[int] = []

    @app.websocket("/big", max_message_size=1000)
    async def big(ws: WebSocket) -> None:
        await ws.accept()
        sizes.append(len(await ws.receive_bytes()))

    @app.websocket("/small")
    async def small(ws: WebSocket) -> None:
        await ws.accept()
        sizes.append(len(await ws.receive_bytes()))

    client = TestClient(app)
    with client.websocket_connect("/big") as ws:
        ws.send_bytes(b"x" * 1000)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
        assert closed.value.code == 1000
    with client.websocket_connect("/small") as ws:
        ws.send_bytes(b"x" * 5)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
        assert closed.value.code == 1009
    assert sizes == [1000]
    unlimited = echo_app(max_message_size=None)
    with TestClient(unlimited).websocket_connect("/echo") as ws:
        ws.send_text("x" * 2_000_000)
        assert len(ws.receive_text()) == 2_000_000


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40), limit=st.integers(min_value=1, max_value=120))
def test_the_limit_counts_utf8_bytes_exactly(text: str, limit: int) -> None:
    app = echo_app(max_message_size=limit)
    with TestClient(app).websocket_connect("/echo") as ws:
        ws.send_text(text)
        if len(text.encode()) <= limit:
            assert ws.receive_text() == text
        else:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive()
            assert closed.value.code == 1009


# Endings -----------------------------------------------------------------------------


def failing_app(*plugins: object) -> App:
    app = App(plugins=list(plugins))

    @app.websocket("/deny")
    async def deny(ws: WebSocket) -> None:
        raise Forbidden(detail="members only", headers={"x-why": "membership"})

    @app.websocket("/crash-early")
    async def crash_early(ws: WebSocket) -> None:
        raise RuntimeError("early bug")

    @app.websocket("/silent")
    async def silent(ws: WebSocket) -> None:
        return None

    @app.websocket("/crash")
    async def crash(ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive_text()
        raise RuntimeError("late bug")

    @app.websocket("/busy")
    async def busy(ws: WebSocket) -> None:
        await ws.accept()
        raise ServiceUnavailable(detail="try later")

    @app.websocket("/done")
    async def done(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text("bye")

    return app


def test_an_http_error_before_accept_denies_with_its_status_and_a_problem() -> None:
    client = TestClient(failing_app())
    with pytest.raises(WebSocketDenied) as denied:
        with client.websocket_connect("/deny"):
            pass
    response = denied.value.response
    assert response.status_code == 403 and response.headers["x-why"] == "membership"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "members only", "instance": "/deny"}
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/deny", denial_response=False):
            pass
    assert closed.value.code == 1008


def test_a_crash_before_accept_is_a_500_denial_logged_with_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(failing_app())
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        with pytest.raises(WebSocketDenied) as denied:
            with client.websocket_connect("/crash-early"):
                pass
        with pytest.raises(WebSocketDisconnect) as closed:
            with client.websocket_connect("/crash-early", denial_response=False):
                pass
    assert denied.value.response.status_code == 500 and "early bug" not in denied.value.response.text
    assert closed.value.code == 1011
    lines = [r.getMessage() for r in caplog.records if "crash_early" in r.getMessage()]
    assert len(lines) == 2, lines


def test_returning_without_accepting_denies_with_403() -> None:
    with pytest.raises(WebSocketDenied) as denied:
        with TestClient(failing_app()).websocket_connect("/silent"):
            pass
    assert denied.value.response.status_code == 403
    assert denied.value.response.json()["detail"] == "the handler returned without accepting the connection"


def test_a_crash_after_accept_closes_with_1011_and_one_log_line_naming_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        with TestClient(failing_app()).websocket_connect("/crash") as ws:
            ws.send_text("boom")
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive()
    assert closed.value.code == 1011 and closed.value.reason == ""
    records = [r for r in caplog.records if r.name == "hornbeam"]
    assert len(records) == 1
    assert records[0].getMessage() == "WEBSOCKET /crash (route /crash, handler tests.core.test_websockets:failing_app.<locals>.crash) failed; closed with 1011"
    assert records[0].exc_info is not None and "late bug" in str(records[0].exc_info[1])


def test_an_http_error_after_accept_closes_with_a_matching_code() -> None:
    with TestClient(failing_app()).websocket_connect("/busy") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert (closed.value.code, closed.value.reason) == (1013, "try later")


def test_returning_without_closing_closes_with_1000() -> None:
    with TestClient(failing_app()).websocket_connect("/done") as ws:
        assert ws.receive_text() == "bye"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1000


def test_an_exception_handler_answers_a_denial() -> None:
    class Banned(Exception):
        pass

    app = App()

    @app.exception_handler(Banned)
    async def banned(request: Request[Any, Any], exc: Banned) -> Response:
        return JSONResponse({"banned": request.path, "method": request.method}, status=451)

    @app.websocket("/room")
    async def room(ws: WebSocket) -> None:
        raise Banned()

    with pytest.raises(WebSocketDenied) as denied:
        with TestClient(app).websocket_connect("/room"):
            pass
    assert denied.value.response.status_code == 451
    assert denied.value.response.json() == {"banned": "/room", "method": "GET"}


# Middleware ----------------------------------------------------------------------------


def test_handler_middleware_can_deny_the_handshake_or_let_it_through_with_state() -> None:
    seen: list[tuple[str, str, str, int]] = []

    async def auth(request: Request[Any, Any], call_next: CallNext) -> Response:
        if request.headers.get("authorization") != "Bearer ok":
            raise Unauthorized(detail="token required", headers={"www-authenticate": "Bearer"})
        request.state.user = "ada"
        response = await call_next(request)
        seen.append(("auth", request.method, request.scope["type"], response.status))
        return response

    async def refuse_blocked(request: Request[Any, Any], call_next: CallNext) -> Response:
        if request.query.get("blocked"):
            return JSONResponse({"blocked": True}, status=403)
        return await call_next(request)

    app = App(middleware=[auth])
    group = Router(prefix="/g", middleware=[refuse_blocked])

    @group.websocket("/me")
    async def me(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text(ws.state.user)

    app.include(group)
    client = TestClient(app)
    with pytest.raises(WebSocketDenied) as denied:
        with client.websocket_connect("/g/me"):
            pass
    assert denied.value.response.status_code == 401
    assert denied.value.response.headers["www-authenticate"] == "Bearer"
    token = {"authorization": "Bearer ok"}
    with pytest.raises(WebSocketDenied) as blocked:
        with client.websocket_connect("/g/me?blocked=1", headers=token):
            pass
    assert blocked.value.response.json() == {"blocked": True}
    with client.websocket_connect("/g/me", headers=token) as ws:
        assert ws.receive_text() == "ada"
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/g/me", headers={}, denial_response=False):
            pass
    assert closed.value.code == 1008
    assert seen == [("auth", "GET", "websocket", 403), ("auth", "GET", "websocket", 101)]


def test_middleware_sees_the_handlers_denial_and_a_middleware_crash_is_a_500() -> None:
    async def tag(request: Request[Any, Any], call_next: CallNext) -> Response:
        if request.path == "/broken":
            raise RuntimeError("middleware bug")
        response = await call_next(request)
        response.headers["x-tag"] = "yes"
        return response

    app = failing_app()
    app.add_middleware(tag)

    @app.websocket("/broken")
    async def broken(ws: WebSocket) -> None:
        await ws.accept()

    client = TestClient(app)
    with pytest.raises(WebSocketDenied) as denied:
        with client.websocket_connect("/deny"):
            pass
    assert denied.value.response.status_code == 403 and denied.value.response.headers["x-tag"] == "yes"
    with pytest.raises(WebSocketDenied) as crashed:
        with client.websocket_connect("/broken"):
            pass
    assert crashed.value.response.status_code == 500
    with client.websocket_connect("/crash") as ws:
        ws.send_text("boom")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1011


def test_middleware_returning_something_else_than_a_response_is_a_500_denial() -> None:
    async def wrong(request: Request[Any, Any], call_next: CallNext) -> Any:
        return "not a response"

    app = echo_app(middleware=[wrong])
    with pytest.raises(WebSocketDenied) as denied:
        with TestClient(app).websocket_connect("/echo"):
            pass
    assert denied.value.response.status_code == 500


def test_asgi_middleware_wraps_websockets_as_it_wraps_http() -> None:
    kinds: list[str] = []

    class Recorder:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            kinds.append(scope["type"])

            async def tagged(message: dict[str, Any]) -> None:
                if message["type"] == "websocket.accept":
                    message = {**message, "headers": [*message.get("headers", []), (b"x-asgi", b"1")]}
                await send(message)

            await self.app(scope, receive, tagged)

    app = echo_app()
    app.add_asgi_middleware(Recorder)
    client = TestClient(app)
    with client.websocket_connect("/echo") as ws:
        assert ws.headers["x-asgi"] == "1"
    client.get("/echo")
    assert kinds == ["websocket", "http"]


# Observers --------------------------------------------------------------------------------


class Watcher:
    hornbeam_plugin_name = "watcher"

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    @hookimpl
    async def hornbeam_websocket_connected(self, websocket: WebSocket) -> None:
        await asyncio.sleep(0)
        self.seen.append(("connected", websocket.path, websocket.subprotocol))

    @hookimpl
    def hornbeam_websocket_disconnected(self, code: int | None) -> None:
        self.seen.append(("disconnected", code))


def test_observers_see_each_accepted_connection_once_and_never_a_denied_one() -> None:
    watcher = Watcher()
    client = TestClient(failing_app(watcher))
    with client.websocket_connect("/done") as ws:
        ws.receive_text()
    with pytest.raises(WebSocketDenied):
        with client.websocket_connect("/deny"):
            pass
    with client.websocket_connect("/crash") as ws:
        ws.send_text("boom")
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
    with client.websocket_connect("/done") as ws:
        ws.close(1001)
    assert watcher.seen == [
        ("connected", "/done", None), ("disconnected", 1000),
        ("connected", "/crash", None), ("disconnected", 1011),
        ("connected", "/done", None), ("disconnected", 1000),
    ]  # fmt: skip


def test_no_observer_compiles_to_nothing_and_a_failing_one_is_logged_by_name(caplog: pytest.LogCaptureFixture) -> None:
    plain = echo_app()
    plain.freeze()
    assert plain.runtime.on_websocket_connected is None and plain.runtime.on_websocket_disconnected is None

    class Broken:
        hornbeam_plugin_name = "broken"

        @hookimpl
        def hornbeam_websocket_connected(self, websocket: WebSocket) -> None:
            raise RuntimeError("observer bug")

    app = echo_app(plugins=[Broken()])
    with caplog.at_level(logging.ERROR, logger="hornbeam.plugins"):
        with TestClient(app).websocket_connect("/echo") as ws:
            ws.send_text("still works")
            assert ws.receive_text() == "still works"
    assert "observer hornbeam_websocket_connected of plugin 'broken' failed" in caplog.text


# The async test client ------------------------------------------------------------------


def test_the_async_client_connects_too() -> None:
    async def main() -> None:
        async with AsyncTestClient(echo_app()) as client:
            async with client.websocket_connect("/echo") as ws:
                await ws.send_text("async")
                assert await ws.receive_text() == "async"
            with pytest.raises(WebSocketDenied):
                async with client.websocket_connect("/missing"):
                    pass

    asyncio.run(main())


def test_the_test_client_gives_up_waiting_instead_of_hanging() -> None:
    app = App()

    @app.websocket("/mute")
    async def mute(ws: WebSocket) -> None:
        await ws.accept()
        try:
            await ws.receive_text()
        except WebSocketDisconnect:
            pass

    with TestClient(app).websocket_connect("/mute", timeout=0.05) as ws:
        with pytest.raises(TimeoutError):
            ws.receive()


def test_receive_message_gives_either_kind_as_it_came() -> None:
    app = App()

    @app.websocket("/any")
    async def any_kind(ws: WebSocket) -> None:
        await ws.accept()
        for _ in range(2):
            message = await ws.receive_message()
            await ws.send_text(type(message).__name__)

    with TestClient(app).websocket_connect("/any") as ws:
        ws.send_text("a")
        ws.send_bytes(b"b")
        assert [ws.receive_text(), ws.receive_text()] == ["str", "bytes"]


def test_a_client_gone_mid_send_is_websocket_disconnect_1006_and_observed() -> None:
    watcher = Watcher()
    app = App(plugins=[watcher])
    seen: list[int] = []

    @app.websocket("/push")
    async def push(ws: WebSocket) -> None:
        await ws.accept()
        try:
            await ws.send_text("anyone?")
        except WebSocketDisconnect as exc:
            seen.append(exc.code)
            raise

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            raise OSError("the server's ClientDisconnected")

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    asyncio.run(app({"type": "websocket", "path": "/push", "headers": []}, receive, send))
    assert seen == [1006]
    assert watcher.seen == [("connected", "/push", None), ("disconnected", 1006)]


def test_typed_json_without_a_validator_plugin_says_which_plugin_to_enable(caplog: pytest.LogCaptureFixture) -> None:
    app = App(disable_plugins=["validation"])

    @app.websocket("/typed")
    async def typed(ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive_json(Move)

    with caplog.at_level(logging.ERROR, logger="hornbeam"):
        with TestClient(app).websocket_connect("/typed") as ws:
            ws.send_json({"x": 1, "y": 2})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive()
    assert closed.value.code == 1011
    assert "enable the built-in 'validation' plugin" in caplog.text
