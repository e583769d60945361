"""Contract tests for a JSON codec (``hornbeam_json_codec``).

Subclass ``JSONCodecContract`` in your test suite and implement ``make_codec``::

    from hornbeam.testing.conformance.json_codec import JSONCodecContract

    class TestMyCodec(JSONCodecContract):
        def make_codec(self):
            return MyCodec()
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from hornbeam.components import JSONCodec

__all__ = ["JSONCodecContract"]


class _Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class _Point:
    x: int
    y: int


class JSONCodecContract:
    """The ``JSONCodec`` contract: bytes out, ``ValueError`` for anything malformed, the handler types encoded."""

    def make_codec(self) -> JSONCodec:
        raise NotImplementedError("return the codec under test")

    @pytest.fixture
    def codec(self) -> JSONCodec:
        return self.make_codec()

    @pytest.mark.parametrize(
        "value",
        [None, True, 0, -7, 2**53, 1.5, "", "é€😀", [], {}, [1, [2, [3]]], {"a": {"b": [None, False]}}],
    )
    def test_json_values_round_trip_through_bytes(self, codec: JSONCodec, value: Any) -> None:
        encoded = codec.dumps(value)
        assert isinstance(encoded, bytes)
        assert codec.loads(encoded) == value

    @pytest.mark.parametrize(
        "data", [b"", b"{", b"[1,", b'{"a" 1}', b"nul", b"'single'", b'"\xff"', b"\xff\xfe", b"[1] x"]
    )
    def test_malformed_input_raises_value_error(self, codec: JSONCodec, data: bytes) -> None:
        with pytest.raises(ValueError):
            codec.loads(data)

    def test_deep_nesting_is_a_value_error_never_a_recursion_error(self, codec: JSONCodec) -> None:
        data = b"[" * 100_000 + b"]" * 100_000
        try:
            codec.loads(data)
        except RecursionError:  # pragma: no cover - the failure this test exists for
            pytest.fail("loads() overflowed the stack on deeply nested input; raise ValueError instead")
        except ValueError:
            pass

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (_Point(1, 2), {"x": 1, "y": 2}),
            (_Color.RED, "red"),
            (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
            (datetime.date(2026, 1, 2), "2026-01-02"),
        ],
    )
    def test_handler_types_are_encoded(self, codec: JSONCodec, value: Any, expected: Any) -> None:
        assert codec.loads(codec.dumps(value)) == expected

    def test_datetimes_and_decimals_are_encoded(self, codec: JSONCodec) -> None:
        when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        decoded = codec.loads(codec.dumps({"when": when, "price": Decimal("1.10")}))
        assert datetime.datetime.fromisoformat(decoded["when"]) == when
        assert Decimal(str(decoded["price"])) == Decimal("1.10")

    def test_what_it_cannot_encode_raises_type_error(self, codec: JSONCodec) -> None:
        with pytest.raises(TypeError):
            codec.dumps({"x": object()})
