"""hornbeam-prometheus, installed: found by its entry point, counting what apps answer and their tasks.

Run after ``pip install`` of the package (hornbeam's ``make test`` does it in a
folder of its own, so nothing else there ever loads this plugin).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hornbeam import App, Request
from hornbeam.testing import AsyncTestClient, TestClient

import hornbeam_prometheus
from hornbeam_prometheus import LocalMetrics


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def items_app(**settings: Any) -> App:
    app = App(settings=settings)

    @app.get("/items/{item_id:int}")
    async def get_item(request: Request[None, None], item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.post("/boom")
    async def boom(request: Request[None, None]) -> None:
        raise RuntimeError("boom")

    return app


def test_it_loads_through_its_entry_point() -> None:
    # The installed distribution, not a source tree, provides the entry point.
    (point,) = [ep for ep in entry_points(group="hornbeam") if ep.name == "prometheus"]
    assert point.dist is not None and point.dist.name == "hornbeam-prometheus"
    assert point.load() is hornbeam_prometheus
    app = items_app()
    app.freeze()
    info = next(p for p in app.plugins.plugins() if p.name == "prometheus")
    assert (info.status, info.distribution, info.builtin) == ("loaded", "hornbeam-prometheus", False)
    assert app.settings["prometheus_path"] == "/metrics"


def test_requests_are_counted_by_route_template_with_bounded_labels() -> None:
    with TestClient(items_app()) as client:
        for item_id in range(5):
            assert client.get(f"/items/{item_id}").status_code == 200
        for path in ("/nowhere", "/items/abc", "/a/b/c"):
            assert client.get(path).status_code == 404
        assert client.request("BREW", "/items/1").status_code == 405
        assert client.post("/boom").status_code == 500
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert value(text, "hornbeam_requests_total", method="GET", route="/items/{item_id:int}", status="200") == 5
    assert value(text, "hornbeam_requests_total", method="GET", route="<unmatched>", status="404") == 3
    assert value(text, "hornbeam_requests_total", method="OTHER", route="<unmatched>", status="405") == 1
    assert value(text, "hornbeam_requests_total", method="POST", route="/boom", status="500") == 1
    routes = {dict(labels)["route"] for (name, labels) in samples(text) if name == "hornbeam_requests_total"}
    assert routes == {"/items/{item_id:int}", "<unmatched>", "/boom"}
    count = value(text, "hornbeam_request_duration_seconds_count", method="GET", route="/items/{item_id:int}", status="200")
    assert count == 5
    top = value(text, "hornbeam_request_duration_seconds_bucket", method="GET", route="/items/{item_id:int}", status="200", le="+Inf")
    assert top == 5
    # The default registry comes along: process metrics, and the app's own.
    assert any(name.startswith("process_") or name.startswith("python_") for name, _ in samples(text))


def test_requests_in_flight_include_the_scrape_and_come_back_down() -> None:
    app = App()
    release = asyncio.Event()

    @app.get("/slow")
    async def slow(request: Request[None, None]) -> str:
        await release.wait()
        return "done"

    async def main() -> tuple[str, str]:
        async with AsyncTestClient(app) as client:
            pending = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.01)
            during = (await client.get("/metrics")).text
            release.set()
            assert (await pending).text == "done"
            after = (await client.get("/metrics")).text
        return during, after

    during, after = asyncio.run(main())
    assert value(during, "hornbeam_requests_in_flight") == 2
    assert value(after, "hornbeam_requests_in_flight") == 1


def test_a_client_that_hangs_up_mid_body_does_not_stay_in_flight() -> None:
    app = App()

    @app.post("/upload")
    async def upload(request: Request[None, None]) -> int:
        return len(await request.body())

    async def main() -> str:
        async with AsyncTestClient(app) as client:
            scope = {"type": "http", "method": "POST", "path": "/upload", "raw_path": b"/upload", "query_string": b"",
                     "headers": [(b"content-length", b"10")], "asgi": {"version": "3.0"}}  # fmt: skip
            messages = iter([{"type": "http.request", "body": b"abc", "more_body": True}, {"type": "http.disconnect"}])

            async def receive() -> dict[str, Any]:
                return next(messages)

            async def send(message: dict[str, Any]) -> None:
                raise AssertionError("nothing is sent to a client that left")

            await app(scope, receive, send)
            return (await client.get("/metrics")).text

    assert value(asyncio.run(main()), "hornbeam_requests_in_flight") == 1


def test_task_events_are_counted() -> None:
    app = App(settings={"tasks_max_attempts": 2, "tasks_backoff": 0.01})
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("first attempt fails")
        return "ok"

    async def broken() -> None:
        raise ValueError("never works")

    async def main() -> str:
        async with AsyncTestClient(app) as client:
            assert await (await app.tasks.enqueue(flaky)) == "ok"
            handle = await app.tasks.enqueue(broken)
            with pytest.raises(Exception, match="failed"):
                await handle
            return (await client.get("/metrics")).text

    text = asyncio.run(main())
    flaky_name = next(dict(labels)["task"] for (name, labels) in samples(text) if name == "hornbeam_tasks_total" and "flaky" in dict(labels)["task"])
    broken_name = flaky_name.replace("flaky", "broken")
    assert value(text, "hornbeam_tasks_total", task=flaky_name, event="started") == 2
    assert value(text, "hornbeam_tasks_total", task=flaky_name, event="retried") == 1
    assert value(text, "hornbeam_tasks_total", task=flaky_name, event="succeeded") == 1
    assert value(text, "hornbeam_tasks_total", task=broken_name, event="failed") == 1
    assert value(text, "hornbeam_task_duration_seconds_count", task=flaky_name, outcome="succeeded") == 1


def test_settings_move_hide_and_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORNBEAM_PROMETHEUS_PATH", "/internal/metrics")
    with TestClient(items_app(prometheus_namespace="shop", prometheus_buckets=[0.5, 1])) as client:
        client.get("/items/1")
        assert client.get("/metrics").status_code == 404
        text = client.get("/internal/metrics").text
    assert value(text, "shop_requests_total", method="GET", route="/items/{item_id:int}", status="200") == 1
    buckets = {dict(labels)["le"] for (name, labels) in samples(text) if name == "shop_request_duration_seconds_bucket"}
    assert buckets == {"0.5", "1.0", "+Inf"}
    with TestClient(items_app(prometheus_expose=False)) as client:
        assert client.get("/metrics").status_code == 404


def test_openmetrics_is_served_to_whoever_asks_for_it() -> None:
    with TestClient(items_app()) as client:
        response = client.get("/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_two_apps_in_one_process_count_apart_and_the_default_registry_is_served() -> None:
    mine = Counter("hornbeam_prometheus_test_widgets", "Widgets made by the app itself.")
    try:
        mine.inc(3)
        with TestClient(items_app()) as one, TestClient(items_app()) as two:
            one.get("/items/1")
            one.get("/items/2")
            two.get("/items/3")
            first, second = one.get("/metrics").text, two.get("/metrics").text
    finally:
        REGISTRY.unregister(mine)
    labels = {"method": "GET", "route": "/items/{item_id:int}", "status": "200"}
    assert (value(first, "hornbeam_requests_total", **labels), value(second, "hornbeam_requests_total", **labels)) == (2, 1)
    assert value(first, "hornbeam_prometheus_test_widgets_total") == 3


# Several worker processes: uvicorn --workers 2 with prometheus-client's multiprocess mode ---------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[str]:
    """uvicorn serving a small app with two workers, stopped by its process id."""
    (tmp_path / "served.py").write_text(textwrap.dedent(
        """
        from hornbeam import App, Request

        app = App()

        @app.get("/items/{item_id:int}")
        async def get_item(request: Request[None, None], item_id: int) -> dict[str, int]:
            return {"id": item_id}
        """
    ))  # fmt: skip
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log = (tmp_path / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "served:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/items/0", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "uvicorn.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_multiprocess_mode_adds_up_every_worker(workers: str) -> None:
    for item_id in range(1, 31):
        # A new connection each time, so both workers get some of them.
        assert httpx.get(f"{workers}/items/{item_id}", timeout=5).status_code == 200
    text = httpx.get(f"{workers}/metrics", timeout=5).text
    labels = {"method": "GET", "route": "/items/{item_id:int}", "status": "200"}
    assert value(text, "hornbeam_requests_total", **labels) == 31  # the readiness probe included
    assert value(text, "hornbeam_request_duration_seconds_count", **labels) == 31
    assert not any(name.startswith("process_") for name, _ in samples(text))


BOUNDS = (0.001, 0.01, 0.1, 1.0)


@given(st.lists(st.one_of(st.sampled_from(BOUNDS), st.floats(0, 2, allow_nan=False)), max_size=40))
def test_latency_buckets_match_prometheus_clients_own_histogram(latencies: list[float]) -> None:
    # The reference: prometheus-client's Histogram, fed the same values (bounds included, where "le" matters).
    reference = CollectorRegistry()
    histogram = Histogram("hornbeam_request_duration_seconds", "", ["method", "route", "status"], buckets=BOUNDS, registry=reference)
    metrics = LocalMetrics("hornbeam", BOUNDS)
    key = ("GET", "/items/{item_id:int}", 200)
    for seconds in latencies:
        histogram.labels(*map(str, key)).observe(seconds)
        metrics.series(key).observe(seconds)
    ours, theirs = samples(generate_latest(metrics.registry).decode()), samples(generate_latest(reference).decode())
    for (name, labels), expected in theirs.items():
        if name.endswith(("_bucket", "_count")):
            assert ours[(name, labels)] == expected, (name, labels)
        elif name.endswith("_sum"):
            assert ours[(name, labels)] == pytest.approx(expected)


def test_methods_a_client_makes_up_share_one_series() -> None:
    metrics = LocalMetrics("hornbeam", BOUNDS)
    for method in ("BREW", "FOO", "x" * 100):
        metrics.series((method, "<unmatched>", 405)).observe(0.0)
    assert list(metrics.requests) == [("OTHER", "<unmatched>", 405)]
    assert metrics.series(("GET", "/", 200)) is metrics.requests[("GET", "/", 200)]
