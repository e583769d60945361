"""The ``validation`` plugin: the built-in, type-driven validator behind typed query, body and path data.

``Validator`` (in ``validator.py``) compiles a type once per route; the
constraint markers (``Ge``, ``MaxLen``, ``Pattern``, ...) live in ``constraints.py``.
"""

from __future__ import annotations

from hornbeam import App, hookimpl

from ._errors import MAX_ERRORS
from .constraints import Ge, Gt, Le, Lt, MaxLen, MinLen, Pattern
from .validator import Validator

__all__ = ["Validator", "Ge", "Gt", "Le", "Lt", "MinLen", "MaxLen", "Pattern", "hornbeam_validator"]


@hookimpl(trylast=True)
def hornbeam_validator(app: App) -> Validator:
    """The built-in validator; app settings ``validation_unknown_fields`` (bodies, default
    "forbid"), ``validation_unknown_query_fields`` (query and path, default "ignore") and
    ``validation_max_errors`` (errors listed in one 422, default 100)."""
    body = app.settings.get("validation_unknown_fields", "forbid")
    query = app.settings.get("validation_unknown_query_fields", "ignore")
    for name, policy in (("validation_unknown_fields", body), ("validation_unknown_query_fields", query)):
        if policy not in ("forbid", "ignore"):
            raise ValueError(f"setting {name} must be 'forbid' or 'ignore', not {policy!r}")
    max_errors = app.settings.get("validation_max_errors", MAX_ERRORS)
    return Validator(unknown_fields=body, unknown_query_fields=query, max_errors=max_errors)
