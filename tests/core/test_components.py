"""The component protocols: the built-ins satisfy them, and type checkers hold replacements to them."""

from __future__ import annotations

from typing import Any


def test_type_checkers_hold_components_to_their_protocols(mypy_rejects_exactly: Any) -> None:
    header = (
        "from typing import Any\n"
        "from hornbeam import ErrorRenderer, JSONCodec, QueryParser, Validator\n"
        "from hornbeam.plugins.json import OrjsonCodec\n"
        "from hornbeam.plugins.problem import ProblemRenderer\n"
        "from hornbeam.plugins.query import QueryParser as BuiltinParser\n"
        "from hornbeam.plugins.validation import Validator as BuiltinValidator\n"
        "class HalfCodec:\n"
        "    def loads(self, data: bytes) -> Any: ...\n"
        "class TextCodec:\n"
        "    def loads(self, data: bytes) -> Any: ...\n"
        "    def dumps(self, obj: Any) -> str:\n"
        "        return str(obj)\n"
    )
    good = header + (
        "codec: JSONCodec = OrjsonCodec()\n"
        "renderer: ErrorRenderer = ProblemRenderer(codec)\n"
        "parser: QueryParser = BuiltinParser()\n"
        "validator: Validator = BuiltinValidator()\n"
    )
    bad = header + (
        "half: JSONCodec = HalfCodec()  # E\n"
        "text: JSONCodec = TextCodec()  # E\n"
        "parser: QueryParser = lambda raw: {}  # E\n"
    )
    mypy_rejects_exactly(good, bad)
