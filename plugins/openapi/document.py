"""Builds the OpenAPI 3.1 document of an app from its frozen route view (``app.routes``).

Each route gives one operation per method, named by the route name
(``operationId``); its path parameters come from the converters, its query
parameters and request body from the types the route declares (through the
validator's ``schema`` capability), its success answer from ``status`` and
``response``, and its error answers from what hornbeam answers by itself
(``answers``) and from ``responses``. Named types are written once into
``components/schemas``.

A route's ``metadata["openapi"]`` set to False leaves it out; set to a dict, its
keys replace the operation's (``responses`` are merged status by status).
"""

from __future__ import annotations

import logging
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal, Union

import orjson

from hornbeam.routing import ResponseDoc, Route, describe_handler

from .answers import ANSWERS, Answer, automatic_answers, is_type, response_component
from .schemas import PROBLEM_JSON, PROBLEM_SCHEMAS, Schema, converter_schema, problem_schemas
from .shadows import shadowed_operations

if TYPE_CHECKING:
    from hornbeam import App

__all__ = ["Info", "DocumentBuilder", "OPENAPI_VERSION", "METADATA_KEY"]

logger = logging.getLogger("hornbeam.openapi")

OPENAPI_VERSION = "3.1.0"
METADATA_KEY = "openapi"
SCHEMAS = "#/components/schemas/"
RESPONSES = "#/components/responses/"

# The methods an OpenAPI path item can hold, in the order operations are written.
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SLUG = re.compile(r"[^A-Za-z0-9]+")

OperationHook = Callable[[Route, str, Schema], None]


@dataclass(frozen=True)
class Info:
    """What the document says about the API as a whole (its ``info`` and ``servers``)."""

    title: str
    version: str
    description: str | None = None
    servers: tuple[str, ...] = field(default=())
    # Tag name -> description: these come first in the document, in this order.
    tags: tuple[tuple[str, str], ...] = field(default=())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error" if status >= 400 else "Answer"


def _without_none(tp: Any) -> tuple[Any, bool]:
    """``tp`` without ``None`` among its union members, and whether it had it."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        members = typing.get_args(tp)
        rest = [m for m in members if m is not type(None)]
        if len(rest) < len(members) and rest:
            return (rest[0] if len(rest) == 1 else Union[tuple(rest)]), True
    return tp, False


def _is_text(tp: Any) -> bool:
    """Whether the core sends a value of ``tp`` as text/plain (a ``str``, subclasses included)."""
    if typing.get_origin(tp) is typing.Annotated:
        return _is_text(typing.get_args(tp)[0])
    if typing.get_origin(tp) is Literal:
        return all(isinstance(value, str) for value in typing.get_args(tp))
    return isinstance(tp, type) and issubclass(tp, str)


class DocumentBuilder:
    """One document for one app; ``build()`` returns it as plain JSON-ready dicts and lists."""

    def __init__(self, app: App, info: Info, extend_operation: OperationHook | None = None) -> None:
        self.app = app
        self.info = info
        self.extend_operation = extend_operation
        self.describe: Callable[..., Schema] | None = getattr(app.validator, "schema", None)
        self.schemas: dict[str, Schema] = {}
        # Shared reference objects: their target is named once every route's types are in (see _finish).
        self.problem: Schema = {"$ref": SCHEMAS + "Problem"}
        self.validation_problem: Schema = {"$ref": SCHEMAS + "ValidationProblem"}
        self.used_answers: set[str] = set()
        self.paths: dict[str, dict[str, Schema]] = {}
        self.tags: dict[str, None] = {}
        self._operation_ids: set[str] = set()
        self._shapes: dict[tuple[str | None, ...], tuple[str, ...]] = {}
        self._owners: dict[tuple[str, str], Route] = {}
        self._undescribed: list[str] = []
        self._described: dict[tuple[Any, str], bytes | Schema] = {}

    def build(self) -> Schema:
        """The document; logs a warning for what it cannot describe (it never refuses to build)."""
        routes = self.app.routes
        shadowed = shadowed_operations(routes, self.app.converters)
        for index, route in enumerate(routes):
            if route.metadata.get(METADATA_KEY, True) is False or not route.methods:
                continue
            path = self._path(route)
            methods = [m for m in _METHODS if m.upper() in route.methods]
            for method in methods:
                owner = self._owners.setdefault((path, method), route)
                if owner is not route:
                    # OpenAPI has one operation per template and method; the router tells them apart by converter.
                    logger.warning(
                        "openapi: %s %s documents route %s; route %s has the same shape and method, so the "
                        "document leaves it out", method.upper(), path, _named(owner), _named(route),
                    )  # fmt: skip
                    continue
                operation = self._operation(route, method, len(methods) > 1, (index, method.upper()) in shadowed)
                self.paths.setdefault(path, {})[method] = operation
        if self._undescribed:
            undescribed = list(dict.fromkeys(self._undescribed))
            logger.warning(
                "openapi: the validator (plugin %r) cannot describe types (it has no schema()); the document "
                "leaves out the query parameters and body schemas of %s",
                self.app.plugins.providers.get("hornbeam_validator"),
                ", ".join(undescribed[:5]) + (" and more" if len(undescribed) > 5 else ""),
            )
        return self._finish()

    # Paths and operations ---------------------------------------------------------

    def _path(self, route: Route) -> str:
        """The OpenAPI path template: ``{name}`` per parameter, named as the first route of this shape named them.

        OpenAPI forbids two templates that differ only by parameter names
        (``/items/{id}`` and ``/items/{name}``); the client fills the position, whatever its name.
        """
        shape = tuple(None if s.param is not None else s.text for s in route.segments)
        names = self._shapes.setdefault(shape, route.param_names)
        parts = iter(names)
        return "/" + "/".join(s.text if s.param is None else "{" + next(parts) + "}" for s in route.segments)

    def _operation(self, route: Route, method: str, several: bool, shadowed: bool) -> Schema:
        operation: Schema = {}
        if route.tags:
            operation["tags"] = list(route.tags)
            self.tags.update(dict.fromkeys(route.tags))
        if route.summary:
            operation["summary"] = route.summary
        if route.description:
            operation["description"] = route.description
        operation["operationId"] = self._operation_id(route, method, several)
        parameters = self._path_parameters(route) + self._query_parameters(route)
        if parameters:
            operation["parameters"] = parameters
        body = self._request_body(route)
        if body is not None:
            operation["requestBody"] = body
        operation["responses"] = self._responses(route, shadowed)
        if route.deprecated:
            operation["deprecated"] = True
        extra = route.metadata.get(METADATA_KEY)
        if isinstance(extra, Mapping):
            for key, value in extra.items():
                # Copies: the route's metadata stays as it was declared, whatever hooks do to the operation.
                if key == "responses" and isinstance(value, Mapping):
                    operation["responses"].update({str(status): _copied(answer) for status, answer in value.items()})
                else:
                    operation[key] = _copied(value)
        if self.extend_operation is not None:
            self.extend_operation(route, method.upper(), operation)
        return operation

    def _operation_id(self, route: Route, method: str, several: bool) -> str:
        base = route.name or f"{method}_{_SLUG.sub('_', route.path).strip('_') or 'root'}"
        if several:
            base = f"{base}_{method}"
        candidate, n = base, 2
        while candidate in self._operation_ids:
            candidate, n = f"{base}_{n}", n + 1
        self._operation_ids.add(candidate)
        return candidate

    def _path_parameters(self, route: Route) -> list[Schema]:
        names = self._shapes[tuple(None if s.param is not None else s.text for s in route.segments)]
        converters = self.app.converters
        return [
            {"name": shown, "in": "path", "required": True, "schema": converter_schema(converters[converter])}
            for shown, (_, converter) in zip(names, route.path_params)
        ]

    def _query_parameters(self, route: Route) -> list[Schema]:
        if route.query is None or not is_type(route.query):
            return []
        query = self._schema(route, route.query, "query")
        properties = query.get("properties")
        if not isinstance(properties, Mapping):
            return []
        required = set(query.get("required", ()))
        parameters = []
        for name, schema in properties.items():
            parameter: Schema = {"name": name, "in": "query", "required": name in required, "schema": schema}
            if _is_array(schema):
                # Repeated keys (?tag=a&tag=b), as the query parser reads lists.
                parameter["style"] = "form"
                parameter["explode"] = True
            parameters.append(parameter)
        return parameters

    def _request_body(self, route: Route) -> Schema | None:
        if route.body is None:
            return None
        if is_type(route.body):
            content = {"application/json": {"schema": self._schema(route, route.body, "body")}}
            return {"required": route.body_required, "content": content}
        return {
            "description": f"Raw bytes, read by {describe_handler(route.body)}.",
            "required": route.body_required,
            "content": {"application/octet-stream": {}},
        }

    # Responses ----------------------------------------------------------------------

    def _responses(self, route: Route, shadowed: bool) -> dict[str, Schema]:
        responses = self._success(route)
        limit = route.max_body_size if route.max_body_size is not None else self.app.max_body_size
        timeout = route.timeout if route.timeout is not None else self.app.timeout
        answers = automatic_answers(route, max_body_size=limit, timeout=timeout, shadowed=shadowed)
        for answer in answers:
            self.used_answers.add(answer.component)
            responses[answer.status] = {"$ref": RESPONSES + answer.component}
        for status, doc in sorted(route.responses.items()):
            responses[str(status)] = self._declared(route, status, doc)
        # Numbered statuses in order, then "default": the order readers expect.
        return dict(sorted(responses.items(), key=lambda item: (item[0] == "default", item[0])))

    def _success(self, route: Route) -> dict[str, Schema]:
        status = route.status
        if route.response is None:
            return {str(status): {"description": _phrase(status)}}
        tp, optional = _without_none(route.response)
        if tp is type(None):
            code = 204 if status == 200 else status
            return {str(code): {"description": _phrase(code)}}
        answer: Schema = {"description": _phrase(status), "content": self._content(route, tp)}
        responses = {str(status): answer}
        if optional and status == 200:
            responses["204"] = {"description": "No Content: the handler returned None."}
        return responses

    def _declared(self, route: Route, status: int, doc: ResponseDoc) -> Schema:
        answer: Schema = {"description": doc.description or _phrase(status)}
        if doc.type is not None and doc.type is not type(None):
            answer["content"] = self._content(route, doc.type)
        elif status >= 400:
            # An error raised as HTTPError: a problem document like the automatic ones.
            answer["content"] = {PROBLEM_JSON: {"schema": self.problem}}
        return answer

    def _content(self, route: Route, tp: Any) -> Schema:
        if _is_text(tp):
            return {"text/plain": {"schema": {"type": "string"}}}
        if tp in (bytes, bytearray, memoryview):
            return {"application/octet-stream": {}}
        return {"application/json": {"schema": self._schema(route, tp, "body")}}

    def _schema(self, route: Route, tp: Any, source: Literal["body", "query"]) -> Schema:
        if self.describe is None:
            self._undescribed.append(route.path)
            return {}
        try:
            known = self._described.get((tp, source))
        except TypeError:  # a type that cannot be a key (unhashable metadata): described every time
            known = None
        if known is None:
            try:
                schema = self.describe(tp, source, defs=self.schemas, ref_prefix=SCHEMAS)
            except TypeError as exc:
                # A response type the validator cannot check (an arbitrary class, say) is documented as any JSON.
                logger.debug("openapi: no schema for %r of %s: %s", tp, route.handler_name, exc)
                schema = {}
            try:
                known = orjson.dumps(schema)
            except TypeError:  # a bound past 64 bits, say: kept as it is, copied by a walk
                known = schema
            try:
                self._described[(tp, source)] = known
            except TypeError:
                pass
        # PERF: routes share a few types: each is described once, and each operation gets its own copy
        # (so a hook changing one changes no other), made by orjson from bytes, far faster than a walk.
        copy: Schema = orjson.loads(known) if isinstance(known, bytes) else _copied(known)
        return copy

    # The document -----------------------------------------------------------------------

    def _finish(self) -> Schema:
        names = {}
        for name in PROBLEM_SCHEMAS:
            # A route's own type called Problem keeps its name; ours gives way.
            names[name] = name if name not in self.schemas else f"hornbeam.{name}"
        self.problem["$ref"] = SCHEMAS + names["Problem"]
        self.validation_problem["$ref"] = SCHEMAS + names["ValidationProblem"]
        ours = problem_schemas(names)
        if "ValidationFailed" not in self.used_answers:
            del ours[names["ValidationProblem"]], ours[names["ValidationErrorItem"]]
        document: Schema = {"openapi": OPENAPI_VERSION, "info": self._info()}
        if self.info.servers:
            document["servers"] = [{"url": url} for url in self.info.servers]
        document["paths"] = self.paths
        document["components"] = {
            "schemas": {**self.schemas, **ours},
            "responses": {
                answer.component: response_component(answer, self.problem, self.validation_problem)
                for answer in _in_order(self.used_answers)
            },
        }
        described = dict(self.info.tags)
        tags = [{"name": tag, "description": text} if text else {"name": tag} for tag, text in self.info.tags]
        tags += [{"name": tag} for tag in self.tags if tag not in described]
        if tags:
            document["tags"] = tags
        return document

    def _info(self) -> Schema:
        info: Schema = {"title": self.info.title, "version": self.info.version}
        if self.info.description:
            info["description"] = self.info.description
        return info


def _named(route: Route) -> str:
    return f"{route.name or route.handler_name!r} ({route.path})"


def _in_order(components: set[str]) -> list[Answer]:
    return [answer for name, answer in ANSWERS.items() if name in components]


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _is_array(schema: Schema) -> bool:
    kind = schema.get("type")
    if kind == "array" or (isinstance(kind, list) and "array" in kind):
        return True
    return any(_is_array(member) for member in schema.get("anyOf", ()) if isinstance(member, dict))
