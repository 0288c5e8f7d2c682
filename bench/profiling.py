"""Where the time goes when a target is missed: py-spy samples, summed by function."""

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import VENV_BIN

TOP = 12
RATE = 250  # samples per second
BRANCH = 60.0  # % of samples: functions on fewer stacks than this are below the framework
NO_PY_SPY = "py-spy is not installed: .venv/bin/pip install py-spy"
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    local = VENV_BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def _short(frame: str) -> str:
    """`function (path:line)` as `function (module path)`, without the line."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['function']} ({path})"


def summarize(raw: Path, within: str | None = None) -> dict[str, Any]:
    """Top functions by own samples, and by samples with them on the stack (leaving out the
    trunk every sample passes through, and stacks outside a `within` function if given)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames or (within and not any(f.startswith(within + " ") for f in frames)):
            continue
        count = int(count_text)
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return {"samples": 0}

    def pct(n: int) -> float:
        return round(100 * n / total, 1)

    below_trunk = [(name, pct(n)) for name, n in inclusive.most_common() if n < 0.9 * total]
    branches = [(name, share) for name, share in below_trunk if share <= BRANCH]
    ours = [(name, pct(n)) for name, n in inclusive.most_common() if _is_project(name)]
    return {
        "samples": total,
        "own_pct": [(name, pct(n)) for name, n in own.most_common(TOP)],
        "inclusive_pct": below_trunk[: 2 * TOP],
        "branches_pct": branches[:TOP],
        "project_inclusive_pct": ours[: 2 * TOP],
    }


def _is_project(name: str) -> bool:
    return any(f"({folder}/" in name for folder in ("api", "registry")) and "cli.py" not in name


def profile_server(
    pid: int, seconds: float, load: Callable[[], object], out: Path
) -> dict[str, Any]:
    """Sample a running server (and its children) while `load()` runs: only the threads
    holding the GIL, i.e. where the server's Python CPU goes."""
    spy = py_spy()
    if spy is None:
        return {"error": NO_PY_SPY}
    cmd = [spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--rate", str(RATE)]
    cmd += ["--duration", str(int(seconds)), "--format", "raw", "--output", str(out)]
    return _record(cmd, out, load, seconds)


def profile_command(
    cmd: Sequence[str], out: Path, env: dict[str, str], cwd: Path, timeout: float, within: str
) -> dict[str, Any]:
    """Run a command under py-spy to completion; count only the stacks inside `within`."""
    spy = py_spy()
    if spy is None:
        return {"error": NO_PY_SPY}
    full = [spy, "record", "--nonblocking", "--rate", str(RATE), "--format", "raw"]
    full += ["--output", str(out), "--", *cmd]
    done = subprocess.run(
        full, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0 or not out.exists():
        return {"error": f"py-spy failed: {done.stderr[-500:]}"}
    return summarize(out, within)


def _record(
    cmd: list[str], out: Path, load: Callable[[], object], seconds: float
) -> dict[str, Any]:
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load()  # as long as the sampling
    try:
        _, err = spy.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        spy.kill()
        _, err = spy.communicate()
    if not out.exists():
        return {"error": f"py-spy failed: {err[-500:]}"}
    return summarize(out)
