"""The load generator: wrk in its own process, 2 threads, keep-alive, bounded by -d."""

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import Config, CpuWindow, Quiet, pinned

SCRIPT = Path(__file__).with_name("load.lua")
EACH = Path(__file__).with_name("each.lua")  # each line's command once


@dataclass(frozen=True)
class Round:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int  # non-2xx answers, socket errors and timeouts
    server_cpu_us_per_req: float
    other_procs_cpu_pct: float  # CPU of processes not ours, % of one core
    machine_busy_pct: float  # all CPUs, % of one core (200 = both cores busy)
    steal_pct: float

    def json(self) -> dict[str, Any]:
        return asdict(self)


def wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench: wrk is needed for the HTTP measurements: apt-get install -y wrk")
    return found


def load(
    url: str,
    args: Sequence[str],
    *,
    duration: float,
    connections: int,
    servers: Sequence[int] = (),
    cpus: str | None = None,
    script: Path = SCRIPT,
) -> Round:
    """One bounded run of wrk against `url` (see load.lua, or `script`, for `args`)."""
    cmd = pinned(
        [
            wrk(),
            "-t2",
            f"-c{connections}",
            f"-d{duration:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            "--",
            *args,
        ],
        cpus,
    )
    window = CpuWindow(servers)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    cpu = window.close()
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-1000:]} {done.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    requests = int(raw["requests"])
    errors = sum(int(raw[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return Round(
        rps=requests / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        requests=requests,
        errors=errors,
        server_cpu_us_per_req=1e6 * cpu["server_cpu_s"] / max(requests, 1),
        other_procs_cpu_pct=cpu["other_procs_cpu_pct"],
        machine_busy_pct=cpu["machine_busy_pct"],
        steal_pct=cpu["steal_pct"],
    )


def alternate(
    cfg: Config,
    quiet: Quiet,
    servers: Mapping[str, tuple[str, Sequence[int]]],
    args: Sequence[str],
) -> dict[str, list[Round]]:
    """The same load on each of `servers` (name: URL and the PIDs whose CPU counts): a
    warm-up each, then `cfg.rounds` rounds taking turns, each after waiting for quiet."""
    for url, pids in servers.values():
        load(url, args, duration=cfg.warmup, connections=cfg.connections, servers=pids)
    rounds: dict[str, list[Round]] = {name: [] for name in servers}
    for _ in range(cfg.rounds):
        for name, (url, pids) in servers.items():
            quiet.wait()
            found = load(
                url, args, duration=cfg.duration, connections=cfg.connections, servers=pids
            )
            rounds[name].append(found)
    return rounds
