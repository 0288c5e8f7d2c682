"""3. Storage: `Importer.run` vs the bare eventsourcing library, and import resumability.

Helpers run in their own processes (fresh memory, their own timing):
    python -m bench.storage bare   DATABASE_URL COUNT  # minimal aggregates, app.save per 200
    python -m bench.storage import DATABASE_URL CSV    # Importer.run, projections caught up
"""

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from bench import data
from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Target,
    child_env,
    env_int,
    ratios,
    run_measured,
)
from bench.profiling import profile_command

BATCH = 200  # registry/importer.py BATCH


def bare(database_url: str, count: int) -> dict[str, Any]:
    """The library alone: one created event per aggregate with the certificate's payload."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class BareCertificate(Aggregate):
        @staticmethod
        def create_id(registration_no: str) -> UUID:
            return uuid5(NAMESPACE_URL, f"/bench/certificates/{registration_no}")

        @event("Issued")
        def __init__(self, registration_no: str, payload: dict[str, Any], hash: str) -> None:
            self.registration_no = registration_no
            self.payload = payload
            self.hash = hash

    path = database_url.removeprefix("sqlite:///")
    started = time.perf_counter()
    app: Application[UUID] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    )
    batch = []
    for row in data.rows(count):
        payload: dict[str, Any] = dict(row)
        payload["sites"] = json.loads(row["sites"])
        payload["actor"] = "import"
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        batch.append(BareCertificate(row["registration_no"], payload, digest))
        if len(batch) >= BATCH:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    seconds = time.perf_counter() - started
    app.close()
    return {"seconds": seconds, "certificates": count}


def import_rows(database_url: str, csv_path: str) -> dict[str, Any]:
    from registry.application import open_registry
    from registry.importer import Importer, read_csv
    from registry.settings import Settings

    rows = list(read_csv(Path(csv_path)))
    started = time.perf_counter()
    with open_registry(Settings(database_url=database_url)) as registry:
        result = Importer(registry, actor="import", legacy=True).run(rows)
        registry.projector.catch_up()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "imported": result.imported, "errors": result.errors[:5]}


def query(path: Path, sql: str) -> tuple[Any, ...]:
    """One row, read beside a running writer."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        row: tuple[Any, ...] = db.execute(sql).fetchone()
    finally:
        db.close()
    return row


def count_events(path: Path) -> tuple[int, int]:
    """(stored events, distinct aggregates)."""
    events, aggregates = query(
        path, "SELECT COUNT(*), COUNT(DISTINCT originator_id) FROM stored_events"
    )
    return int(events), int(aggregates)


def resumability(workdir: Path, csv_path: Path, count: int) -> dict[str, Any]:
    """Kill `registry import` (SIGKILL) half-way, run it again, count what is stored."""
    path = workdir / "resume.sqlite"
    env = child_env({"REGISTRY_DATABASE_URL": f"sqlite:///{path}", "REGISTRY_RATE_LIMIT": "0"})
    cmd = [str(VENV_BIN / "registry"), "import", str(csv_path), "--quiet", "--legacy"]
    process = subprocess.Popen(
        cmd, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600 + count / 20
    at_kill = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            if path.exists():
                try:
                    at_kill = count_events(path)[0]
                except sqlite3.OperationalError:  # tables not created yet
                    continue
                if at_kill >= count // 2:
                    break
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(30)
    interrupted = count_events(path)
    done = subprocess.run(
        cmd,
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600 + count / 20,
        check=False,
    )
    events, aggregates = count_events(path)
    rows = query(path, "SELECT COUNT(*) FROM certificates")[0]
    return {
        "certificates": count,
        "events_when_killed": interrupted[0],
        "second_run_said": done.stderr.strip().splitlines()[-1] if done.stderr else "",
        "second_run_exit": done.returncode,
        "events": events,
        "aggregates": aggregates,
        "read_model_rows": int(rows),
        "nothing_doubled": events == aggregates == count and rows == count,
        "interrupted_mid_way": 0 < interrupted[0] < count,
    }


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    count = cfg.storage_scale
    section = Section(f"3. Storage: import of {count:,} certificates vs the bare library")
    csv_path = data.write_csv(workdir / "import.csv", count)
    python = str(VENV_BIN / "python")
    timeout = 600 + count / 20
    bare_rates: list[float] = []
    import_rates: list[float] = []
    for r in range(cfg.rounds):
        for kind, rates, argument in (
            ("bare", bare_rates, str(count)),
            ("import", import_rates, str(csv_path)),
        ):
            path = workdir / f"storage-{kind}-{r}.sqlite"
            result = run_measured(
                [python, "-m", "bench.storage", kind, f"sqlite:///{path}", argument],
                workdir,
                timeout,
                quiet,
                section.data.setdefault("other_procs_cpu_pct", []),
            )
            if kind == "import" and result["imported"] != count:
                raise RuntimeError(f"the import stored {result['imported']} of {count}: {result}")
            rates.append(count / result["seconds"])
            for leftover in workdir.glob(f"{path.name}*"):
                leftover.unlink()
    section.targets.append(
        Target("import certificates/s (projected)", ratios(import_rates, bare_rates), ">= 0.5")
    )
    section.data["certificates_per_s"] = {"bare": bare_rates, "import": import_rates}
    if cfg.profile and not section.targets[0].met:
        path = workdir / "storage-profile.sqlite"
        section.data["profile"] = profile_command(
            [python, "-m", "bench.storage", "import", f"sqlite:///{path}", str(csv_path)],
            workdir / "import.prof",
            child_env(),
            workdir,
            timeout,
            "Importer.run",
        )
        section.targets[0].note = "profiled"
    resume_count = env_int("BENCH_RESUME_SCALE", min(count, 20_000))  # two imports more
    if resume_count != count:
        csv_path = data.write_csv(workdir / "resume.csv", resume_count)
    resume = resumability(workdir, csv_path, resume_count)
    section.data["resumability"] = resume
    verdict = "nothing doubled" if resume["nothing_doubled"] else "DOUBLED OR LOST EVENTS"
    if not resume["interrupted_mid_way"]:
        verdict += " (but the kill did not land mid-way: inconclusive)"
    section.notes.append(
        f"resumability: `registry import` killed at {resume['events_when_killed']:,} of "
        f"{resume['certificates']:,} events, run again ({resume['second_run_said']!r}): "
        f"{resume['events']:,} events for {resume['aggregates']:,} certificates, "
        f"{resume['read_model_rows']:,} read-model rows: {verdict}"
    )
    return section


if __name__ == "__main__":
    kind, url, argument = sys.argv[1:4]
    out = bare(url, int(argument)) if kind == "bare" else import_rows(url, argument)
    print(json.dumps(out))
