"""7. Writes: `POST /api/v1/certificates` over HTTP with 8 concurrent clients, on SQLite and
on PostgreSQL, against `bench/write_baseline_app.py` (one new eventsourcing aggregate saved a
request, to the same kind of store), interleaved rounds; no goal set yet (informational).

The bodies spread over the decision years since the rule took effect (2024 to 2026; an
earlier decision comes only by a legacy import), so the 8 clients race for a year's next
registration number as a registry's registrars would, and a lost race is retried.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from bench import data, postgres
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Server,
    Target,
    child_env,
    ratios,
    registry_cmd,
    registry_env,
    run,
    uvicorn_cmd,
)
from bench.load import Round, load

CLIENTS = 8
ISSUE = "/api/v1/certificates"
BODY_YEARS = (2024, 2025, 2026)  # after RULE_EFFECTIVE, before the registry's today
BODIES = 120


def issue_request(i: int) -> dict[str, Any]:
    """The i-th issue request (decision year cycling over BODY_YEARS; levels and days vary),
    dates as dates."""
    facts = data.issue_arguments(i)
    decided = facts["decision_date"]
    return {
        "holder": facts["holder"],
        "level": facts["level"],
        "scope": {"sites": facts["sites"]},
        "decision_date": decided.replace(  # never in December: not after today (2026-12)
            year=BODY_YEARS[i % len(BODY_YEARS)], month=min(decided.month, 11)
        ),
        "person_days": facts["person_days"],
        "evaluation": facts["evaluation"],
    }


def bodies(path: Path) -> Path:
    """One issue request a line as JSON, BODIES of them."""
    lines = [
        json.dumps(issue_request(i), ensure_ascii=False, default=date.isoformat) + "\n"
        for i in range(BODIES)
    ]
    path.write_text("".join(lines))
    return path


def registrar_token(env: dict[str, str], workdir: Path) -> str:
    registry = str(VENV_BIN / "registry")
    run([registry, "keys", "generate"], env, workdir, 300)
    created = run(
        [registry, "token", "create", "--role", "registrar", "--name", "bench-writes"],
        env,
        workdir,
        120,
    )
    return created.strip()


def compare(
    cfg: Config, workdir: Path, quiet: Quiet, backend: str, registry_url: str, baseline_url: str
) -> tuple[Target, dict[str, list[Round]]]:
    """Interleaved rounds of the registry and the baseline on one backend."""
    env = registry_env(registry_url, workdir / f"{backend}-keys")
    token = registrar_token(env, workdir)
    body_file = bodies(workdir / "issue_bodies.jsonl")
    servers = {
        "baseline": Server(
            f"writes-{backend}-baseline",
            uvicorn_cmd("bench.write_baseline_app:create_app"),
            child_env({"BENCH_WRITE_DATABASE_URL": baseline_url}),
            workdir,
        ),
        "registry": Server(f"writes-{backend}-registry", registry_cmd(), env, workdir),
    }
    rounds: dict[str, list[Round]] = {name: [] for name in servers}
    try:
        for server in servers.values():
            server.wait_ready("/healthz", 300)
        cluster = postgres.postmaster_pid(postgres.admin_url(cfg))
        extra = [cluster] if backend == "postgres" and cluster else []
        for round_ in range(cfg.rounds + 1):  # the first is the warm-up
            for name, server in servers.items():
                quiet.wait()
                found = load(
                    server.url,
                    ["post", ISSUE, str(body_file), token],
                    duration=cfg.warmup if round_ == 0 else cfg.duration,
                    connections=CLIENTS,
                    servers=[server.pid, *extra],
                )
                if round_:
                    rounds[name].append(found)
    finally:
        for server in servers.values():
            server.stop()
    rps = {name: [r.rps for r in found] for name, found in rounds.items()}
    target = Target(
        f"{backend}: issue req/s vs one aggregate saved",
        ratios(rps["registry"], rps["baseline"]),
        ">= 0.5",
        note="informational: no goal set yet (0.5 shown, as for the import)",
    )
    return target, rounds


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"7. Writes over HTTP ({CLIENTS} clients)")
    results: dict[str, dict[str, list[Round]]] = {}
    target, results["sqlite"] = compare(
        cfg,
        workdir,
        quiet,
        "sqlite",
        f"sqlite:///{workdir / 'writes-registry.sqlite'}",
        # Its own file: SQLite's tables are not namespaced by application.
        f"sqlite:///{workdir / 'writes-baseline.sqlite'}",
    )
    section.targets.append(target)
    with postgres.database(cfg) as name:
        url = postgres.registry_url(cfg, name)  # one schema: the tables are namespaced
        target, results["postgres"] = compare(cfg, workdir, quiet, "postgres", url, url)
        section.targets.append(target)
    section.data["rounds"] = {
        f"{backend}-{server}": [r.json() for r in found]
        for backend, by_server in results.items()
        for server, found in by_server.items()
    }
    errors = {
        f"{backend}-{server}": sum(r.errors for r in found)
        for backend, by_server in results.items()
        for server, found in by_server.items()
    }
    if any(errors.values()):
        section.notes.append(f"non-2xx (e.g. 409) or socket errors: {errors}")
    return section
