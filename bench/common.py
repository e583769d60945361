"""What every app serves and every driver checks: routes, payloads, scenarios, expected answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GITHUB_ROUTES_FILE = ROOT / "tests" / "data" / "github_routes.json"

FRAMEWORKS = ("hornbeam", "raw", "starlette", "fastapi", "litestar", "falcon", "blacksheep")
PEERS = ("starlette", "fastapi", "litestar", "falcon", "blacksheep")

PLAINTEXT = b"Hello, World!"
MESSAGE = {"message": "Hello, World!"}
VARIED_COUNT = 1000


def github_routes() -> list[tuple[str, str]]:
    """The 203 (method, path) pairs of the GitHub API table, in file order."""
    return [(m, p) for m, p in json.loads(GITHUB_ROUTES_FILE.read_text())]


def github_paths() -> dict[str, list[str]]:
    """Path pattern -> its methods, in first-seen order (one route object per path in every framework)."""
    grouped: dict[str, list[str]] = {}
    for method, path in github_routes():
        grouped.setdefault(path, []).append(method)
    return grouped


def github_body(pattern: str) -> dict[str, str]:
    """What each GitHub route answers: the pattern it matched, so a wrong match is caught."""
    return {"route": pattern}


def concrete(pattern: str, salt: str = "") -> str:
    """A request path for ``pattern``: each ``{name}`` filled with a value that no literal segment uses."""
    parts = []
    for seg in pattern.split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            name = seg[1:-1].split(":")[0]
            parts.append(f"x{name}{salt}")
        else:
            parts.append(seg)
    return "/".join(parts)


# A ~1 KB JSON document for POST /echo (parsed and echoed back).
ECHO_PAYLOAD: dict[str, Any] = {
    "id": 1234567,
    "title": "A benchmark payload of about one kilobyte",
    "published": True,
    "score": 98.25,
    "tags": ["asgi", "python", "benchmark", "json", "router", "speed"],
    "author": {"id": 42, "login": "octocat", "name": "The Octocat", "site": "https://example.org/octocat"},
    "comments": [
        {"id": i, "user": f"user{i}", "body": f"Comment number {i} with a little text in it.", "likes": i * 3}
        for i in range(8)
    ],
    "meta": {"created": "2024-05-01T12:00:00Z", "updated": "2024-05-02T08:30:00Z", "views": 10234},
}

# A ~1 KB body for POST /items, validated into a nested typed model.
ITEM_PAYLOAD: dict[str, Any] = {
    "name": "Trail running shoe",
    "description": "A light shoe with a grippy sole for rocky trails and a breathable upper.",
    "price": 129.5,
    "tags": ["shoes", "running", "trail", "outdoor"],
    "owner": {"id": 7, "name": "Outdoor Store", "email": "sales@outdoor.example"},
    "dimensions": {"width": 11.5, "height": 12.0, "depth": 31.0},
    "variants": [
        {"sku": f"TRS-{size}-{color[:3].upper()}", "color": color, "size": str(size), "stock": size * 2, "price": 129.5}
        for size, color in [(40, "black"), (41, "black"), (42, "blue"), (43, "blue"), (44, "green"), (45, "green")]
    ],
}


def item_summary(name: str, owner_id: int, variant_stocks: list[int]) -> dict[str, Any]:
    """What POST /items answers once the model is validated."""
    return {"name": name, "owner": owner_id, "variants": len(variant_stocks), "stock": sum(variant_stocks)}


ITEM_EXPECTED = item_summary(
    ITEM_PAYLOAD["name"], ITEM_PAYLOAD["owner"]["id"], [v["stock"] for v in ITEM_PAYLOAD["variants"]]
)

NOT_FOUND = "not-found"  # marker: the expected 404 body is the framework's own (see each app's NOT_FOUND)


def problem_not_found(path: str) -> dict[str, Any]:
    """hornbeam's 404 for ``path`` (RFC 9457 problem details); the raw app answers the same."""
    return {"type": "about:blank", "title": "Not Found", "status": 404,
            "detail": f"no route matches {path}", "instance": path}


@dataclass
class Scenario:
    """One request shape; ``paths`` cycles (one path for the fixed scenarios)."""

    name: str
    method: str
    paths: list[str]
    expected: list[Any]  # per path: bytes (exact) or a JSON value (compared parsed), or NOT_FOUND
    status: int = 200
    query: bytes = b""
    body: bytes = b""
    content_type: bytes | None = None
    middleware: int = 0
    e2e: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _path_params(i: int) -> tuple[str, dict[str, Any]]:
    post = f"p{(i * 7919) % 100000}"
    return f"/users/{i + 1}/posts/{post}", {"user_id": i + 1, "post_id": post}


def scenarios() -> list[Scenario]:
    stargazers = "/repos/{owner}/{repo}/stargazers"
    varied_params = [_path_params(i) for i in range(VARIED_COUNT)]
    varied_github = [f"/repos/owner{i}/repo{(i * 31) % VARIED_COUNT}/stargazers" for i in range(VARIED_COUNT)]
    echo = json.dumps(ECHO_PAYLOAD).encode()
    item = json.dumps(ITEM_PAYLOAD).encode()
    out = [
        Scenario("plaintext", "GET", ["/plaintext"], [PLAINTEXT], e2e=True, description="GET /plaintext"),
        Scenario("json", "GET", ["/json"], [MESSAGE], e2e=True, description="GET /json"),
        Scenario(
            "path_params", "GET", ["/users/42/posts/abc"], [{"user_id": 42, "post_id": "abc"}], e2e=True,
            description="GET /users/{user_id:int}/posts/{post_id}",
        ),
        Scenario(
            "path_params_varied", "GET", [p for p, _ in varied_params], [e for _, e in varied_params],
            description=f"path params, {VARIED_COUNT} different paths in turn",
        ),
        Scenario(
            "query", "GET", ["/search"], [{"q": "abc", "page": 2, "tags": ["a", "b"]}],
            query=b"q=abc&page=2&tag=a&tag=b", e2e=True, description="GET /search?q=abc&page=2&tag=a&tag=b",
        ),
        Scenario(
            "post_json", "POST", ["/echo"], [ECHO_PAYLOAD], body=echo, content_type=b"application/json",
            description=f"POST /echo, {len(echo)} B JSON echoed",
        ),
        Scenario("not_found", "GET", ["/does/not/exist"], [NOT_FOUND], status=404, description="GET /does/not/exist"),
        Scenario(
            "github", "GET", ["/repos/octocat/hello-world/stargazers"], [github_body(stargazers)], e2e=True,
            description="GET /repos/{owner}/{repo}/stargazers",
        ),
        Scenario(
            "github_varied", "GET", varied_github, [github_body(stargazers)] * VARIED_COUNT,
            description=f"github, {VARIED_COUNT} different owner/repo in turn",
        ),
        Scenario(
            "validation", "POST", ["/items"], [ITEM_EXPECTED], body=item, content_type=b"application/json",
            description=f"POST /items, {len(item)} B into a nested typed model",
        ),
    ]
    for n in (0, 1, 5, 10):
        out.append(
            Scenario(f"middleware_{n}", "GET", ["/plaintext"], [PLAINTEXT], middleware=n,
                     description=f"GET /plaintext through {n} no-op middleware")
        )
    return out


def scenario_map() -> dict[str, Scenario]:
    return {s.name: s for s in scenarios()}


class NotAvailable(Exception):
    """A framework cannot serve a scenario honestly (e.g. a feature that has not landed)."""
