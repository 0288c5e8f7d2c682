"""`python -m bench`: every measurement, the results file, and a summary (see README.md)."""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import http, pdf, rebuild, replica, scaleout, slow, storage, writes
from bench.common import ROOT, Config, Quiet, Section
from bench.load import wrk

RESULTS = Path(__file__).with_name("results")
PROFILE_LINES = 6


def guarded(name: str, measure: Callable[[], list[Section]]) -> list[Section]:
    """Sections that fail are reported, and the others still run."""
    started = time.monotonic()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    try:
        sections = measure()
    except Exception as error:
        failed = Section(name)
        failed.notes.append(f"FAILED: {error!r}")
        failed.data["traceback"] = traceback.format_exc()
        sections = [failed]
    seconds = time.monotonic() - started
    sections[0].data["seconds"] = seconds
    print(f"bench: {name} done in {seconds:.0f} s", file=sys.stderr, flush=True)
    return sections


def git_head() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    changed = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "registry", "api"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.count("\n")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "git_head": git_head(),
        "uncommitted_app_files": changed,
    }


def noise(sections: list[Section]) -> dict[str, Any]:
    """Load from other processes during the HTTP rounds, and the baseline's own spread."""
    other, steal = [], []
    for section in sections:
        for rounds in section.data.get("rounds", {}).values():
            other += [r["other_procs_cpu_pct"] for r in rounds]
            steal += [r["steal_pct"] for r in rounds]
        other += section.data.get("other_procs_cpu_pct", [])
    found: dict[str, Any] = {}
    if other:
        found["other_procs_cpu_pct"] = {
            "median": statistics.median(other),
            "max": max(other),
            "rounds_over_5_pct": sum(o > 5 for o in other),
            "rounds": len(other),
        }
        found["steal_pct_max"] = max(steal, default=0.0)
    for section in sections:
        base = section.data.get("rounds", {}).get("baseline")
        if base:
            rps = [r["rps"] for r in base]
            found["baseline_rps_spread"] = (max(rps) - min(rps)) / statistics.median(rps)
    return found


def summary(cfg: Config, sections: list[Section], found: dict[str, Any], seconds: float) -> str:
    lines = [
        f"certregistry benchmark: BENCH_SCALE={cfg.scale:,}, {cfg.rounds} rounds × "
        f"{cfg.duration:g} s, {os.cpu_count()} vCPUs, {seconds / 60:.1f} min",
        "every figure: candidate / baseline of this run, median [min–max] over the rounds",
        "",
        f"{'':44} {'ratio':24} {'goal':8} result",
    ]
    for section in sections:
        lines.append(section.name)
        for t in section.targets:
            if t.note.startswith("informational"):
                verdict = "(info)"
            elif t.met:
                verdict = f"met ({t.margin:+.0%} of goal)"
            else:
                verdict = f"MISSED by {-t.margin:.0%}"
            lines.append(f"  {t.name:42} {t.ratio.text(unit=t.unit):24} {t.goal:8} {verdict}")
            if t.note and not t.note.startswith("informational"):
                lines.append(f"  {'':42} {t.note}")
        lines += [f"  note: {n}" for n in section.notes]
    lines.append("")
    if "other_procs_cpu_pct" in found:
        o = found["other_procs_cpu_pct"]
        lines.append(
            f"noise: other processes used {o['median']:.0f} % of a core (median of rounds, "
            f"max {o['max']:.0f} %, {o['rounds_over_5_pct']}/{o['rounds']} rounds over 5 %); "
            f"steal max {found['steal_pct_max']:.1f} %; baseline req/s spread "
            f"{found.get('baseline_rps_spread', 0):.0%} of its median; waited "
            f"{found['quiet_wait_s']:.0f} s for quiet, {found['rounds_not_quiet']} rounds ran busy"
        )
    for section in sections:
        profiles = section.data.get("profiles") or (
            {"": section.data["profile"]} if "profile" in section.data else {}
        )
        for name, profile in profiles.items():
            if "own_pct" not in profile:
                continue
            where = f"{section.name.split()[0]} {name or section.name.split()[1]}"
            lines.append(f"profile of {where} ({profile['samples']} samples)")
            for title, key in (("own time", "own_pct"), ("on the stack", "branches_pct")):
                top = profile[key]
                lines.append(f"  {title}:")
                lines += [f"    {pct:5.1f} %  {fn}" for fn, pct in top[:PROFILE_LINES]]
    return "\n".join(lines)


def main() -> int:
    cfg = Config()
    wrk()  # fail early without the load generator
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="certbench-"))
    info = machine()
    sections: list[Section] = []
    quiet = Quiet(cfg.quiet_budget)
    try:
        database: list[str] = []

        def http_sections() -> list[Section]:
            found, url = http.measure(cfg, workdir, quiet)
            database.append(url)
            return found

        if cfg.runs("http") or cfg.runs("rebuild"):  # the rebuild uses the HTTP database
            sections += guarded("HTTP and scale", http_sections)
        if database and cfg.runs("rebuild"):
            sections += guarded(
                "rebuild", lambda: [rebuild.measure(cfg, workdir, quiet, database[0])]
            )
        if cfg.runs("storage"):
            sections += guarded("storage", lambda: [storage.measure(cfg, workdir, quiet)])
        if cfg.runs("scaleout"):
            sections += guarded("scale-out", lambda: [scaleout.measure(cfg, workdir, quiet)])
        if cfg.runs("replica"):
            sections += guarded("replica", lambda: [replica.measure(cfg, workdir, quiet)])
        if cfg.runs("pdf"):
            sections += guarded("pdf", lambda: [pdf.measure(cfg, workdir, quiet)])
        if cfg.runs("writes"):
            sections += guarded("writes", lambda: [writes.measure(cfg, workdir, quiet)])
        if cfg.runs("slow"):  # optional: not in the default BENCH_SECTIONS
            sections += guarded("slow clients", lambda: [slow.measure(cfg, workdir, quiet)])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sections.sort(key=lambda s: s.name)
    info["git_head_at_end"] = git_head()
    seconds = time.monotonic() - started
    found = noise(sections) | {"quiet_wait_s": quiet.waited, "rounds_not_quiet": quiet.gave_up}
    result = {
        "started": stamp,
        "seconds": seconds,
        "config": asdict(cfg),
        "machine": info,
        "noise": found,
        "sections": [
            {
                "name": s.name,
                "targets": {t.name.strip(): t.json() for t in s.targets},
                "notes": s.notes,
                "data": s.data,
            }
            for s in sections
        ],
    }
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(summary(cfg, sections, found, seconds))
    dirty = info["uncommitted_app_files"]
    print(f"\ncode: {info['git_head']}, {dirty} uncommitted files in api/ and registry/")
    if info["git_head_at_end"] != info["git_head"]:
        print(f"WARNING: the code changed during the run (now {info['git_head_at_end']})")
    print(f"\nresults: {RESULTS / f'{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
