"""The hook contract is documented and consistent: the docs page is generated from it."""

from __future__ import annotations

import inspect

from hornbeam import hookspecs


def specs() -> dict[str, object]:
    return {name: value for name, value in vars(hookspecs).items() if name.startswith("hornbeam_")}


def test_every_hook_has_a_docstring_saying_when_it_is_called() -> None:
    for name, function in specs().items():
        doc = inspect.getdoc(function)
        assert doc and len(doc) > 40, name


def test_factory_hooks_are_firstresult_and_the_others_are_not() -> None:
    for name, function in specs().items():
        opts = getattr(function, "hornbeam_spec")
        assert bool(opts.get("firstresult")) == (name in hookspecs.FACTORY_HOOKS), name


def test_observer_hooks_exist() -> None:
    assert set(hookspecs.OBSERVER_HOOKS) <= set(specs())
