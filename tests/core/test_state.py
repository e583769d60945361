"""State: attributes that type-check, typed keys, and errors that say what was set."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from hornbeam import App, Request, State, StateKey
from hornbeam.testing import TestClient


@dataclasses.dataclass
class User:
    name: str


USER = StateKey[User]("user")
VISITS = StateKey[int]("visits")


class TestAttributes:
    def test_a_missing_attribute_names_what_was_set(self) -> None:
        state = State()
        state.user = "ann"
        with pytest.raises(AttributeError, match=r"state has no attribute 'usr' \(set so far: user\)"):
            state.usr
        with pytest.raises(AttributeError, match=r"set so far: nothing yet"):
            State().anything

    def test_getattr_with_a_default_and_hasattr_still_work(self) -> None:
        state = State()
        assert getattr(state, "missing", 7) == 7
        assert not hasattr(state, "missing")

    def test_dunder_lookups_are_plain_attribute_errors(self) -> None:
        with pytest.raises(AttributeError) as info:
            State().__deepcopy__  # noqa: B018
        assert str(info.value) == "__deepcopy__"


class TestKeys:
    def test_set_read_and_the_attribute_view_agree(self) -> None:
        state = State()
        state[USER] = User("ada")
        assert state[USER] == User("ada")
        assert state.user == User("ada")
        state.visits = 3
        assert state[VISITS] == 3
        assert USER in state and VISITS in state

    def test_missing_key_get_and_delete(self) -> None:
        state = State()
        with pytest.raises(KeyError, match="state has no value for StateKey\\('user'\\)"):
            state[USER]
        assert state.get(USER) is None
        assert state.get(VISITS, 0) == 0
        state[VISITS] = 1
        del state[VISITS]
        assert VISITS not in state
        with pytest.raises(KeyError):
            del state[VISITS]

    def test_a_key_name_must_be_an_identifier(self) -> None:
        with pytest.raises(ValueError, match="identifier"):
            StateKey[int]("not a name")
        assert repr(USER) == "StateKey('user')"


def test_request_and_app_state_through_a_request() -> None:
    app = App()

    @app.on_startup
    def open_db() -> None:
        app.state.db = "connected"

    async def auth(request: Request[Any, Any], call_next: Any) -> Any:
        request.state[USER] = User(request.headers.get("x-user", "anonymous"))
        return await call_next(request)

    @app.get("/me", middleware=[auth])
    async def me(request: Request[None, None]) -> dict[str, str]:
        return {"user": request.state[USER].name, "db": request.app.state.db}

    with TestClient(app) as client:
        assert client.get("/me", headers={"x-user": "ada"}).json() == {"user": "ada", "db": "connected"}


def test_type_checkers_accept_state_attributes_and_check_keys(mypy_rejects_exactly: Callable[[str, str], None]) -> None:
    good = '''
from dataclasses import dataclass
from hornbeam import App, Request, StateKey

@dataclass
class User:
    name: str

USER = StateKey[User]("user")
app = App()

@app.get("/")
async def index(request: Request[None, None]) -> str:
    request.state.user = User("ada")
    request.state[USER] = User("ada")
    app.state.started = True
    user: User = request.state[USER]
    maybe: User | None = request.state.get(USER)
    return user.name + (maybe.name if maybe else "") + str(request.state.user)
'''
    bad = '''
from hornbeam import Request, StateKey

USER = StateKey[str]("user")

async def index(request: Request[None, None]) -> str:
    request.state[USER] = 3  # E
    count: int = request.state[USER]  # E
    return request.state[USER].nosuch  # E
'''
    mypy_rejects_exactly(good, bad)
