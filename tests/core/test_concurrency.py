"""One rule for what is async."""

from __future__ import annotations

import functools
from typing import Any

from hornbeam.concurrency import is_async_callable


async def coroutine_function(x: int) -> int:
    return x


def plain_function(x: int) -> int:
    return x


class AsyncCall:
    async def __call__(self) -> None: ...


class SyncCall:
    def __call__(self) -> None: ...


class Methods:
    async def method(self) -> None: ...

    def sync_method(self) -> None: ...


def test_what_counts_as_async() -> None:
    cases: list[tuple[Any, bool]] = [
        (coroutine_function, True),
        (plain_function, False),
        (functools.partial(coroutine_function, 1), True),
        (functools.partial(functools.partial(coroutine_function), 1), True),
        (functools.partial(plain_function, 1), False),
        (AsyncCall(), True),
        (SyncCall(), False),
        (Methods().method, True),
        (Methods().sync_method, False),
        (lambda: coroutine_function(1), False),
    ]
    assert [is_async_callable(obj) for obj, _ in cases] == [expected for _, expected in cases]
