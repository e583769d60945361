"""The hornbeam sample: a small items API over an in-memory store.

Run it with ``make run`` (``uvicorn sample:app``); the README lists every
endpoint with a curl example.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
import uuid
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, TypedDict

import hornbeam
from hornbeam import App, CallNext, JSONResponse, NotFound, Request, Response, ResponseDoc, Router, WebSocket
from hornbeam.plugins.middleware import CORSMiddleware, RequestIDMiddleware, TimingMiddleware
# hornbeam's own markers, not annotated_types (only the dev extra installs it): `pip install . uvicorn` suffices.
from hornbeam.plugins.validation import Ge, Le, MaxLen, MinLen

Name = Annotated[str, MinLen(1), MaxLen(200)]
Price = Annotated[float, Ge(0)]
Tags = Annotated[list[str], MaxLen(10)]


@dataclass
class ItemIn:
    """What POST /items and PUT /items/{id} accept."""

    name: Name
    price: Price
    tags: Tags = field(default_factory=list)


class ItemPatch(TypedDict, total=False):
    """What PATCH /items/{id} accepts: any subset of the fields."""

    name: Name
    price: Price
    tags: Tags


class Item(TypedDict):
    """An item as the API answers it."""

    id: int
    name: str
    price: float
    tags: list[str]


class ItemPage(TypedDict):
    """One page of GET /items, and how many items match in all."""

    items: list[Item]
    total: int
    limit: int
    offset: int


class TaskAccepted(TypedDict):
    """The id of an enqueued task; ``Location`` says where to follow it."""

    task_id: str


class TaskState(TypedDict):
    """Where a background task stands."""

    id: str
    name: str
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    result: str | None


class Upload(TypedDict):
    """What POST /uploads read."""

    bytes: int
    sha256: str


@dataclass
class Page:
    """The query of GET /items: paging and tag filters (``?tag=a&tag=b``)."""

    limit: Annotated[int, Ge(1), Le(100)] = 20
    offset: Annotated[int, Ge(0)] = 0
    tag: list[str] = field(default_factory=list)


class Store:
    """Items in memory, keyed by an increasing id."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}
        self._next_id = 1

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        item = {"id": self._next_id, **data}
        self.items[self._next_id] = item
        self._next_id += 1
        return item

    def get(self, item_id: int) -> dict[str, Any]:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFound(detail=f"item {item_id} does not exist") from None


class Feed:
    """Live item changes, fanned out to every client of ``/items/feed``: one bounded queue per client."""

    def __init__(self, backlog: int = 100) -> None:
        self.backlog = backlog
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[dict[str, Any] | None]]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(self.backlog)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def publish(self, event: str, item: dict[str, Any]) -> None:
        message = {"event": event, "item": dict(item)}
        for queue in list(self._queues):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                # A client that fell this far behind is dropped rather than buffered without bound.
                self._queues.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)


UPLOAD_LIMIT = 10 * 1024 * 1024
# The openapi plugin's document (/openapi.json) and docs page (/docs) describe the sample as this.
DOCUMENT = {
    "openapi_title": "hornbeam sample",
    "openapi_api_version": hornbeam.__version__,
    "openapi_description": "A small items API over an in-memory store, with background tasks and uploads.",
    "openapi_tags": {
        "items": "Items in the store.",
        "tasks": "Background work about items, and how to follow it.",
        "uploads": "Bodies streamed without buffering.",
        "meta": "The app itself.",
    },
}
NO_ITEM = {404: ResponseDoc(None, "No item has this id.")}

# A front end in development on localhost:3000 may call the API from the browser.
cors = CORSMiddleware(
    ["http://localhost:3000"],
    allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    allow_headers=["Content-Type"],
    expose_headers=["Location", "X-Request-ID"],
)
# Short retry delays (0.1-0.2 s before the second attempt) so the notify task's retry shows at once.
app = App(
    middleware=[RequestIDMiddleware(), TimingMiddleware(), cors],
    settings={"tasks_max_attempts": 3, "tasks_backoff": 0.2, **DOCUMENT},
)
store = Store()
feed = Feed()
outbox: list[dict[str, Any]] = []
# Notices seen failing by this process. Ids are unique across processes, so with the
# queue on Redis (hornbeam-docket) an attempt on another worker fails once there too.
_failed_once: set[str] = set()


async def notify_watchers(notice: str, item: dict[str, Any]) -> str:
    """Pretend to send a mail about ``item``; the first attempt of each notice fails, to show retries."""
    await asyncio.sleep(0.05)
    if notice not in _failed_once:
        _failed_once.add(notice)
        raise ConnectionError("mail server busy")
    _failed_once.discard(notice)
    outbox.append({"notice": notice, "item_id": item["id"], "name": item["name"]})
    return f"mailed about item {item['id']}"


@app.get("/", tags=["meta"])
async def index(request: Request[None, None]) -> dict[str, Any]:
    """Describe the app: its name, version and endpoints."""
    return {
        "name": "hornbeam sample",
        "version": hornbeam.__version__,
        "endpoints": [
            "GET /health",
            "GET /items?limit=&offset=&tag=",
            "POST /items",
            "GET|PUT|PATCH|DELETE /items/{item_id}",
            "WEBSOCKET /items/feed",
            "POST /items/{item_id}/notify",
            "GET /tasks/{task_id}",
            "POST /uploads",
        ],
    }


@app.get("/health", tags=["meta"])
async def health(request: Request[None, None]) -> str:
    """Answer "ok" while the app serves."""
    return "ok"


async def no_store(request: Request[Any, Any], call_next: CallNext) -> Response:
    """Item data changes all the time: tell caches not to keep it."""
    response = await call_next(request)
    response.headers["cache-control"] = "no-store"
    return response


items = Router(prefix="/items", name="items", middleware=[no_store], tags=["items"])


@items.get("", query=Page, response=ItemPage)
async def list_items(request: Request[Page, None]) -> dict[str, Any]:
    """List items, a page at a time.

    Every ``tag`` given must be on an item (``?tag=a&tag=b``).
    """
    page = request.query_data
    wanted = set(page.tag)
    found = [item for item in store.items.values() if wanted <= set(item["tags"])]
    return {
        "items": found[page.offset : page.offset + page.limit],
        "total": len(found),
        "limit": page.limit,
        "offset": page.offset,
    }


@items.post("", body=ItemIn, status=201, response=Item)
async def create_item(request: Request[None, ItemIn]) -> Response:
    """Create an item.

    The ``Location`` header gives its URL.
    """
    item = store.add(asdict(request.body_data))
    feed.publish("created", item)
    location = request.url_for("items.get_item", item_id=item["id"])
    return JSONResponse(item, status=201, headers={"location": location})


@items.get("/{item_id:int}", response=Item, responses=NO_ITEM)
async def get_item(request: Request[None, None], item_id: int) -> dict[str, Any]:
    """Fetch one item."""
    return store.get(item_id)


@items.put("/{item_id:int}", body=ItemIn, response=Item, responses=NO_ITEM)
async def replace_item(request: Request[None, ItemIn], item_id: int) -> dict[str, Any]:
    """Replace an item: every field is given anew."""
    item = store.get(item_id)
    item.update(asdict(request.body_data))
    feed.publish("changed", item)
    return item


@items.patch("/{item_id:int}", body=ItemPatch, response=Item, responses=NO_ITEM)
async def update_item(request: Request[None, ItemPatch], item_id: int) -> dict[str, Any]:
    """Change some fields of an item."""
    item = store.get(item_id)
    item.update(request.body_data)
    feed.publish("changed", item)
    return item


@items.delete("/{item_id:int}", status=204, responses=NO_ITEM)
async def delete_item(request: Request[None, None], item_id: int) -> Response:
    """Delete an item."""
    item = store.get(item_id)
    del store.items[item_id]
    feed.publish("deleted", item)
    return Response(status=204)


@items.websocket("/feed")
async def item_feed(ws: WebSocket) -> None:
    """Live changes: ``{"event": "created" | "changed" | "deleted", "item": {...}}`` for every change."""
    await ws.accept()
    with feed.subscribe() as queue:
        sender = asyncio.create_task(forward(queue, ws))
        try:
            async for _ in ws.iter_text():  # until the client leaves; what it says is ignored
                pass
        finally:
            sender.cancel()
            # Nothing outlives the connection, and the sender's ending (a client gone mid-send) is collected.
            await asyncio.gather(sender, return_exceptions=True)


async def forward(queue: asyncio.Queue[dict[str, Any] | None], ws: WebSocket) -> None:
    while True:
        message = await queue.get()
        if message is None:
            await ws.close(1013, "too far behind the feed; reconnect")
            return
        await ws.send_json(message)


@items.post("/{item_id:int}/notify", status=202, response=TaskAccepted, responses=NO_ITEM, tags=["tasks"])
async def notify_item(request: Request[None, None], item_id: int) -> Response:
    """Mail the item's watchers in the background.

    Answers at once with the task's id; ``GET /tasks/{task_id}`` follows it. The first
    attempt of each mail fails, so a retry shows.
    """
    item = store.get(item_id)
    handle = await app.tasks.enqueue(notify_watchers, uuid.uuid4().hex, dict(item))
    location = request.url_for("task_status", task_id=handle.id)
    return JSONResponse({"task_id": handle.id}, status=202, headers={"location": location})


app.include(items)


@app.get(
    "/tasks/{task_id}",
    tags=["tasks"],
    response=TaskState,
    responses={404: ResponseDoc(None, "No task has this id, or it has left the history.")},
)
async def task_status(request: Request[None, None], task_id: str) -> TaskState:
    """Follow a background task: queued, running, retrying, succeeded, failed or cancelled."""
    info = await app.tasks.get(task_id)  # awaited: the queue may live in Redis
    if info is None:
        raise NotFound(detail=f"task {task_id} does not exist (or has left the history)")
    return {
        "id": info.id,
        "name": info.name,
        "status": info.status.value,
        "attempts": info.attempts,
        "max_attempts": info.max_attempts,
        "last_error": info.last_error,
        "result": info.result,
    }


@app.post(
    "/uploads",
    max_body_size=UPLOAD_LIMIT,
    tags=["uploads"],
    response=Upload,
    responses={413: ResponseDoc(None, "The body is larger than 10 MiB.")},
    # The handler streams the body itself, so the route declares no body type: say what it reads.
    metadata={"openapi": {"requestBody": {"content": {"application/octet-stream": {}}}}},
)
async def upload(request: Request[None, None]) -> dict[str, Any]:
    """Stream any body (10 MiB at most) and answer its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}
