"""hornbeam's pytest plugin: fixtures for testing an app, and for testing a plugin in an app of its own.

Opt in from the ``conftest.py`` at the root of your tests::

    pytest_plugins = ["hornbeam.testing.pytest_plugin"]

It is not loaded by itself (no ``pytest11`` entry point), for three reasons:
an autoloaded plugin would run in every pytest session of every environment
hornbeam is installed in, apps or not; it would import hornbeam (and httpx,
which hornbeam itself does not need) before pytest-cov starts measuring, so
your coverage of anything imported that early would be wrong; and fixture
names would be taken from every project. pytest's own ``pytester`` is opt-in
for the same reasons.

Fixtures:

- ``hornbeam_app``: the app under test, from the ``hornbeam_app`` ini option
  (``module:attribute``, as the command line takes it); override the fixture
  to build one yourself.
- ``hornbeam_client``: a ``TestClient`` for ``hornbeam_app`` with the
  lifespan running (start-up done, ``app.tasks`` available), shut down after
  the test.
- ``hornbeam_client_for``: the same for any app: ``hornbeam_client_for(app)``.
- ``hornbeam_plugin_app``: for plugin authors, an ``App`` with only the
  plugins you pass (plus the built-ins you name; by default ``json`` and
  ``problem``, which every app needs): no other installed plugin loads and the
  ``HORNBEAM_*`` variables of your environment are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

import pytest

from hornbeam import App
from hornbeam._cli_app import AppNotFound, load_app
from hornbeam.pluginhost import plugin_name

from ._clients import TestClient

__all__ = [
    "ClientFactory",
    "PluginAppFactory",
    "hornbeam_app",
    "hornbeam_client",
    "hornbeam_client_for",
    "hornbeam_plugin_app",
    "pytest_addoption",
]

ClientFactory = Callable[[App], TestClient]
PluginAppFactory = Callable[..., App]

INI_APP = "hornbeam_app"
DEFAULT_BUILTINS = ("json", "problem")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_APP, "module:attribute of the hornbeam App the hornbeam_app fixture gives", default="")


@pytest.fixture
def hornbeam_app(request: pytest.FixtureRequest) -> App:
    """The app under test, from the ``hornbeam_app`` ini option; override this fixture to build your own."""
    target = str(request.config.getini(INI_APP) or "")
    if not target:
        pytest.fail(
            "the hornbeam_app fixture needs the app: set hornbeam_app = \"module:app\" under "
            "[tool.pytest.ini_options] in pyproject.toml, or define a hornbeam_app fixture in conftest.py",
            pytrace=False,
        )
    try:
        return load_app(target, cwd=str(request.config.rootpath))
    except AppNotFound as exc:
        pytest.fail(f"ini option hornbeam_app = {target!r}: {exc}", pytrace=False)


@pytest.fixture
def hornbeam_client_for() -> Iterator[ClientFactory]:
    """``hornbeam_client_for(app)``: a ``TestClient`` with the app's lifespan running until the test ends."""
    with ExitStack() as stack:

        def start(app: App) -> TestClient:
            return stack.enter_context(TestClient(app))

        yield start


@pytest.fixture
def hornbeam_client(hornbeam_app: App, hornbeam_client_for: ClientFactory) -> TestClient:
    """A ``TestClient`` for ``hornbeam_app`` with its lifespan running (start-up done, ``app.tasks`` ready)."""
    return hornbeam_client_for(hornbeam_app)


@pytest.fixture
def hornbeam_plugin_app(monkeypatch: pytest.MonkeyPatch) -> PluginAppFactory:
    """``hornbeam_plugin_app(*plugins, builtins=("json", "problem"), **app_options)``: an App with only these plugins.

    Installed third-party plugins never load, and the ``HORNBEAM_*``
    environment variables are cleared for the test, so the app is the same on
    every machine. ``app_options`` go to ``App`` (``settings=...``, ...).
    """
    for name in list(os.environ):
        if name.startswith("HORNBEAM_"):
            monkeypatch.delenv(name)

    def build(*plugins: object, builtins: Sequence[str] = DEFAULT_BUILTINS, **app_options: Any) -> App:
        only = [*builtins, *(plugin_name(plugin) for plugin in plugins)]
        return App(plugins=list(plugins), only_plugins=only, autoload=False, **app_options)

    return build
