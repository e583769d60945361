"""hornbeam's validator component, served by pydantic.

Installed, this plugin wins over the built-in ``validation`` plugin (which is
``trylast``); ``HORNBEAM_DISABLE_PLUGINS=pydantic`` brings the built-in back.

- ``"body"``: decoded JSON, checked with pydantic's *strict JSON* rules (``"2"`` is
  not an int, ``true`` is not an int, an int is a float; datetime/UUID/Decimal/bytes/
  Enum from their JSON spellings).
- ``"query"`` / ``"path"``: the type must be a dataclass, TypedDict or pydantic model;
  its fields are read from the mapping (``getlist`` for list-typed fields) and coerced
  from strings in pydantic's lax mode. A field that is absent (or an empty list) takes
  its default, or None when its type allows None, as with the built-in.
- Unknown fields, as with the built-in: forbidden in bodies unless app setting
  ``validation_unknown_fields="ignore"``; ignored in query and path data unless
  ``validation_unknown_query_fields="forbid"``. A pydantic model keeps its own ``extra`` policy.
- Errors: ``{"loc": [source, *pydantic_loc], "msg": ..., "type": ...}`` with pydantic's
  messages and types (``string_too_short``, ``greater_than_equal``, ...); at most
  ``max_errors`` (100) of them, the rest counted in ``errors_omitted``.
- ``schema(tp, source, defs=, ref_prefix=)``: the JSON Schema of the type from pydantic's
  ``TypeAdapter.json_schema``, its ``$defs`` moved into the caller's ``defs`` (as the
  built-in validator does), so an OpenAPI plugin can use either validator.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import pydantic
import pydantic_core
from pydantic import ConfigDict, TypeAdapter
from pydantic.fields import FieldInfo

from hornbeam import App, ValidationError, hookimpl

__all__ = ["PydanticValidator", "hornbeam_validator"]

Source = Literal["body", "query", "path"]
Check = Callable[[Any], Any]

_LIST_ORIGINS = frozenset({list, tuple, set, frozenset, typing.Sequence, typing.MutableSequence,
                           typing.AbstractSet, typing.MutableSet})  # fmt: skip
# Attributes of constraint objects pydantic does not know (the built-in's own Ge, MinLen, ...).
_CONSTRAINT_ATTRS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern", "multiple_of")


class PydanticValidator:
    """The validator component: ``compile(tp, source)`` once per route, then call the result.

    ``compile`` raises TypeError for a type pydantic cannot build a schema for, for a
    query/path type that is not a dataclass, TypedDict or model, and for ``Annotated``
    constraints pydantic would silently ignore (use ``annotated_types`` ones).
    """

    def __init__(
        self,
        *,
        unknown_fields: Literal["forbid", "ignore"] = "forbid",
        unknown_query_fields: Literal["forbid", "ignore"] = "ignore",
        max_errors: int = 100,
    ) -> None:
        for name, policy in (("unknown_fields", unknown_fields), ("unknown_query_fields", unknown_query_fields)):
            if policy not in ("forbid", "ignore"):
                raise ValueError(f"{name} must be 'forbid' or 'ignore', got {policy!r}")
        if max_errors < 1:
            raise ValueError(f"max_errors must be at least 1, got {max_errors!r}")
        self.config = ConfigDict(extra=unknown_fields)
        self.forbid_query_extras = unknown_query_fields == "forbid"
        self.max_errors = max_errors

    def schema(
        self, tp: Any, source: Source = "body", *, defs: dict[str, Any] | None = None, ref_prefix: str = "#/$defs/"
    ) -> dict[str, Any]:
        """The JSON Schema (2020-12) of what ``compile(tp, source)`` accepts, from pydantic.

        pydantic's ``$defs`` go into ``defs`` (or the result's own ``"$defs"``) and are
        referred to as ``ref_prefix + name``; a name already in ``defs`` for a different
        schema gets a number. For ``"query"`` and ``"path"`` the result is the object
        itself, each property one parameter. Raises TypeError as ``compile`` does.
        """
        self.compile(tp, source)
        adapter, wrapped = self._adapter(tp)
        marker = "#/$hornbeam_pydantic/"
        result = adapter.json_schema(ref_template=marker + "{model}", mode="validation")
        local: dict[str, Any] = result.pop("$defs", {})
        if wrapped:
            result = result["items"]
        target: dict[str, Any] = {} if defs is None else defs
        same = {name: name for name in local}
        names: dict[str, str] = {}
        for name, schema in local.items():
            final, n = name, 2
            # A name already there for another type (an earlier route's): this one gets a number.
            while final in target and target[final] != _retarget(schema, marker, ref_prefix, same):
                final, n = f"{name}_{n}", n + 1
            names[name] = final
        added = {final for final in names.values() if final not in target}
        for name, schema in local.items():
            target[names[name]] = _retarget(schema, marker, ref_prefix, names)
        result = _retarget(result, marker, ref_prefix, names)
        if source != "body":
            result = self._parameters(result, target, ref_prefix, added)
        if defs is None and target:
            result["$defs"] = target
        return result

    def _parameters(self, result: dict[str, Any], defs: dict[str, Any], ref_prefix: str, added: set[str]) -> dict[str, Any]:
        """The query/path object inline, with the unknown-field policy of query data."""
        ref = result.get("$ref")
        if isinstance(ref, str) and ref.startswith(ref_prefix):
            name = ref[len(ref_prefix) :]
            # Query fields are scalars and lists of them, so nothing else refers to the object.
            result = dict(defs.pop(name) if name in added else defs[name])
        result.pop("additionalProperties", None)
        if self.forbid_query_extras:
            result["additionalProperties"] = False
        return result

    def compile(self, tp: Any, source: Source) -> Check:
        if source not in ("body", "query", "path"):
            raise ValueError(f"source must be 'body', 'query' or 'path', got {source!r}")
        _refuse_foreign_constraints(tp, set())
        if source == "body":
            return self._body(tp)
        fields = _object_fields(tp)
        if fields is None:
            raise TypeError(f"{source} data must be described by a dataclass, TypedDict or pydantic model, got {tp!r}")
        return self._mapping(tp, source, fields)

    def _adapter(self, tp: Any) -> tuple[TypeAdapter[Any], bool]:
        """An adapter for ``tp`` with this validator's config, and whether it wraps ``tp`` in a list.

        pydantic refuses ``config`` for a dataclass or TypedDict at the top (it would
        not reach a class with its own config); nested ones without their own do take
        it. So such a type is validated as the single item of a ``list[tp]``.
        """
        try:
            if _is_model(tp):
                return TypeAdapter(tp), False
            if _is_object(tp):
                return TypeAdapter(list[tp], config=self.config), True
            return TypeAdapter(tp, config=self.config), False
        except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as exc:
            raise TypeError(str(exc).partition("\n")[0]) from exc

    def _body(self, tp: Any) -> Check:
        adapter, wrapped = self._adapter(tp)
        validate_json = adapter.validate_json
        to_json = pydantic_core.to_json
        max_errors = self.max_errors

        def validate_body(data: Any) -> Any:
            try:
                # Strict *Python* mode wants dataclass instances and datetime objects; the JSON
                # rules are the ones that fit decoded JSON, so the data goes back to bytes (~1 µs/KB).
                raw = to_json([data] if wrapped else data)
            except pydantic_core.PydanticSerializationError:
                error = {"loc": ["body"], "msg": "Input is nested too deeply", "type": "too_deep"}
                raise ValidationError([error]) from None
            try:
                value = validate_json(raw, strict=True)
            except pydantic.ValidationError as exc:
                raise _errors(exc, "body", wrapped, max_errors) from None
            return value[0] if wrapped else value

        return validate_body

    def _mapping(self, tp: Any, source: Source, fields: dict[str, tuple[bool, bool]]) -> Check:
        adapter, wrapped = self._adapter(tp)
        validate_python = adapter.validate_python
        max_errors = self.max_errors
        forbid = self.forbid_query_extras and not _is_model(tp)
        nullable = [name for name, (_, none_ok) in fields.items() if none_ok]
        lists = [name for name, (is_list, _) in fields.items() if is_list]
        scalars = [name for name, (is_list, _) in fields.items() if not is_list]

        def validate_mapping(data: Mapping[str, Any]) -> Any:
            getlist = getattr(data, "getlist", None)
            values: dict[str, Any] = dict.fromkeys(nullable)
            for name in scalars:
                if name in data:
                    values[name] = data[name]
            for name in lists:
                items = getlist(name) if getlist is not None else data.get(name)
                if items:
                    values[name] = items
            if forbid:
                # Unknown keys go in too, so pydantic reports each as it reports the others.
                values.update((key, data[key]) for key in data if key not in fields)
            try:
                value = validate_python([values] if wrapped else values)
            except pydantic.ValidationError as exc:
                raise _errors(exc, source, wrapped, max_errors) from None
            return value[0] if wrapped else value

        return validate_mapping


def _retarget(value: Any, marker: str, prefix: str, names: dict[str, str]) -> Any:
    """``value`` with every ``$ref`` to ``marker + name`` pointing at ``prefix + names[name]``."""
    if isinstance(value, dict):
        out = {key: _retarget(item, marker, prefix, names) for key, item in value.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(marker):
            out["$ref"] = prefix + names[ref[len(marker) :]]
        return out
    if isinstance(value, list):
        return [_retarget(item, marker, prefix, names) for item in value]
    return value


def _shown(part: Any) -> Any:
    # Keys come from the client: a 100 kB unknown key must not make a 100 kB answer.
    return part[:99] + "\u2026" if isinstance(part, str) and len(part) > 100 else part


def _errors(exc: pydantic.ValidationError, source: str, wrapped: bool, max_errors: int) -> ValidationError:
    """The ValidationError for pydantic's errors: the first ``max_errors``, the rest counted.

    pydantic finds every error before we see any, so this bounds the answer, not the work.
    """
    start = 1 if wrapped else 0
    found = exc.errors(include_url=False, include_context=False, include_input=False)
    shown = [
        {"loc": [source, *(_shown(part) for part in err["loc"][start:])], "msg": err["msg"][:300], "type": err["type"]}
        for err in found[:max_errors]
    ]
    return ValidationError(shown, omitted=len(found) - len(shown))


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _is_object(tp: Any) -> bool:
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or _is_typeddict(tp))


def _is_typeddict(tp: type) -> bool:
    # typing.is_typeddict misses typing_extensions.TypedDict on 3.11, which pydantic requires there.
    return issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _object_fields(tp: Any) -> dict[str, tuple[bool, bool]] | None:
    """Field name -> (takes a list of values, allows None) for a query/path type; None for other types."""
    if _is_model(tp):
        hints = {name: info.annotation for name, info in tp.model_fields.items()}
    elif _is_object(tp):
        hints = typing.get_type_hints(tp)
        if dataclasses.is_dataclass(tp):
            names = {f.name for f in dataclasses.fields(tp) if f.init}
            hints = {name: hint for name, hint in hints.items() if name in names}
    else:
        return None
    return {name: (_is_list(hint), _allows_none(hint) and not _has_default(tp, name)) for name, hint in hints.items()}


def _members(hint: Any) -> tuple[Any, ...]:
    while get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    if get_origin(hint) in (Union, types.UnionType):
        return tuple(m for arg in get_args(hint) for m in _members(arg))
    return (hint,)


def _is_list(hint: Any) -> bool:
    return any((get_origin(m) or m) in _LIST_ORIGINS for m in _members(hint))


def _allows_none(hint: Any) -> bool:
    return any(m is None or m is type(None) for m in _members(hint))


def _has_default(tp: Any, name: str) -> bool:
    if _is_model(tp):
        return not tp.model_fields[name].is_required()
    if dataclasses.is_dataclass(tp):
        field = next(f for f in dataclasses.fields(tp) if f.name == name)
        return field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    return name not in tp.__required_keys__  # a TypedDict key that may be absent stays absent


def _refuse_foreign_constraints(tp: Any, seen: set[int]) -> None:
    """Raise TypeError for ``Annotated`` constraints pydantic would drop without a word.

    pydantic knows ``annotated_types`` objects and its own; another object with a
    ``ge``/``min_length``/... attribute (such as ``hornbeam.plugins.validation.Ge``)
    would be ignored, and the route would silently accept what it meant to refuse.
    """
    if id(tp) in seen:
        return
    seen.add(id(tp))
    if get_origin(tp) is Annotated:
        for meta in tp.__metadata__:
            if _is_foreign_constraint(meta):
                name = f"{type(meta).__module__}.{type(meta).__qualname__}"
                raise TypeError(
                    f"pydantic ignores the constraint {name} in {tp!r}; use annotated_types "
                    "(Ge, Le, MinLen, MaxLen, ...) or pydantic.Field/StringConstraints instead"
                )
    for arg in get_args(tp):
        _refuse_foreign_constraints(arg, seen)
    if _is_object(tp) or _is_model(tp):
        try:
            hints = typing.get_type_hints(tp, include_extras=True)
        except Exception:
            return  # pydantic reports unresolvable annotations itself
        for hint in hints.values():
            _refuse_foreign_constraints(hint, seen)


def _is_foreign_constraint(meta: Any) -> bool:
    if isinstance(meta, (annotated_types.BaseMetadata, annotated_types.GroupedMetadata, FieldInfo)):
        return False
    module = type(meta).__module__
    if module.startswith(("pydantic", "annotated_types")):
        return False
    return any(hasattr(meta, attr) for attr in _CONSTRAINT_ATTRS)


@hookimpl
def hornbeam_validator(app: App) -> PydanticValidator:
    """pydantic as the validator, with the built-in's unknown-field and max-errors settings."""
    body = app.settings.get("validation_unknown_fields", "forbid")
    query = app.settings.get("validation_unknown_query_fields", "ignore")
    for name, policy in (("validation_unknown_fields", body), ("validation_unknown_query_fields", query)):
        if policy not in ("forbid", "ignore"):
            raise ValueError(f"setting {name} must be 'forbid' or 'ignore', not {policy!r}")
    max_errors = app.settings.get("validation_max_errors", 100)
    return PydanticValidator(unknown_fields=body, unknown_query_fields=query, max_errors=max_errors)
