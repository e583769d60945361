"""The metrics of one app, and their exposition through prometheus-client.

Two recorders with one interface:

- ``LocalMetrics`` (one process): plain counters kept by the event loop and
  turned into prometheus-client metric families when scraped. prometheus-client's
  own metric objects take a lock on every update (about 4.5 us a request for a
  counter, a histogram and a gauge); these cost a few dictionary operations.
- ``SharedMetrics`` (``PROMETHEUS_MULTIPROC_DIR`` set): prometheus-client's
  metric objects, whose values live in per-process files that the exposition
  adds up across workers.

Each app gets metrics of its own, so several apps in one process (tests,
mounted sub-apps) never collide over names.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["Key", "Metrics", "LocalMetrics", "Series", "SharedMetrics", "UNMATCHED", "make_metrics", "multiprocess_dir"]

UNMATCHED = "<unmatched>"
"""The ``route`` label of requests no route matched (404s, 405s): one label, whatever the path."""

# Methods a client may send are unbounded; any other is counted as "OTHER" to keep cardinality bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

_REQUESTS_DOC = "HTTP requests answered, by method, route template and status."
_LATENCY_DOC = "Seconds from a request's arrival to its answer being ready."
_IN_FLIGHT_DOC = "HTTP requests being answered right now."
_TASKS_DOC = "Background task events: started, succeeded, retried, failed, cancelled, abandoned."
_TASK_DURATION_DOC = "Seconds of a background task's last attempt, by outcome."


def multiprocess_dir() -> str | None:
    """The folder prometheus-client's multiprocess mode writes to, or None when it is off."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


Key = tuple[str, str, int]
"""A request series: method, route template, status."""


class Series:
    """One request series (method, route template, status): a count and a latency histogram."""

    __slots__ = ()

    def observe(self, seconds: float) -> None:
        """Count one answer that took ``seconds``."""
        raise NotImplementedError


class Metrics(Collector):
    """What the plugin records, whichever recorder keeps it.

    The plugin's observers touch two things per request: ``in_flight`` (an int)
    and the ``requests`` dictionary of series; ``series`` makes a missing one.
    """

    in_flight: int
    requests: dict[Key, Series]

    def series(self, key: Key) -> Series:
        """The series of ``key`` (an unknown method counts as ``OTHER``), made on first use."""
        method, route, status = key
        if method not in METHODS:
            # Not kept under the method asked for: clients choose methods, and memory stays bounded.
            key = ("OTHER", route, status)
        series = self.requests.get(key)
        if series is None:
            series = self.requests[key] = self._new_series(key)
        return series

    def _new_series(self, key: Key) -> Series:
        raise NotImplementedError

    def task_event(self, task: str, event: str, seconds: float | None = None) -> None:
        """Count ``event`` of ``task``; a duration goes to the task histogram (finished tasks)."""
        raise NotImplementedError

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics in the format the ``Accept`` header asks for (Prometheus text by default), and its type."""
        raise NotImplementedError


class _Histogram(Series):
    """Sum and non-cumulative bucket counts (the last one is +Inf) of one series, in this process.

    The count is the buckets' total, added up when scraped rather than kept per request.
    """

    __slots__ = ("sum", "buckets", "bounds", "first")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.sum = 0.0
        self.buckets = [0] * (len(bounds) + 1)
        self.bounds = bounds
        self.first = bounds[0] if bounds else float("inf")

    def observe(self, seconds: float) -> None:
        self.sum += seconds
        # PERF: most answers fall in the first bucket, which needs no search.
        self.buckets[0 if seconds <= self.first else bisect_left(self.bounds, seconds)] += 1

    @property
    def count(self) -> int:
        return sum(self.buckets)


class LocalMetrics(Metrics):
    """Plain counters for one process, turned into metric families when scraped (on the event loop)."""

    def __init__(self, namespace: str, buckets: Sequence[float]) -> None:
        self.namespace = namespace
        self.bounds = tuple(sorted(float(b) for b in buckets))
        self.labels = (*(repr(b) for b in self.bounds), "+Inf")  # the "le" labels, as prometheus-client writes them
        self.requests: dict[Key, Series] = {}
        self.tasks: dict[tuple[str, str], int] = {}
        self.task_durations: dict[tuple[str, str], _Histogram] = {}
        self.in_flight = 0
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(self)
        self.registry.register(_Default())

    def _new_series(self, key: Key) -> Series:
        return _Histogram(self.bounds)

    def task_event(self, task: str, event: str, seconds: float | None = None) -> None:
        self.tasks[(task, event)] = self.tasks.get((task, event), 0) + 1
        if seconds is not None:
            series = self.task_durations.get((task, event))
            if series is None:
                series = self.task_durations[(task, event)] = _Histogram(self.bounds)
            series.observe(seconds)

    def collect(self) -> Iterable[Metric]:
        ns = self.namespace
        requests = CounterMetricFamily(f"{ns}_requests", _REQUESTS_DOC, labels=["method", "route", "status"])
        latency = HistogramMetricFamily(f"{ns}_request_duration_seconds", _LATENCY_DOC, labels=["method", "route", "status"])
        for (method, route, status), series in list(self.requests.items()):
            assert isinstance(series, _Histogram)
            labels = [method, route, str(status)]
            requests.add_metric(labels, series.count)
            latency.add_metric(labels, self._buckets(series), series.sum)
        yield requests
        yield latency
        yield GaugeMetricFamily(f"{ns}_requests_in_flight", _IN_FLIGHT_DOC, value=self.in_flight)
        tasks = CounterMetricFamily(f"{ns}_tasks", _TASKS_DOC, labels=["task", "event"])
        for (task, event), count in list(self.tasks.items()):
            tasks.add_metric([task, event], count)
        yield tasks
        durations = HistogramMetricFamily(f"{ns}_task_duration_seconds", _TASK_DURATION_DOC, labels=["task", "outcome"])
        for (task, outcome), series in list(self.task_durations.items()):
            durations.add_metric([task, outcome], self._buckets(series), series.sum)
        yield durations

    def _buckets(self, series: _Histogram) -> list[tuple[str, float]]:
        cumulative, running = [], 0
        for bound, count in zip(self.labels, series.buckets):
            running += count
            cumulative.append((bound, float(running)))
        return cumulative

    def exposition(self, accept: str) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _Default(Collector):
    """prometheus-client's default registry (process metrics, the app's own metrics), served beside ours."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _SharedSeries(Series):
    """One series as prometheus-client's labelled children, whose values live in this worker's files."""

    __slots__ = ("counter", "histogram")

    def __init__(self, counter: Counter, histogram: Histogram) -> None:
        self.counter = counter
        self.histogram = histogram

    def observe(self, seconds: float) -> None:
        self.counter.inc()
        self.histogram.observe(seconds)


class SharedMetrics(Metrics):
    """prometheus-client's metric objects, whose values its multiprocess mode keeps in files."""

    def __init__(self, namespace: str, buckets: Sequence[float]) -> None:
        registry = CollectorRegistry()  # never exposed: the exposition reads the files
        self.counter = Counter("requests", _REQUESTS_DOC, ["method", "route", "status"], namespace=namespace, registry=registry)
        self.latency = Histogram(
            "request_duration_seconds", _LATENCY_DOC, ["method", "route", "status"],
            namespace=namespace, buckets=buckets, registry=registry,
        )  # fmt: skip
        self.gauge = Gauge("requests_in_flight", _IN_FLIGHT_DOC, namespace=namespace, registry=registry, multiprocess_mode="livesum")
        self.tasks = Counter("tasks", _TASKS_DOC, ["task", "event"], namespace=namespace, registry=registry)
        self.task_durations = Histogram(
            "task_duration_seconds", _TASK_DURATION_DOC, ["task", "outcome"],
            namespace=namespace, buckets=buckets, registry=registry,
        )  # fmt: skip
        self.requests: dict[Key, Series] = {}
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @in_flight.setter
    def in_flight(self, value: int) -> None:
        # This worker's share of the gauge, in its file: the exposition adds up the live workers'.
        self._in_flight = value
        self.gauge.set(value)

    def _new_series(self, key: Key) -> Series:
        method, route, status = key
        labels = (method, route, str(status))
        return _SharedSeries(self.counter.labels(*labels), self.latency.labels(*labels))

    def task_event(self, task: str, event: str, seconds: float | None = None) -> None:
        self.tasks.labels(task, event).inc()
        if seconds is not None:
            self.task_durations.labels(task, event).observe(seconds)

    def collect(self) -> Iterable[Metric]:
        return ()

    def exposition(self, accept: str) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept)
        gathered = CollectorRegistry()
        multiprocess.MultiProcessCollector(gathered)  # type: ignore[no-untyped-call]  # unannotated upstream
        return encoder(gathered), content_type


def make_metrics(namespace: str, buckets: Sequence[float]) -> Metrics:
    """``SharedMetrics`` under prometheus-client's multiprocess mode, else ``LocalMetrics``."""
    if multiprocess_dir() is not None:
        return SharedMetrics(namespace, buckets)
    return LocalMetrics(namespace, buckets)
