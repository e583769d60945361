"""The metrics of one app, made with prometheus-client, and the exposition of them.

Each app gets a registry of its own, so several apps in one process (tests,
mounted sub-apps) never collide over metric names. Under
``PROMETHEUS_MULTIPROC_DIR`` prometheus-client keeps every value in per-process
files instead, and the exposition reads them all back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = ["Metrics", "UNMATCHED", "multiprocess_dir"]

UNMATCHED = "<unmatched>"
"""The ``route`` label of requests no route matched (404s, 405s): one label, whatever the path."""

# Methods a client may send are unbounded; any other is counted as "OTHER" to keep cardinality bounded.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def multiprocess_dir() -> str | None:
    """The folder prometheus-client's multiprocess mode writes to, or None when it is off."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Default(Collector):
    """prometheus-client's default registry (process metrics, the app's own metrics), served beside ours."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class Metrics:
    """Request, latency, in-flight and task metrics of one app, labelled with bounded values only."""

    def __init__(self, namespace: str, buckets: Sequence[float]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "requests", "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"], namespace=namespace, registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "request_duration_seconds", "Seconds from a request's arrival to its answer being ready.",
            ["method", "route", "status"], namespace=namespace, buckets=buckets, registry=self.registry,
        )  # fmt: skip
        self.in_flight = Gauge(
            "requests_in_flight", "HTTP requests being answered right now.",
            namespace=namespace, registry=self.registry, multiprocess_mode="livesum",
        )  # fmt: skip
        self.tasks = Counter(
            "tasks", "Background task events: started, succeeded, retried, failed, cancelled, abandoned.",
            ["task", "event"], namespace=namespace, registry=self.registry,
        )  # fmt: skip
        self.task_duration = Histogram(
            "task_duration_seconds", "Seconds of a background task's last attempt, by outcome.",
            ["task", "outcome"], namespace=namespace, buckets=buckets, registry=self.registry,
        )  # fmt: skip
        # PERF: the labelled children, looked up once per (method, route, status) instead of per request.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        if multiprocess_dir() is None:
            self.registry.register(_Default())

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answer and its latency."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._labelled(method, route, status)
        children[0].inc()
        children[1].observe(seconds)

    def _labelled(self, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
        if method not in _METHODS:
            method = "OTHER"
        labels = (method, route, str(status))
        return self.requests.labels(*labels), self.latency.labels(*labels)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics in the format the ``Accept`` header asks for (Prometheus text by default), and its type."""
        encoder, content_type = choose_encoder(accept)
        if multiprocess_dir() is None:
            return encoder(self.registry), content_type
        # Every worker's files, gathered by prometheus-client; per-process metrics make no sense here.
        gathered = CollectorRegistry()
        multiprocess.MultiProcessCollector(gathered)  # type: ignore[no-untyped-call]  # unannotated upstream
        return encoder(gathered), content_type
