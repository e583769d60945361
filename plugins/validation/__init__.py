"""The ``validation`` plugin: the built-in, type-driven validator behind typed query, body and path data.

``Validator`` (in ``validator.py``) compiles a type once per route; the
constraint markers (``Ge``, ``MaxLen``, ``Pattern``, ...) live in ``constraints.py``.
"""

from __future__ import annotations

from typing import Literal

from hornbeam import App, Setting, hookimpl

from ._errors import MAX_ERRORS
from .constraints import Ge, Gt, Le, Lt, MaxLen, MinLen, Pattern
from .validator import Validator

__all__ = ["Validator", "Ge", "Gt", "Le", "Lt", "MinLen", "MaxLen", "Pattern", "hornbeam_settings", "hornbeam_validator"]

Policy = Literal["forbid", "ignore"]


@hookimpl
def hornbeam_settings() -> list[Setting]:
    return [
        Setting("validation_unknown_fields", Policy, "forbid", "Body keys a type does not declare: forbid or ignore."),
        Setting(
            "validation_unknown_query_fields", Policy, "ignore", "Query and path fields a type does not declare."
        ),
        Setting("validation_max_errors", int, MAX_ERRORS, "Errors listed in one 422; the rest are counted."),
    ]


@hookimpl(trylast=True)
def hornbeam_validator(app: App) -> Validator:
    settings = app.settings
    return Validator(
        unknown_fields=settings["validation_unknown_fields"],
        unknown_query_fields=settings["validation_unknown_query_fields"],
        max_errors=settings["validation_max_errors"],
    )
