"""8. Slow clients (optional, BENCH_SECTIONS=slow): verification req/s while
BENCH_SLOW_CLIENTS (1,000) slow connections are held open, against the same server's req/s
without them, interleaved round by round. Goal ≥ 0.5.

The slow clients (`bench/slow_clients.py`) send headers a byte a second and never finish
them; the server answers each 408 after REGISTRY_HEADER_TIMEOUT and they connect again.
They run on the load generator's CPU, as if from another machine."""

import subprocess
import sys
from pathlib import Path

from bench.common import (
    Config,
    Pinning,
    Quiet,
    Section,
    Server,
    Target,
    env_int,
    pinned,
    ratios,
    registry_cmd,
    registry_env,
    stop,
)
from bench.load import Round, load
from bench.pdf import build

SLOW_CLIENTS = env_int("BENCH_SLOW_CLIENTS", 1000)


def slow_clients(url: str, cpus: str | None, workdir: Path) -> subprocess.Popen[bytes]:
    """Started, and returned once every slow connection is open."""
    cmd = pinned([sys.executable, "-m", "bench.slow_clients", url, str(SLOW_CLIENTS)], cpus)
    with (workdir / "slow-clients.log").open("wb") as log:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
    assert process.stdout is not None
    line = process.stdout.readline()  # "open N", or nothing if it died
    if not line.startswith(b"open "):
        stop(process)
        raise RuntimeError(f"the slow clients did not open: {line!r}")
    return process


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"8. Slow clients ({SLOW_CLIENTS:,} held open)")
    settings, numbers = build(workdir, "slow")
    paths = workdir / "slow_paths.txt"
    paths.write_text("".join(f"/api/v1/verify?number={n}\n" for n in numbers))
    pin = Pinning.of(cfg)
    server = Server(
        "slow-registry",
        registry_cmd(),
        registry_env(settings.database_url, settings.keys_dir),
        workdir,
        pin.server,
    )
    rounds: dict[str, list[Round]] = {"alone": [], "with_slow_clients": []}
    try:
        server.wait_ready(f"/api/v1/verify?number={numbers[0]}", 120)
        for round_ in range(cfg.rounds + 1):
            for name in rounds:
                quiet.wait()
                slow = slow_clients(server.url, pin.load, workdir) if name != "alone" else None
                try:
                    found = load(
                        server.url,
                        ["get", str(paths)],
                        duration=cfg.warmup if round_ == 0 else cfg.duration,
                        connections=cfg.connections,
                        servers=[server.pid],
                        cpus=pin.load,
                    )
                finally:
                    if slow is not None:
                        stop(slow)
                if round_:  # the first is the warm-up
                    rounds[name].append(found)
    finally:
        server.stop()
    rps = {name: [r.rps for r in found] for name, found in rounds.items()}
    section.targets = [
        Target(
            "GET /api/v1/verify, slow clients vs none",
            ratios(rps["with_slow_clients"], rps["alone"]),
            ">= 0.5",
            note="req/s alone "
            + ", ".join(f"{r:.0f}" for r in rps["alone"])
            + "; with slow clients "
            + ", ".join(f"{r:.0f}" for r in rps["with_slow_clients"]),
        )
    ]
    section.data["rounds"] = {name: [r.json() for r in found] for name, found in rounds.items()}
    errors = {name: sum(r.errors for r in found) for name, found in rounds.items()}
    if any(errors.values()):
        section.notes.append(f"non-2xx or socket errors: {errors}")
    return section
