"""hornbeam, written as its README and sample show."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from hornbeam import App, Request, hookimpl

from bench.common import NotAvailable, github_body, github_paths, item_summary, problem_not_found

NOT_FOUND = problem_not_found("/does/not/exist")


@dataclass
class Owner:
    id: int
    name: str
    email: str


@dataclass
class Dimensions:
    width: float
    height: float
    depth: float


@dataclass
class Variant:
    sku: str
    color: str
    size: str
    stock: int
    price: float


@dataclass
class Item:
    name: str
    description: str
    price: float
    tags: list[str]
    owner: Owner
    dimensions: Dimensions
    variants: list[Variant]


class _ValidationBridge:
    """Provides the built-in validator while its plugin is not yet registered as an entry point."""

    @hookimpl(trylast=True)
    def hornbeam_validator(self, app: App) -> Any:
        from hornbeam.plugins.validation import Validator

        return Validator()


def validation_status() -> str | None:
    """None when the built-in validation plugin can serve POST /items, else why not."""
    try:
        import hornbeam.plugins.validation  # noqa: F401
    except ImportError as exc:
        return f"hornbeam.plugins.validation does not import: {exc}"
    return None


def _github_handler(pattern: str) -> Any:
    body = github_body(pattern)

    async def handler(request: Request[None, None]) -> dict[str, str]:
        return body

    return handler



def build(middleware: int = 0) -> App:
    plugins: list[object] = []
    if not any(ep.name == "validation" for ep in entry_points(group="hornbeam")) and validation_status() is None:
        plugins.append(_ValidationBridge())
    app = App(plugins=plugins)
    if middleware:
        add = getattr(app, "add_middleware", None)
        if add is None:
            raise NotAvailable("App.add_middleware has not landed yet")
        for _ in range(middleware):
            add_noop(app)

    for pattern, methods in github_paths().items():
        app.add_route(pattern, _github_handler(pattern), methods)

    @app.get("/plaintext")
    async def plaintext(request: Request[None, None]) -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json_(request: Request[None, None]) -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{user_id:int}/posts/{post_id}")
    async def user_post(request: Request[None, None], user_id: int, post_id: str) -> dict[str, Any]:
        return {"user_id": user_id, "post_id": post_id}

    @app.get("/search")
    async def search(request: Request[None, None]) -> dict[str, Any]:
        query = request.query
        return {"q": query.get("q"), "page": int(query.get("page", "1")), "tags": query.getlist("tag")}

    @app.post("/echo")
    async def echo(request: Request[None, None]) -> Any:
        return await request.json()

    if validation_status() is None:

        @app.post("/items", body=Item)
        async def create_item(request: Request[None, Item]) -> dict[str, Any]:
            item = request.body_data
            return item_summary(item.name, item.owner.id, [v.stock for v in item.variants])

    return app


def add_noop(app: App) -> None:
    """Add one no-op middleware through the public API."""

    async def noop(request: Request[Any, Any], call_next: Any) -> Any:
        return await call_next(request)

    app.add_middleware(noop)  # type: ignore[attr-defined,unused-ignore]


app = build()
