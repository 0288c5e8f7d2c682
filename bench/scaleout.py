"""5. Scale-out on PostgreSQL: 2 API processes + `registry project` vs 1 API process.

A fresh database is created for the run and dropped after it. Both deployments serve the same
database at once and the rounds alternate between them. Server CPU counts the API processes,
the projector and the whole PostgreSQL cluster (so it includes other users of that server).
"""

import os
import statistics
from pathlib import Path
from urllib.parse import urlsplit

from bench import data, postgres
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Server,
    Target,
    background,
    ratios,
    registry_cmd,
    registry_env,
    stop,
)
from bench.http import VERIFY
from bench.load import alternate


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"5. Scale-out on PostgreSQL ({cfg.scale:,} certificates)")
    with postgres.served_store(cfg, workdir, "pg-keys", section) as (_, url, _env):
        deploy(cfg, workdir, quiet, url, section)
    section.data["database"] = urlsplit(url)._replace(query="").geturl()
    return section


def deploy(cfg: Config, workdir: Path, quiet: Quiet, url: str, section: Section) -> None:
    """Both deployments on the store at `url`, measured into `section`."""
    servers: list[Server] = []
    project = None
    try:
        keys = workdir / "pg-keys"
        external = registry_env(url, keys, REGISTRY_PROJECTOR="external")
        one = Server("pg-one", registry_cmd(1), registry_env(url, keys), workdir)
        servers.append(one)
        two = Server("pg-two", registry_cmd(2), external, workdir)
        servers.append(two)
        project = background(
            "pg-project", [str(VENV_BIN / "registry"), "project"], external, workdir
        )
        for server in servers:
            server.wait_ready(VERIFY % data.number(0), 300 + cfg.scale / 1000)
        cluster = postgres.postmaster_pid(postgres.admin_url(cfg))
        extra = [project.pid] + ([cluster] if cluster else [])
        args = data.numbers_args(cfg.scale, VERIFY)

        rounds = alternate(
            cfg,
            quiet,
            {"one": (one.url, [one.pid, *extra]), "two": (two.url, [two.pid, *extra])},
            args,
        )
        rps = {k: [r.rps for r in v] for k, v in rounds.items()}
        section.targets.append(
            Target("2 API processes + projector req/s", ratios(rps["two"], rps["one"]), ">= 1.6")
        )
        section.targets.append(
            Target(
                "  their p99",
                ratios([r.p99_ms for r in rounds["two"]], [r.p99_ms for r in rounds["one"]]),
                "<= 1",
                note="informational: lower is better",
            )
        )
        section.data["rounds"] = {k: [r.json() for r in v] for k, v in rounds.items()}
        cpu = {k: statistics.median(r.server_cpu_us_per_req for r in v) for k, v in rounds.items()}
        busy = {k: statistics.median(r.machine_busy_pct for r in v) for k, v in rounds.items()}
        section.notes.append(
            f"server CPU per request (API + projector + PostgreSQL): 2 processes "
            f"{cpu['two'] / cpu['one']:.2f}× that of 1; machine busy (both CPUs, of "
            f"{100 * (os.cpu_count() or 1)} %): {busy['one']:.0f} % with 1 process, "
            f"{busy['two']:.0f} % with 2 (wrk shares the cores)"
        )
        if cluster is None:
            section.notes.append("PostgreSQL's CPU could not be attributed (not local?)")
    finally:
        if project is not None:
            stop(project)
        for server in servers:
            server.stop()
