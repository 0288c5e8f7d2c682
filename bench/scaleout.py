"""5. Scale-out on PostgreSQL: 2 API processes + `registry project` vs 1 API process.

A fresh database is created for the run and dropped after it. Both deployments serve the same
database at once and the rounds alternate between them. Server CPU counts the API processes,
the projector and the whole PostgreSQL cluster (so it includes other users of that server).
"""

import os
import statistics
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bench import data
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Server,
    Target,
    background,
    child_env,
    ratios,
    registry_cmd,
    registry_env,
    run_json,
    stop,
)
from bench.http import VERIFY
from bench.load import Round, load


def postmaster_pid(admin: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine and we may ask."""
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        return int(Path(str(row[0]), "postmaster.pid").read_text().split()[0]) if row else None
    except (psycopg.Error, OSError, ValueError):
        return None


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"5. Scale-out on PostgreSQL ({cfg.scale:,} certificates)")
    base = cfg.postgres_url.rstrip("/")
    admin = base + "/postgres"
    name = f"certbench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{base}/{name}?schema=registry"
    servers: list[Server] = []
    project = None
    try:
        python = str(VENV_BIN / "python")
        built = run_json(
            [python, "-m", "bench.data", url, str(cfg.scale)],
            child_env(),
            workdir,
            900 + cfg.scale / 20,
        )
        section.data["build_seconds"] = built["seconds"]
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
        cluster = postmaster_pid(admin)
        extra = [project.pid] + ([cluster] if cluster else [])
        args = data.numbers_args(cfg.scale, VERIFY)

        def one_round(server: Server, seconds: float) -> Round:
            return load(
                server.url,
                args,
                duration=seconds,
                connections=cfg.connections,
                servers=[server.pid, *extra],
            )

        rounds: dict[str, list[Round]] = {"one": [], "two": []}
        for server in (one, two):
            one_round(server, cfg.warmup)
        for _ in range(cfg.rounds):
            for key, server in (("one", one), ("two", two)):
                quiet.wait()
                rounds[key].append(one_round(server, cfg.duration))
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
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    section.data["database"] = urlsplit(url)._replace(query="").geturl()
    return section
