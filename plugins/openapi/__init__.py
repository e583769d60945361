"""The ``openapi`` plugin: the app's OpenAPI 3.1 document at ``/openapi.json`` and a docs page at ``/docs``.

The document is built once, when the app has started (``hornbeam_frozen``), from
``app.routes`` and the validator's JSON Schema, and served as prepared bytes. The
docs page is Swagger UI, served by the app itself from the ``openapi`` extra
(``pip install 'hornbeam[openapi]'``): nothing comes from a CDN, so it works offline.

Settings: ``openapi_path``, ``openapi_docs`` (serve the page: on by default),
``openapi_docs_path``, ``openapi_title``, ``openapi_api_version``,
``openapi_description``, ``openapi_servers`` and ``openapi_tags``. Hide a route with
``metadata={"openapi": False}``; give its operation extra keys with
``metadata={"openapi": {...}}``. Other plugins extend the document through this
plugin's hooks (``OpenAPISpecs``). ``HORNBEAM_DISABLE_PLUGINS=openapi`` serves neither.
"""

from __future__ import annotations

import copy
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from hornbeam import App, ConfigurationError, Route, Setting, hookimpl, hookspec
from hornbeam.pluginhost import PluginHost

from .docs_page import ASSETS, INIT_JS, asset_path, find_swagger_ui, page, read_asset
from .document import METADATA_KEY, DocumentBuilder, Info
from .serving import PerRootPath, PreparedAnswer

__all__ = [
    "OpenAPISpecs",
    "document",
    "hornbeam_add_hooks",
    "hornbeam_settings",
    "hornbeam_configure",
    "hornbeam_frozen",
]

logger = logging.getLogger("hornbeam.openapi")

_HIDDEN = {METADATA_KEY: False}


class OpenAPISpecs:
    """Hooks of the ``openapi`` plugin, for plugins that add to the document (security schemes, answers).

    Both are called once, at start-up, while the document is built; change the
    dicts in place and return nothing. A failure stops start-up naming the plugin.
    Mark implementations ``@hookimpl(optionalhook=True)``: without the ``openapi``
    plugin (disabled, say) these hooks do not exist, and an unknown hook stops start-up.
    """

    @hookspec
    def hornbeam_openapi_operation(self, app: App, route: Route, method: str, operation: dict[str, Any]) -> None:
        """Change the operation of ``route`` for ``method`` (upper case) in place: add responses, security, ...

        Called for every documented operation, in route order, after the
        route's own ``metadata["openapi"]`` is applied. ``route.metadata`` is
        where routes say what your plugin should know. Returns nothing.
        """

    @hookspec
    def hornbeam_openapi_document(self, app: App, document: dict[str, Any]) -> None:
        """Change the whole document in place, just before it is frozen into the bytes served.

        Called once, after every operation is built: add ``components``
        (``securitySchemes``, shared ``responses``), top-level ``security``, tags
        with descriptions, ``x-`` extensions. Returns nothing.
        """


@dataclass
class _Site:
    """What one app's plugin serves, made at configure time and filled once the app has started."""

    document: PerRootPath
    page: PerRootPath | PreparedAnswer | None
    assets: dict[str, PreparedAnswer] = field(default_factory=dict)
    built: dict[str, Any] | None = None


_SITES: weakref.WeakKeyDictionary[App, _Site] = weakref.WeakKeyDictionary()


@hookimpl
def hornbeam_add_hooks(host: PluginHost) -> None:
    host.add_hookspecs(OpenAPISpecs)


@hookimpl
def hornbeam_settings() -> list[Setting]:
    return [
        Setting("openapi_path", str, "/openapi.json", "Where the OpenAPI document is served."),
        Setting("openapi_docs", bool, True, "Serve the docs page (Swagger UI, from the openapi extra)."),
        Setting("openapi_docs_path", str, "/docs", "Where the docs page is served; its files are served under it."),
        Setting("openapi_title", str, "hornbeam API", "The document's info.title."),
        Setting("openapi_api_version", str, "0.1.0", "The document's info.version: your API's version."),
        Setting("openapi_description", str | None, None, "The document's info.description (CommonMark)."),
        Setting(
            "openapi_servers", list[str], [], "Server URLs for the document (by default, where it was fetched from)."
        ),
        Setting(
            "openapi_tags", dict[str, str], {}, "Tag name -> description; these tags are listed first, in this order."
        ),
    ]


def _check_path(name: str, value: str) -> str:
    if not value.startswith("/") or "{" in value or "}" in value:
        raise ConfigurationError(f"setting {name} must be a path starting with '/' and without parameters, not {value!r}")
    return value


@hookimpl(trylast=True)
def hornbeam_configure(app: App) -> None:
    """Add the document's route, and the docs page's and its files' routes when the page is on."""
    settings = app.settings
    document_path = _check_path("openapi_path", settings["openapi_path"])
    served = _Site(PerRootPath(f"OpenAPI document ({document_path})", "application/json", "no-cache"), None)
    app.add_route(document_path, served.document, name="openapi.document", metadata=_HIDDEN)
    if settings["openapi_docs"]:
        docs_path = _check_path("openapi_docs_path", settings["openapi_docs_path"])
        what = f"docs page ({docs_path})"
        folder = find_swagger_ui()
        if isinstance(folder, str):
            logger.warning("openapi: %s answers 501: %s (or set openapi_docs to false)", docs_path, folder)
            missing = PreparedAnswer(what)
            missing.refuse(501, folder)
            served.page = missing
        else:
            served.page = PerRootPath(what, "text/html; charset=utf-8", "no-cache")
            for name in (*ASSETS, "init.js"):
                served.assets[name] = PreparedAnswer(f"docs page file {name}")
        app.add_route(docs_path, served.page, name="openapi.docs", metadata=_HIDDEN)
        for name, answer in served.assets.items():
            app.add_route(asset_path(docs_path, name), answer, name=f"openapi.docs.{name}", metadata=_HIDDEN)
    _SITES[app] = served


@hookimpl(trylast=True)
def hornbeam_frozen(app: App) -> None:
    """Build the document (and the docs page) once, now that every route is known, into the bytes served."""
    served = _SITES[app]
    settings = app.settings
    host = app.plugins
    extend = None
    if host.implemented("hornbeam_openapi_operation"):

        def extend(route: Route, method: str, operation: dict[str, Any]) -> None:
            host.call("hornbeam_openapi_operation", app=app, route=route, method=method, operation=operation)

    info = Info(
        title=settings["openapi_title"],
        version=settings["openapi_api_version"],
        description=settings["openapi_description"],
        servers=tuple(settings["openapi_servers"]),
        tags=tuple(settings["openapi_tags"].items()),
    )
    built = DocumentBuilder(app, info, extend).build()
    host.call("hornbeam_openapi_document", app=app, document=built)
    served.built = built
    dumps = app.json_codec.dumps

    def document_for(root_path: str) -> bytes:
        if root_path and not info.servers:
            # Mounted under a prefix: "try it out" must call the API there.
            return dumps({**built, "servers": [{"url": root_path}]})
        return dumps(built)

    served.document.prepare(document_for)
    if isinstance(served.page, PerRootPath):
        _prepare_docs(served, info.title, settings["openapi_path"], settings["openapi_docs_path"])


def _prepare_docs(served: _Site, title: str, document_path: str, docs_path: str) -> None:
    folder = find_swagger_ui()
    assert not isinstance(folder, str), folder  # found at configure time
    for name, answer in served.assets.items():
        if name == "init.js":
            answer.prepare(INIT_JS, "text/javascript; charset=utf-8", "no-cache")
        else:
            # Swagger UI's files change only with the package: cached for a day, then revalidated.
            answer.prepare(read_asset(folder, name), ASSETS[name], "public, max-age=86400")
    assert isinstance(served.page, PerRootPath)
    served.page.prepare(
        lambda root_path: page(f"{title} - docs", root_path + document_path, root_path + docs_path.rstrip("/"))
    )


def document(app: App) -> dict[str, Any]:
    """A copy of ``app``'s OpenAPI document, as built at start-up; starts the app.

    Raises LookupError when the ``openapi`` plugin did not serve this app (disabled, say).
    """
    app.freeze()
    served = _SITES.get(app)
    if served is None or served.built is None:
        raise LookupError("the openapi plugin is not enabled for this app, so it has no document")
    return copy.deepcopy(served.built)
