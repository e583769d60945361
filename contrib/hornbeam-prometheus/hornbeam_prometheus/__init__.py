"""Prometheus metrics for hornbeam apps, through prometheus-client.

Installed, the plugin loads by itself (entry point ``prometheus`` in group
``hornbeam``) and serves ``/metrics``:

- ``hornbeam_requests_total{method, route, status}`` and
  ``hornbeam_request_duration_seconds{method, route, status}`` (a histogram),
  labelled by route *template* (``/items/{item_id:int}``), never by the path
  asked for; every request no route matched counts under ``route="<unmatched>"``
  and unknown methods under ``method="OTHER"``, so the number of series stays bounded;
- ``hornbeam_requests_in_flight``;
- ``hornbeam_tasks_total{task, event}`` and ``hornbeam_task_duration_seconds{task, outcome}``
  for background tasks;
- prometheus-client's default registry (process metrics, your own metrics).

Settings: ``prometheus_path`` (``/metrics``), ``prometheus_expose`` (serve the
route; off to collect only), ``prometheus_buckets`` (latency histogram bounds in
seconds) and ``prometheus_namespace`` (``hornbeam``, the metric name prefix).

With several worker processes (``uvicorn --workers N``), set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before starting: every worker
writes its values there and ``/metrics`` (whichever worker answers) adds them up.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from time import perf_counter
from typing import Any

from prometheus_client import multiprocess

from hornbeam import App, ClientDisconnect, Request, Response, Setting, TaskInfo, hookimpl

from ._metrics import UNMATCHED, Key, LocalMetrics, Metrics, Series, SharedMetrics, make_metrics, multiprocess_dir

__all__ = [
    "Key",
    "LocalMetrics",
    "Metrics",
    "Series",
    "SETTINGS",
    "SharedMetrics",
    "UNMATCHED",
    "metrics_of",
    "hornbeam_settings",
    "hornbeam_configure",
    "hornbeam_request_started",
    "hornbeam_response_ready",
    "hornbeam_request_failed",
    "hornbeam_task_started",
    "hornbeam_task_succeeded",
    "hornbeam_task_retried",
    "hornbeam_task_failed",
    "hornbeam_task_cancelled",
    "hornbeam_task_abandoned",
    "hornbeam_shutdown",
]

DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

SETTINGS = (
    Setting("prometheus_path", str, "/metrics", "Path of the metrics route."),
    Setting("prometheus_expose", bool, True, "Serve the metrics route; off to only collect."),
    Setting("prometheus_buckets", tuple[float, ...], DEFAULT_BUCKETS, "Histogram bucket bounds, in seconds."),
    Setting("prometheus_namespace", str, "hornbeam", "Prefix of every metric name."),
)

_START = "hornbeam_prometheus.start"

_BY_APP: weakref.WeakKeyDictionary[App, Metrics] = weakref.WeakKeyDictionary()
# PERF: most processes serve one app; this skips the weak dictionary on every request.
_last: tuple[App | None, Metrics | None] = (None, None)


def metrics_of(app: App) -> Metrics:
    """The metrics of ``app`` (created when it started); KeyError before that."""
    global _last
    last_app, last_metrics = _last
    if app is last_app and last_metrics is not None:
        return last_metrics
    metrics = _BY_APP[app]
    _last = (app, metrics)
    return metrics


@hookimpl
def hornbeam_settings() -> tuple[Setting, ...]:
    return SETTINGS


@hookimpl
def hornbeam_configure(app: App) -> None:
    """Make the app's metrics, count requests in flight, and add the metrics route."""
    settings = app.settings
    metrics = make_metrics(settings["prometheus_namespace"], settings["prometheus_buckets"])
    _BY_APP[app] = metrics
    if not settings["prometheus_expose"]:
        return

    async def metrics_endpoint(request: Request[None, None]) -> Response:
        accept = request.headers.get("accept", "")
        if isinstance(metrics, LocalMetrics):
            # On the event loop, which is also what updates the counters: nothing changes while they are read.
            body, content_type = metrics.exposition(accept)
        else:
            # Gathering every worker's files reads the disk: off the event loop.
            body, content_type = await asyncio.to_thread(metrics.exposition, accept)
        return Response(body, headers={"content-type": content_type})

    app.add_route(
        settings["prometheus_path"], metrics_endpoint, ["GET"], name="prometheus.metrics",
        summary="Prometheus metrics", tags=["monitoring"], responses={200: str},
    )  # fmt: skip


@hookimpl
def hornbeam_request_started(request: Request[Any, Any]) -> None:
    app = request.app
    last = _last
    # PERF: the one-app case checked inline, without a call (these two hooks run per request).
    metrics = last[1] if last[0] is app else metrics_of(app)
    assert metrics is not None
    metrics.in_flight += 1
    # PERF: the metrics ride along with the start time, so the answer needs no second lookup.
    request.scope[_START] = (metrics, perf_counter())


@hookimpl
def hornbeam_response_ready(request: Request[Any, Any], response: Response) -> None:
    scope = request.scope
    metrics, started = scope[_START]
    seconds = perf_counter() - started
    metrics.in_flight -= 1
    route = request.route
    key = (scope["method"], route.path if route is not None else UNMATCHED, response.status)
    # PERF: the series looked up here, not in a method of the metrics: a frame fewer per request.
    series = metrics.requests.get(key)
    if series is None:
        series = metrics.series(key)
    series.observe(seconds)


@hookimpl
def hornbeam_request_failed(request: Request[Any, Any], exc: BaseException) -> None:
    # The one way a request ends without an answer: it is no longer in flight, and nothing is counted.
    if isinstance(exc, ClientDisconnect):
        metrics_of(request.app).in_flight -= 1


def _task(app: App, info: TaskInfo, event: str) -> None:
    metrics_of(app).task_event(info.name, event)


def _finished(app: App, info: TaskInfo, outcome: str) -> None:
    seconds = None
    if info.started_at is not None and info.finished_at is not None:
        seconds = info.finished_at - info.started_at
    metrics_of(app).task_event(info.name, outcome, seconds)


@hookimpl
def hornbeam_task_started(app: App, info: TaskInfo) -> None:
    _task(app, info, "started")


@hookimpl
def hornbeam_task_succeeded(app: App, info: TaskInfo) -> None:
    _finished(app, info, "succeeded")


@hookimpl
def hornbeam_task_retried(app: App, info: TaskInfo) -> None:
    _task(app, info, "retried")


@hookimpl
def hornbeam_task_failed(app: App, info: TaskInfo) -> None:
    _finished(app, info, "failed")


@hookimpl
def hornbeam_task_cancelled(app: App, info: TaskInfo) -> None:
    _task(app, info, "cancelled")


@hookimpl
def hornbeam_task_abandoned(app: App, info: TaskInfo) -> None:
    _task(app, info, "abandoned")


@hookimpl
def hornbeam_shutdown(app: App) -> None:
    """In multiprocess mode, drop this worker's live gauges (its requests in flight) from the totals."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated upstream

