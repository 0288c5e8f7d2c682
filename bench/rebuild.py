"""4. Projection rebuild from zero vs reading and decoding the notification log.

Helpers run in their own processes:
    python -m bench.rebuild rebuild DATABASE_URL  # registry.projector.rebuild()
    python -m bench.rebuild read DATABASE_URL     # select_notifications(500) + to_domain_event
"""

import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    VENV_BIN,
    Config,
    Quiet,
    Section,
    Target,
    child_env,
    ratios,
    run_measured,
)
from bench.profiling import profile_command

PAGE = 500


def rebuild(database_url: str) -> dict[str, Any]:
    from registry.application import open_registry
    from registry.settings import Settings

    with open_registry(Settings(database_url=database_url, projector="external")) as registry:
        events = registry.recorder.max_notification_id() or 0
        started = time.perf_counter()
        registry.projector.rebuild()
        seconds = time.perf_counter() - started
        positions = registry.projector.positions()
    if min(positions.values()) != events:
        raise RuntimeError(f"rebuild stopped at {positions}, not {events}")
    return {"seconds": seconds, "events": events}


def read(database_url: str) -> dict[str, Any]:
    """The bare rate: page through the whole log and decode every event, nothing more."""
    from registry.application import open_registry
    from registry.settings import Settings

    with open_registry(Settings(database_url=database_url, projector="external")) as registry:
        recorder, mapper = registry.recorder, registry.mapper
        started = time.perf_counter()
        last, events = 0, 0
        while notes := recorder.select_notifications(
            start=last, limit=PAGE, inclusive_of_start=False
        ):
            for note in notes:
                mapper.to_domain_event(note)
            events += len(notes)
            last = notes[-1].id
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "events": events}


def measure(cfg: Config, workdir: Path, quiet: Quiet, database_url: str) -> Section:
    section = Section(f"4. Projection rebuild ({cfg.scale:,} certificates) vs reading the log")
    python = str(VENV_BIN / "python")
    timeout = 600 + cfg.scale / 20
    rates: dict[str, list[float]] = {"read": [], "rebuild": []}
    for _ in range(cfg.rounds):
        for kind, found in rates.items():
            out = run_measured(
                [python, "-m", "bench.rebuild", kind, database_url],
                workdir,
                timeout,
                quiet,
                section.data.setdefault("other_procs_cpu_pct", []),
            )
            found.append(out["events"] / out["seconds"])
    target = Target("rebuild events/s", ratios(rates["rebuild"], rates["read"]), ">= 0.5")
    section.targets.append(target)
    section.data["events_per_s"] = rates
    if cfg.profile and not target.met:
        section.data["profile"] = profile_command(
            [python, "-m", "bench.rebuild", "rebuild", database_url],
            workdir / "rebuild.prof",
            child_env(),
            workdir,
            timeout,
            "Projector.rebuild",
        )
        target.note = "profiled"
    return section


if __name__ == "__main__":
    kind, url = sys.argv[1:3]
    print(json.dumps(rebuild(url) if kind == "rebuild" else read(url)))
