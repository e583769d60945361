"""Generate the hook reference and the component protocols in docs/plugins.md from the code.

``python tools/plugin_docs.py`` rewrites the generated parts of the page (between
``<!-- generated: NAME -->`` and ``<!-- end: NAME -->``) from ``hornbeam.hookspecs``
(signature, options, docstring), ``docs/hook_examples.py`` (an example plugin per
hook) and the protocols in ``hornbeam.components`` and ``hornbeam.tasks``;
``--check`` only says whether the page is up to date (exit status 1 if not).
The test suite runs the check, so the page cannot drift from the hooks.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from hornbeam import components, hookspecs, tasks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "plugins.md"
EXAMPLES = ROOT / "docs" / "hook_examples.py"

SECTIONS = (
    ("Extending and configuring", ("hornbeam_add_hooks", "hornbeam_settings", "hornbeam_configure")),
    ("Factories: one component each, provided once", hookspecs.FACTORY_HOOKS),
    ("Middleware", ("hornbeam_middleware",)),
    ("Lifecycle", ("hornbeam_frozen", "hornbeam_startup", "hornbeam_shutdown")),
    ("Per-request observation (compiled into direct calls)", hookspecs.OBSERVER_HOOKS),
    (
        "Task events",
        tuple(name for name in vars(hookspecs) if name.startswith("hornbeam_task_") and name != "hornbeam_task_queue"),
    ),
)
PROTOCOLS = (
    (components, "JSONCodec"),
    (components, "QueryParser"),
    (components, "Validator"),
    (components, "ErrorRenderer"),
    (tasks, "TaskQueue"),
    (tasks, "TaskEnqueuer"),
    (tasks, "TaskHandle"),
    (tasks, "TaskObserver"),
)


def load_examples() -> ModuleType:
    """``docs/hook_examples.py``, imported from its path (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("hook_examples", EXAMPLES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hook_examples", module)
    spec.loader.exec_module(module)
    return module


def hook_specs() -> dict[str, Callable[..., Any]]:
    """Every hook specification of hornbeam, in the order of ``hookspecs.py``."""
    return {name: value for name, value in vars(hookspecs).items() if name.startswith("hornbeam_") and callable(value)}


def _signature(name: str, func: Callable[..., Any]) -> str:
    params = _params(inspect.signature(func))
    returns = inspect.signature(func).return_annotation
    return f"def {name}({params}) -> {returns}"


def _options(func: Callable[..., Any]) -> str:
    opts = getattr(func, f"{hookspecs.PROJECT}_spec", {}) or {}
    flags = [flag for flag in ("firstresult", "historic") if opts.get(flag)]
    return f" ({', '.join(flags)})" if flags else ""


def render_hooks(examples: ModuleType) -> str:
    """The hook reference: per section, each hook's signature, options, docstring and example plugin."""
    specs = hook_specs()
    listed = [name for _, names in SECTIONS for name in names]
    missing = sorted(set(specs) - set(listed))
    if missing:
        raise SystemExit(f"tools/plugin_docs.py: hooks in no section: {missing}; add them to SECTIONS")
    lines: list[str] = []
    shown: set[type] = set()
    for title, names in SECTIONS:
        lines += [f"### {title}", ""]
        for name in names:
            func = specs[name]
            lines += [f"#### `{name}`{_options(func)}", "", "```python", _signature(name, func), "```", ""]
            lines += [inspect.getdoc(func) or "", ""]
            classes = examples.EXAMPLES.get(name)
            if classes is None:
                raise SystemExit(f"tools/plugin_docs.py: docs/hook_examples.py has no example for {name}")
            plugin = classes[-1]
            if plugin in shown:
                lines += [f"Example: `{plugin.__name__}`, above.", ""]
                continue
            shown.add(plugin)
            sources = "\n\n".join(inspect.getsource(cls).rstrip() for cls in classes)
            lines += ["Example:", "", "```python", sources, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _alias_docs(module: ModuleType) -> dict[str, str]:
    """Docstrings written under module-level assignments (``QueryParser = ...`` then a string)."""
    tree = ast.parse(inspect.getsource(module))
    found = {}
    for node, following in zip(tree.body, tree.body[1:]):
        if isinstance(node, ast.Assign) and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(following.value.value, str):
                    found[target.id] = following.value.value
    return found


def _params(signature: inspect.Signature) -> str:
    """The parameters as written in the source (annotations are strings under postponed evaluation)."""
    params = list(signature.parameters.values())
    last_positional = max((i for i, p in enumerate(params) if p.kind is p.POSITIONAL_ONLY), default=None)
    out = []
    starred = False
    for index, p in enumerate(params):
        text = p.name if p.annotation is p.empty else f"{p.name}: {p.annotation}"
        if p.kind is p.VAR_POSITIONAL:
            text, starred = "*" + text, True
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + text
        elif p.kind is p.KEYWORD_ONLY and not starred:
            out.append("*")
            starred = True
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        out.append(text)
        if index == last_positional:
            out.append("/")
    return ", ".join(out)


def _members(cls: type) -> list[str]:
    lines = []
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in ("__await__",):
            continue
        func = value.fget if isinstance(value, property) else value
        if not callable(func):
            continue
        signature = inspect.signature(func)
        params = _params(signature)
        prefix = "async def" if inspect.iscoroutinefunction(func) else "def"
        decorated = "@property\n    " if isinstance(value, property) else ""
        doc = inspect.getdoc(func)
        body = f'\n        """{doc.splitlines()[0]}"""' if doc else " ..."
        lines.append(f"    {decorated}{prefix} {name}({params}) -> {signature.return_annotation}:{body}")
    return lines


def render_protocols() -> str:
    """Each component protocol: what the core expects of a plugin's component."""
    lines: list[str] = []
    for module, name in PROTOCOLS:
        value = getattr(module, name)
        lines += [f"### `{module.__name__}.{name}`", ""]
        if isinstance(value, type):
            lines += [inspect.getdoc(value) or "", "", "```python", f"class {name}:", *_members(value), "```", ""]
        else:
            target = str(value).replace("collections.abc.", "").replace("typing.", "").replace("'", "")
            lines += [_alias_docs(module).get(name, ""), "", "```python", f"{name} = {target}", "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def render(page: str) -> str:
    """``page`` with its generated parts replaced by what the code says now."""
    parts = {"hooks": render_hooks(load_examples()), "protocols": render_protocols()}
    for name, text in parts.items():
        pattern = re.compile(rf"(<!-- generated: {name} .*?-->\n).*?(<!-- end: {name} -->)", re.S)
        if not pattern.search(page):
            raise SystemExit(f"tools/plugin_docs.py: {PAGE.name} lacks the markers of the {name!r} part")
        page = pattern.sub(lambda m: m.group(1) + "\n" + text + "\n" + m.group(2), page)
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the page is out of date; write nothing")
    args = parser.parse_args(argv)
    current = PAGE.read_text()
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run python tools/plugin_docs.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(fresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
