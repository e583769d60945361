"""The docs page: Swagger UI, whose files the app serves itself from the ``swagger-ui-bundle-v2`` package.

Nothing is loaded from another site: the page, Swagger UI's script and styles, and
the script that starts it all come from the app, so the page works offline and under
a strict Content-Security-Policy (``script-src 'self'``: no inline script). Swagger
UI's online validator badge is switched off for the same reason.
"""

from __future__ import annotations

import html
import importlib
import re
from importlib.resources.abc import Traversable

__all__ = ["ASSETS", "INSTALL_HINT", "INIT_JS", "find_swagger_ui", "read_asset", "page", "asset_path"]

INSTALL_HINT = "pip install 'hornbeam[openapi]' (which brings swagger-ui-bundle-v2)"

# The files of Swagger UI the page uses, with their media types.
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "oauth2-redirect.html": "text/html; charset=utf-8",
    "oauth2-redirect.js": "text/javascript; charset=utf-8",
}

INIT_JS = b"""\
// Starts Swagger UI on this app's own document; the page's data attributes say where it is.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    oauth2RedirectUrl: new URL(root.dataset.oauth2RedirectUrl, window.location.href).href,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
"""

_VERSION = re.compile(r"swagger-ui-(\d+)\.(\d+)\.(\d+)$")


def find_swagger_ui() -> Traversable | str:
    """The folder of Swagger UI's files, or a sentence saying what to install."""
    try:
        module = importlib.import_module("swagger_ui_bundle")
    except ImportError:
        return f"the docs page needs Swagger UI's files, which are not installed: {INSTALL_HINT}"
    folder = getattr(module, "swagger_ui_path", None)
    if not isinstance(folder, Traversable):
        return f"the installed swagger_ui_bundle package has no swagger_ui_path: {INSTALL_HINT}"
    version = _VERSION.search(folder.name)
    if version is None or int(version.group(1)) < 5:
        # The original swagger-ui-bundle package ships Swagger UI 4, which cannot read OpenAPI 3.1.
        return (
            f"the installed swagger_ui_bundle holds {folder.name}, too old for OpenAPI 3.1 (Swagger UI 5 "
            f"or newer is needed): pip uninstall swagger-ui-bundle, then {INSTALL_HINT}"
        )
    missing = [name for name in ASSETS if not folder.joinpath(name).is_file()]
    if missing:
        return f"{folder.name} lacks {', '.join(missing)}: reinstall it with {INSTALL_HINT}"
    return folder


_READ: dict[tuple[str, str], bytes] = {}


def read_asset(folder: Traversable, name: str) -> bytes:
    """One of Swagger UI's files, read once per process whatever the number of apps."""
    key = (str(folder), name)
    data = _READ.get(key)
    if data is None:
        data = _READ[key] = folder.joinpath(name).read_bytes()
    return data


def asset_path(docs_path: str, name: str) -> str:
    """Where the file ``name`` is served, under the docs page's path."""
    return f"{docs_path.rstrip('/')}/{name}"


def page(title: str, document_url: str, assets_base: str) -> bytes:
    """The docs page's HTML: Swagger UI on ``document_url``, its files under ``assets_base``."""
    base = html.escape(assets_base.rstrip("/"), quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(document_url, quote=True)}"
     data-oauth2-redirect-url="{base}/oauth2-redirect.html"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="{base}/init.js"></script>
</body>
</html>
""".encode()
