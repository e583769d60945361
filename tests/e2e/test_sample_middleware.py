"""The sample's middleware under a real uvicorn: CORS from the dev front end, request ids, timing, no-store on /items."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.e2e

FRONT_END = "http://localhost:3000"


def test_cors_preflight_from_the_front_end(client: httpx.Client) -> None:
    response = client.options(
        "/items",
        headers={
            "origin": FRONT_END,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == FRONT_END
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["vary"] == "Origin"
    assert int(response.headers["access-control-max-age"]) > 0


def test_cors_preflight_from_another_origin_is_refused(client: httpx.Client) -> None:
    response = client.options(
        "/items", headers={"origin": "http://evil.example", "access-control-request-method": "DELETE"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in response.headers
    # Raised inside the CORS middleware, answered for the outer ones (response_or_error).
    assert response.headers["x-request-id"]
    assert response.headers["server-timing"].startswith("app;dur=")


def test_cors_simple_request_exposes_location(client: httpx.Client) -> None:
    created = client.post("/items", json={"name": "cup", "price": 3}, headers={"origin": FRONT_END})
    assert created.status_code == 201
    assert created.headers["access-control-allow-origin"] == FRONT_END
    assert "Location" in created.headers["access-control-expose-headers"]


def test_request_id_is_echoed_or_generated(client: httpx.Client) -> None:
    echoed = client.get("/health", headers={"x-request-id": "e2e-42"})
    assert echoed.headers["x-request-id"] == "e2e-42"
    generated = client.get("/health", headers={"x-request-id": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    missing = client.get("/no/such/path")
    assert missing.status_code == 404 and missing.headers["x-request-id"]


def test_server_timing_is_present(client: httpx.Client) -> None:
    for path in ("/", "/health", "/items"):
        assert re.fullmatch(r"app;dur=\d+\.\d+", client.get(path).headers["server-timing"])


def test_cache_control_only_on_the_items_group(client: httpx.Client) -> None:
    assert client.get("/items").headers["cache-control"] == "no-store"
    created = client.post("/items", json={"name": "pen", "price": 1})
    assert created.headers["cache-control"] == "no-store"
    assert client.get(created.headers["location"]).headers["cache-control"] == "no-store"
    assert client.get("/items/999999").headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/health").headers
    assert "cache-control" not in client.get("/").headers
