"""``make loadtest``: wrk against the sample under uvicorn on loopback; every status checked, memory watched.

Two bounded phases (``--duration`` seconds each, ``--connections`` connections):
valid requests only, then valid and bad requests alternating. ``--soak SECONDS``
instead runs the mixed load that long. uvicorn's resident memory (RSS) is
sampled every ``--sample-every`` seconds throughout. The run fails (exit 1) on
any status other than the intended one, any socket error, or a server that
stops answering; RSS growth is reported, not judged, since it depends on the
allocator and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("requests.lua")


@dataclass
class Phase:
    name: str
    seconds: int
    result: dict[str, object] = field(default_factory=dict)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def socket_errors(self) -> int:
        errors = self.result.get("socket_errors", {})
        assert isinstance(errors, dict)
        return sum(int(v) for v in errors.values())

    @property
    def unexpected(self) -> int:
        return int(str(self.result.get("unexpected", 0)))


def parse_wrk(output: str) -> dict[str, object]:
    """The ``LOADTEST {json}`` line that requests.lua's ``done`` prints."""
    for line in output.splitlines():
        if line.startswith("LOADTEST "):
            result: dict[str, object] = json.loads(line[len("LOADTEST ") :])
            return result
    raise RuntimeError(f"wrk printed no LOADTEST line:\n{output}")


def growth(samples: list[int]) -> tuple[int, float]:
    """RSS growth from the first sample to the last, in KiB and percent."""
    if len(samples) < 2:
        return 0, 0.0
    change = samples[-1] - samples[0]
    return change, 100.0 * change / samples[0]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("uvicorn did not start within 30 s")


def seed(url: str) -> None:
    """Item 1, which the load reads, replaces and patches."""
    body = json.dumps({"name": "lamp", "price": 12.5, "tags": ["load"]}).encode()
    request = urllib.request.Request(f"{url}/items", body, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201 and json.load(response)["id"] == 1


def run_phase(phase: Phase, url: str, pid: int, args: argparse.Namespace) -> None:
    mode = "valid" if phase.name == "valid" else "mixed"
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{phase.seconds}s", "--timeout", "10s",
        "-s", str(SCRIPT), url, "--", mode,
    ]  # fmt: skip
    stop = threading.Event()

    def sample() -> None:
        phase.rss_kib.append(rss_kib(pid))
        while not stop.wait(args.sample_every):
            phase.rss_kib.append(rss_kib(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=phase.seconds + 120)
    finally:
        stop.set()
        sampler.join()
    phase.rss_kib.append(rss_kib(pid))
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    phase.result = parse_wrk(done.stdout)


def report(phases: list[Phase], http: str) -> list[str]:
    lines = [f"sample:app under uvicorn (--http {http}) on 127.0.0.1"]
    for phase in phases:
        result = phase.result
        seconds = int(str(result["duration_us"])) / 1e6
        latency = result["latency_us"]
        assert isinstance(latency, dict)
        change, percent = growth(phase.rss_kib)
        lines += [
            f"{phase.name}: {result['requests']} requests in {seconds:.1f} s "
            f"({int(str(result['requests'])) / seconds:.0f}/s), latency p50 {latency['p50'] / 1000:.1f} ms, "
            f"p99 {latency['p99'] / 1000:.1f} ms, max {latency['max'] / 1000:.1f} ms",
            f"  statuses {json.dumps(result['statuses'], sort_keys=True)}",
            f"  unintended statuses {phase.unexpected} {json.dumps(result['mismatches'], sort_keys=True)}",
            f"  socket errors {phase.socket_errors} {json.dumps(result['socket_errors'])}",
            f"  RSS {phase.rss_kib[0] / 1024:.1f} -> {phase.rss_kib[-1] / 1024:.1f} MiB "
            f"({change / 1024:+.1f} MiB, {percent:+.1f}%), peak {max(phase.rss_kib) / 1024:.1f} MiB, "
            f"{len(phase.rss_kib)} samples",
        ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per phase (default 30)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--soak", type=int, default=0, help="run the mixed load this many seconds instead")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--http", default="httptools", choices=["h11", "httptools"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not found: install it with 'apt-get install -y wrk' (make loadtest does, as root)", file=sys.stderr)
        return 2
    phases = [Phase("soak (mixed)", args.soak)] if args.soak else [Phase("valid", args.duration), Phase("mixed", args.duration)]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "sample:app", "--host", "127.0.0.1", "--port", str(port),
         "--http", args.http, "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        wait_until_serving(url, server)
        seed(url)
        for phase in phases:
            run_phase(phase, url, server.pid, args)
        wait_until_serving(url, server)  # still answering after the load
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(30)
    print("\n".join(report(phases, args.http)))
    failed = [p.name for p in phases if p.unexpected or p.socket_errors]
    if failed:
        print(f"FAILED: unintended statuses or socket errors in {', '.join(failed)}")
        return 1
    print("OK: every status as intended, no socket errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
