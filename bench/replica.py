"""9. Public reads from a PostgreSQL streaming replica (REGISTRY_READ_DATABASE_URL).

A fresh database with BENCH_SCALE certificates, then a hot standby of the whole local server
(`bench/standby.py`). Two servers at once: one reads from the primary (and projects, inline),
the other sends its public reads to the standby (its projector external: the first is the
single writer of the read models). Rounds alternate, the same verification load. Then the
lag a reader sees: a suspension is made on the primary, and the replica's `GET /verify` is
polled until it answers `suspended`.
"""

import json
import statistics
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bench import data, postgres
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Server,
    Spread,
    Target,
    ratios,
    registry_cmd,
    run,
)
from bench.http import VERIFY
from bench.load import alternate
from bench.standby import standby

SUSPENSIONS = 10  # lag samples
LAG_BOUND = 1.0  # seconds until a suspension on the primary reads on the replica


def post(url: str, token: str, payload: dict[str, str]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 201:
            raise RuntimeError(f"suspension answered {response.status}")


def status_and_lag(server: Server, number: str) -> tuple[str, float]:
    with urllib.request.urlopen(server.url + VERIFY % quote(number, safe=""), timeout=60) as r:
        return json.load(r)["status"], float(r.headers["X-Registry-Lag"])


def lag_seconds(primary: Server, replica: Server, token: str, number: str) -> float:
    """From a suspension's answer on the primary until the replica's verification says so."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    suspension = {"reason": "b", "details": "服务持续不满足要求", "effective_date": today}
    path = f"/api/v1/certificates/{quote(number, safe='')}/suspensions"
    post(primary.url + path, token, suspension)
    answered = time.monotonic()
    while status_and_lag(replica, number)[0] != "suspended":
        if time.monotonic() - answered > 60:
            raise RuntimeError(f"{number}'s suspension did not reach the replica in 60 s")
        time.sleep(0.005)
    return time.monotonic() - answered


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"9. Reads from a PostgreSQL replica ({cfg.scale:,} certificates)")
    with postgres.served_store(cfg, workdir, "replica-keys", section) as (name, _, env):
        registry = str(VENV_BIN / "registry")
        create = [registry, "token", "create", "--role", "registrar", "--name", "bench-replica"]
        token = run(create, env, workdir, 120).strip()
        with standby(postgres.admin_url(cfg)) as replica:
            reading = env | {
                "REGISTRY_PROJECTOR": "external",  # the primary's server is the one writer
                "REGISTRY_READ_DATABASE_URL": replica.url(name),
            }
            servers = {
                "primary": Server("replica-primary", registry_cmd(), env, workdir),
                "replica": Server("replica-reader", registry_cmd(), reading, workdir),
            }
            try:
                primary = postgres.postmaster_pid(postgres.admin_url(cfg))
                clusters = [pid for pid in (primary, replica.pid) if pid]
                compare(cfg, quiet, servers, clusters, token, section)
            finally:
                for server in servers.values():
                    server.stop()
    return section


def compare(
    cfg: Config,
    quiet: Quiet,
    servers: dict[str, Server],
    clusters: list[int],
    token: str,
    section: Section,
) -> None:
    """Verification with reads on the primary and on the replica, then the lag."""
    for server in servers.values():
        server.wait_ready(VERIFY % data.number(0), 300 + cfg.scale / 1000)
    load_on = {key: (s.url, [s.pid, *clusters]) for key, s in servers.items()}
    rounds = alternate(cfg, quiet, load_on, data.numbers_args(cfg.scale, VERIFY))
    primary, replica = servers["primary"], servers["replica"]
    lags = [lag_seconds(primary, replica, token, data.number(i)) for i in range(SUSPENSIONS)]
    header = status_and_lag(replica, data.number(0))[1]
    rps = {k: [r.rps for r in v] for k, v in rounds.items()}
    p99 = {k: [r.p99_ms for r in v] for k, v in rounds.items()}
    section.targets += [
        Target(
            "verify, reads on the replica, req/s", ratios(rps["replica"], rps["primary"]), ">= 1"
        ),
        Target("  their p99", ratios(p99["replica"], p99["primary"]), "<= 1.5"),
        Target(
            "suspension seen on the replica",
            Spread.of(lags),
            f"<= {LAG_BOUND:g}",
            note=f"{SUSPENSIONS} suspensions, from the primary's 201 to the replica's `suspended`",
            unit=" s",
        ),
    ]
    section.data["rounds"] = {k: [r.json() for r in v] for k, v in rounds.items()}
    section.data["lag_seconds"] = lags
    section.data["x_registry_lag_when_idle"] = header
    cpu = {k: statistics.median(r.server_cpu_us_per_req for r in v) for k, v in rounds.items()}
    section.notes.append(
        f"server CPU per request (API + both PostgreSQL servers): reads on the replica "
        f"{cpu['replica'] / cpu['primary']:.2f}× reads on the primary; X-Registry-Lag "
        f"once idle: {header:.1f} s"
    )
