"""End to end: each app under uvicorn (uvloop, httptools) pinned to one core, wrk pinned to the other.

All servers run at once and the wrk runs alternate between them, scenario by scenario.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

import orjson

from bench.apps import load
from bench.common import ROOT, NOT_FOUND, Scenario

WRK_MISSING = "wrk is not installed: `apt-get update && apt-get install -y wrk` (Debian), then rerun; end-to-end runs skipped"


def _cores() -> tuple[list[str], list[str], str]:
    """taskset prefixes for the server and the load generator, and a note on the pinning."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return [], [], "not pinned (needs taskset and 2 cores)"
    return ["taskset", "-c", "0"], ["taskset", "-c", "1"], "server on core 0, wrk on core 1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("uvicorn did not start in time")


def _check(port: int, scenario: Scenario, not_found: Any) -> None:
    path = scenario.paths[0] + (f"?{scenario.query.decode()}" if scenario.query else "")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    expected = scenario.expected[0]
    if expected == NOT_FOUND:
        expected = not_found
    ok = status == scenario.status and (
        body == expected if isinstance(expected, bytes) else orjson.loads(body) == expected
    )
    if not ok:
        raise RuntimeError(f"{path}: got {status} {body[:200]!r}, expected {scenario.status} {expected!r}")


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(prefix: list[str], url: str, duration: float, connections: int) -> dict[str, Any]:
    cmd = [*prefix, "wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = _RPS.search(out)
    p99 = _P99.search(out)
    if rps is None or p99 is None:
        raise RuntimeError(f"cannot read wrk's output: {out[-800:]}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result = {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * _UNIT[p99.group(2)]}
    if bad:
        result["non_2xx"] = int(bad.group(1))
    if errors:
        result["socket_errors"] = errors.group(1).strip()
    return result


def _start(framework: str, prefix: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    cmd = [*prefix, sys.executable, "-m", "uvicorn", f"bench.apps.{framework}:app", "--port", str(port),
           "--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning", "--workers", "1"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_e2e(
    frameworks: Sequence[str], scenarios: Sequence[Scenario], reps: int, duration: float,
    connections: int = 64, log: Any = print,
) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        log(f"  {WRK_MISSING}")
        return {"available": False, "note": WRK_MISSING}
    server_cpu, client_cpu, pinning = _cores()
    log(f"  e2e: uvicorn --loop uvloop --http httptools, 1 worker; wrk -t1 -c{connections} -d{duration}s; {pinning}")
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {s.name: {f: [] for f in frameworks} for s in scenarios}
    invalid: dict[str, str] = {}
    # Every server runs for the whole measurement (an idle one costs nothing) so that the
    # runs can alternate between frameworks: drift on a shared machine then hits all alike.
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for framework in frameworks:
            servers[framework] = _start(framework, server_cpu)
        for framework, (proc, port) in servers.items():
            try:
                _wait(port, proc)
                not_found = getattr(load(framework), "NOT_FOUND", None)
                for scenario in scenarios:
                    _check(port, scenario, not_found)
                _wrk(client_cpu, f"http://127.0.0.1:{port}/plaintext", 1, connections)  # warm-up
            except Exception as exc:
                invalid[framework] = str(exc)
                log(f"!!! INVALID e2e / {framework}: {exc}")
        for rep in range(reps):
            order = list(frameworks)[rep % len(frameworks):] + list(frameworks)[: rep % len(frameworks)]
            for scenario in scenarios:
                path = scenario.paths[0] + (f"?{scenario.query.decode()}" if scenario.query else "")
                for framework in order:
                    if framework in invalid:
                        continue
                    try:
                        result = _wrk(client_cpu, f"http://127.0.0.1:{servers[framework][1]}{path}", duration, connections)
                        if result.get("non_2xx"):
                            raise RuntimeError(f"{path}: {result['non_2xx']} non-2xx responses under load")
                        samples[scenario.name][framework].append(result)
                    except Exception as exc:
                        invalid[framework] = str(exc)
                        log(f"!!! INVALID e2e / {framework}: {exc}")
    finally:
        for proc, _ in servers.values():
            _stop(proc)
    out: dict[str, Any] = {"available": True, "pinning": pinning, "connections": connections, "duration": duration,
                           "reps": reps, "scenarios": {}}
    for scenario in scenarios:
        results: dict[str, Any] = {}
        for framework in frameworks:
            values = samples[scenario.name][framework]
            if framework in invalid:
                results[framework] = {"invalid": invalid[framework]}
            elif values:
                results[framework] = {
                    "rps": statistics.median(v["rps"] for v in values),
                    "p99_ms": statistics.median(v["p99_ms"] for v in values),
                    "samples": [round(v["rps"]) for v in values],
                }
        out["scenarios"][scenario.name] = {"description": scenario.description, "results": results}
        log(f"  e2e {scenario.name:<14} " + " | ".join(
            f"{f} {r['rps']:,.0f}/s p99 {r['p99_ms']:.2f} ms" if "rps" in r else f"{f} INVALID"
            for f, r in results.items()))
    return out
