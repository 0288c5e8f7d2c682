"""7. Writes over HTTP with 8 concurrent clients, on SQLite and on PostgreSQL, against
`bench/write_baseline_app.py` (the bare library: one aggregate saved a request to the same
kind of store), interleaved rounds, ≥ 0.5 (issue 18, item 2): issues, then suspensions.

The issue bodies spread over the decision years since the rule took effect (2024 to 2026; an
earlier decision comes only by a legacy import), so the 8 clients race for a year's next
registration number as a registry's registrars would, and a lost race is retried. Each
suspension is of a different certificate in force (a pool imported before the servers
start, and what the issues made), each posted once (bench/each.lua).
"""

import csv
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import data, postgres
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Server,
    Target,
    child_env,
    env_int,
    ratios,
    registry_cmd,
    registry_env,
    run,
    uvicorn_cmd,
)
from bench.load import EACH, Round, load
from registry.rules.numbers import registration_no

CLIENTS = 8
ISSUE = "/api/v1/certificates"
BODY_YEARS = (2024, 2025, 2026)  # after RULE_EFFECTIVE, before the registry's today
BODIES = 120
SUSPEND = "/api/v1/certificates/%s/suspensions"
# certificates in force imported (and baseline aggregates saved) for the suspensions to take
POOL = env_int("BENCH_SUSPENSION_POOL", 6000)
ROUND_POOL = 12000  # the most one round of suspensions is given


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


def pool_csv(path: Path) -> Path:
    """POOL certificates in force for the suspensions to take, as an import CSV: decided in
    the last 500 days, numbered from 1 in each year, as an issuer would (the issue rounds,
    after the import, number on from there)."""
    today = datetime.now(data.BEIJING).date()
    taken: Counter[int] = Counter()
    rows = []
    for i in range(POOL):
        decided = today - timedelta(days=1 + i % 500)
        taken[decided.year] += 1
        number = registration_no(decided.year, taken[decided.year])
        rows.append(
            data.row(i)
            | {
                "registration_no": number,
                "decision_date": decided.isoformat(),
                "report_ref": f"TR-{decided.year}-P{i:05d}",
            }
        )
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def suspensions(server: Server, name: str, path: Path) -> int:
    """Write to `path` one suspension a line ("PATH<tab>BODY", bench/each.lua) of what
    `server` has not suspended yet, at most ROUND_POOL; how many."""
    if name == "registry":
        found: list[str] = []
        page = 1
        while len(found) < ROUND_POOL:
            listed = json.loads(
                server.get(f"/api/v1/directory?status=valid&page_size=100&page={page}")
            )
            found += [item["registration_no"] for item in listed["items"]]
            if page * 100 >= listed["total"]:
                break
            page += 1
    else:
        found = json.loads(server.get("/api/v1/records"))
    today = datetime.now(data.BEIJING).date().isoformat()
    body = json.dumps({"reason": "b", "details": "服务持续不满足要求", "effective_date": today})
    lines = [f"{SUSPEND % quote(no, safe='')}\t{body}\n" for no in found[:ROUND_POOL]]
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def compare(
    cfg: Config, workdir: Path, quiet: Quiet, backend: str, registry_url: str, baseline_url: str
) -> tuple[list[Target], dict[str, list[Round]], list[str]]:
    """Interleaved rounds of the registry and the baseline on one backend: issues, then
    suspensions of certificates in force (the pool and what the issues made)."""
    env = registry_env(registry_url, workdir / f"{backend}-keys")
    token = registrar_token(env, workdir)
    pool = pool_csv(workdir / "pool.csv")
    run([str(VENV_BIN / "registry"), "import", str(pool), "--quiet"], env, workdir, 1800)
    body_file = bodies(workdir / "issue_bodies.jsonl")
    servers = {
        "baseline": Server(
            f"writes-{backend}-baseline",
            uvicorn_cmd("bench.write_baseline_app:create_app"),
            child_env({"BENCH_WRITE_DATABASE_URL": baseline_url, "BENCH_WRITE_POOL": str(POOL)}),
            workdir,
        ),
        "registry": Server(f"writes-{backend}-registry", registry_cmd(), env, workdir),
    }
    rounds: dict[str, list[Round]] = {}
    ran_out: list[str] = []
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
                    rounds.setdefault(f"issue-{name}", []).append(found)
        for round_ in range(cfg.rounds + 1):
            for name, server in servers.items():
                commands = workdir / f"suspensions-{name}.tsv"
                count = suspensions(server, name, commands)
                quiet.wait()
                found = load(
                    server.url,
                    [str(commands), "2", token],  # wrk's 2 threads share the lines
                    duration=cfg.warmup if round_ == 0 else cfg.duration,
                    connections=CLIENTS,
                    servers=[server.pid, *extra],
                    script=EACH,
                )
                if found.requests >= count:
                    ran_out.append(f"{backend} {name} round {round_}")
                if round_:
                    rounds.setdefault(f"suspend-{name}", []).append(found)
    finally:
        for server in servers.values():
            server.stop()
    rps = {name: [r.rps for r in found] for name, found in rounds.items()}
    targets = [
        Target(
            f"{backend}: {command} req/s vs the bare library",
            ratios(rps[f"{command}-registry"], rps[f"{command}-baseline"]),
            ">= 0.5",
        )
        for command in ("issue", "suspend")
    ]
    return targets, rounds, ran_out


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section(f"7. Writes over HTTP ({CLIENTS} clients)")
    results: dict[str, dict[str, list[Round]]] = {}
    ran_out: list[str] = []
    targets, results["sqlite"], short = compare(
        cfg,
        workdir,
        quiet,
        "sqlite",
        f"sqlite:///{workdir / 'writes-registry.sqlite'}",
        # Its own file: SQLite's tables are not namespaced by application.
        f"sqlite:///{workdir / 'writes-baseline.sqlite'}",
    )
    section.targets += targets
    ran_out += short
    with postgres.database(cfg) as name:
        url = postgres.registry_url(cfg, name)  # one schema: the tables are namespaced
        targets, results["postgres"], short = compare(cfg, workdir, quiet, "postgres", url, url)
        section.targets += targets
        ran_out += short
    if ran_out:
        section.notes.append(
            f"the certificates to suspend ran out in {', '.join(ran_out)}: wrk counts the "
            "whole round, so that rate is a lower bound (raise BENCH_SUSPENSION_POOL)"
        )
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
