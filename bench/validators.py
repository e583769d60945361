"""Validation alone: a ~1 KB JSON body into a nested typed model, hornbeam's validator beside msgspec and pydantic.

Run in the bench environment: ``.bench-venv/bin/python -m bench.validators``.
Each contender starts from the same bytes and ends with a typed object; the
"decoded" rows start from the already-parsed JSON, which is what hornbeam's
validator receives (orjson decodes first).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from bench.apps._models import MItem, PItem
from bench.apps.hornbeam import Item
from bench.common import ITEM_PAYLOAD
from hornbeam.plugins.validation import Validator

BODY = json.dumps(ITEM_PAYLOAD).encode()
REPEATS = 7
NUMBER = 20_000


def contenders() -> dict[str, Callable[[], Any]]:
    check = Validator().compile(Item, "body")
    decoded = orjson.loads(BODY)
    return {
        "hornbeam (orjson + validator)": lambda: check(orjson.loads(BODY)),
        "msgspec (json.decode, one pass)": lambda: msgspec.json.decode(BODY, type=MItem),
        "msgspec (orjson + convert)": lambda: msgspec.convert(orjson.loads(BODY), MItem),
        "pydantic (model_validate_json)": lambda: PItem.model_validate_json(BODY),
        "pydantic (orjson + model_validate)": lambda: PItem.model_validate(orjson.loads(BODY)),
        "hornbeam validator, decoded input": lambda: check(decoded),
        "msgspec convert, decoded input": lambda: msgspec.convert(decoded, MItem),
        "pydantic model_validate, decoded input": lambda: PItem.model_validate(decoded),
    }


def measure(func: Callable[[], Any]) -> float:
    """Median microseconds per call over REPEATS runs of NUMBER calls."""
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(NUMBER):
            func()
        runs.append((time.perf_counter() - started) / NUMBER * 1e6)
    return statistics.median(runs)


def main() -> None:
    table = contenders()
    for func in table.values():
        func()  # warm up, and fail loudly if a model rejects the payload
    results = {name: measure(func) for name, func in table.items()}
    ours = results["hornbeam (orjson + validator)"]
    print(f"validating a {len(BODY)} B JSON body into a nested model (median of {REPEATS} x {NUMBER})")
    # Below 1.0 the contender is faster than hornbeam; above, slower.
    print(f"{'contender':42} {'µs/call':>9} {'time / hornbeam':>16}")
    for name, micros in results.items():
        print(f"{name:42} {micros:9.2f} {micros / ours:16.2f}")


if __name__ == "__main__":
    main()
