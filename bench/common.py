"""Shared pieces: settings, statistics, CPU accounting, and the processes the benchmark starts."""

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import stores

ROOT = Path(__file__).resolve().parent.parent  # the project
VENV_BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Config:
    scale: int = env_int("BENCH_SCALE", 10_000)
    reference_scale: int = 10_000  # the scale test's baseline size
    rounds: int = env_int("BENCH_ROUNDS", 3)
    duration: float = env_float("BENCH_DURATION", 6.0)  # seconds per HTTP round
    warmup: float = env_float("BENCH_WARMUP", 2.0)
    connections: int = env_int("BENCH_CONNECTIONS", 64)
    qr_codes: int = env_int("BENCH_QR_CODES", 200)  # distinct codes the QR endpoints see
    storage_scale: int = env_int("BENCH_STORAGE_SCALE", env_int("BENCH_SCALE", 10_000))
    events: int = env_int("BENCH_EVENTS", 2)  # a certificate's events (bench/data.py); or 5
    postgres_url: str = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    profile: bool = os.environ.get("BENCH_PROFILE", "1") != "0"
    quiet_budget: float = env_float("BENCH_QUIET_WAIT", 150.0)  # seconds, whole run
    pin: bool = os.environ.get("BENCH_PIN", "1") != "0"
    sections: str = os.environ.get(
        "BENCH_SECTIONS", "http,rebuild,storage,scaleout,replica,pdf,writes"
    )

    def runs(self, section: str) -> bool:
        return section in {name.strip() for name in self.sections.split(",")}


@dataclass(frozen=True)
class Pinning:
    """Which CPUs the servers and the load generator run on (`taskset -c` lists).

    On a small machine wrk and the server otherwise take turns on the same cores, and the
    server, descheduled mid-batch, shows the scheduler's tail, not its own: the last CPU
    goes to wrk, the others to the server, as if the load came from another machine."""

    server: str | None = None
    load: str | None = None

    @classmethod
    def of(cls, cfg: Config) -> "Pinning":
        cpus = os.cpu_count() or 1
        if not cfg.pin or cpus < 2 or shutil.which("taskset") is None:
            return cls()
        return cls(server="0" if cpus == 2 else f"0-{cpus - 2}", load=str(cpus - 1))


def pinned(cmd: Sequence[str], cpus: str | None) -> list[str]:
    """`cmd` run on `cpus` (taskset execs it: the PID stays the command's)."""
    return list(cmd) if cpus is None else ["taskset", "-c", cpus, *cmd]


# Statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread":
        return cls(statistics.median(values), min(values), max(values))

    def text(self, digits: int = 2, unit: str = "×") -> str:
        return f"{self.median:.{digits}f}{unit} [{self.low:.{digits}f}–{self.high:.{digits}f}]"

    def json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def ratios(candidate: Sequence[float], baseline: Sequence[float]) -> Spread:
    """Per-round ratios of interleaved rounds (candidate round i / baseline round i)."""
    return Spread.of([c / b for c, b in zip(candidate, baseline, strict=True)])


@dataclass
class Target:
    """One figure: a ratio against a baseline of the same run, and the goal it must meet."""

    name: str
    ratio: Spread
    goal: str  # ">= 0.6" or "<= 3"
    note: str = ""
    unit: str = "×"  # a ratio; " s" for a bound in seconds

    @property
    def met(self) -> bool:
        op, value = self.goal.split()
        return (
            self.ratio.median >= float(value) if op == ">=" else self.ratio.median <= float(value)
        )

    @property
    def margin(self) -> float:
        """How far from the goal, as a fraction of it (positive: met with room)."""
        op, value = self.goal.split()
        goal = float(value)
        ratio = self.ratio.median
        return (ratio - goal) / goal if op == ">=" else (goal - ratio) / goal

    def json(self) -> dict[str, Any]:
        return {
            "ratio": self.ratio.json(),
            "goal": self.goal,
            "met": self.met,
            "margin": self.margin,
            "note": self.note,
            "unit": self.unit,
        }


@dataclass
class Section:
    name: str
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # raw figures, for the JSON file
    notes: list[str] = field(default_factory=list)


# CPU accounting: how much of the machine went to processes other than ours ------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_cpu(pid: int) -> float:
    return sum(process_cpu(p) for p in descendants(pid))


def tree_rss_mb(pid: int) -> float:
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def _system_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def _our_cpu() -> float:
    """This process, every process below it, and the children it has waited for."""
    me = os.getpid()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(process_cpu(p) for p in descendants(me)) + kids.ru_utime + kids.ru_stime


class CpuWindow:
    """CPU used during a window: by the servers we watch, and by every process that is
    neither ours (this one and what it started) nor a watched server, in % of one core."""

    def __init__(self, servers: Sequence[int] = ()):
        mine = set(descendants(os.getpid()))
        self.servers = list(servers)
        self.outside = [p for p in self.servers if p not in mine]  # e.g. PostgreSQL
        self.started = time.monotonic()
        self.busy, self.steal = _system_cpu()
        self.ours = _our_cpu()
        self.server = sum(tree_cpu(p) for p in self.servers)
        self.outside_cpu = sum(tree_cpu(p) for p in self.outside)

    def close(self) -> dict[str, float]:
        elapsed = time.monotonic() - self.started
        busy, steal = _system_cpu()
        ours = _our_cpu() - self.ours
        outside = sum(tree_cpu(p) for p in self.outside) - self.outside_cpu
        other = max(0.0, (busy - self.busy) - ours - outside)
        return {
            "seconds": elapsed,
            "server_cpu_s": sum(tree_cpu(p) for p in self.servers) - self.server,
            "other_procs_cpu_pct": 100 * other / elapsed,
            "machine_busy_pct": 100 * (busy - self.busy) / elapsed,
            "steal_pct": 100 * (steal - self.steal) / elapsed,
        }


class Quiet:
    """Before a measured round, wait (within a budget for the whole run) until processes
    that are not ours use under `threshold` % of a core: another session's tests or
    benchmarks on the same 2 vCPUs would otherwise decide the result."""

    def __init__(self, budget: float, threshold: float = 10.0, per_round: float = 30.0):
        self.budget = budget
        self.threshold = threshold
        self.per_round = per_round
        self.waited = 0.0
        self.gave_up = 0  # rounds measured while still busy

    def wait(self) -> None:
        started = time.monotonic()
        while True:
            window = CpuWindow()
            time.sleep(0.5)
            if window.close()["other_procs_cpu_pct"] < self.threshold:
                break
            spent = time.monotonic() - started
            if spent > self.per_round or self.waited + spent > self.budget:
                self.gave_up += 1
                break
        self.waited += time.monotonic() - started


# Processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env | (extra or {})


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    """Run a command to completion; its stdout, or an error naming its stderr."""
    done = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def run_json(cmd: Sequence[str], env: dict[str, str], cwd: Path, timeout: float) -> Any:
    """Run a bench helper that prints one JSON object as its last line."""
    return json.loads(run(cmd, env, cwd, timeout).strip().splitlines()[-1])


def build(url: str, count: int, workdir: Path, timeout: float) -> float:
    """Fill the store at `url` with `count` certificates (`bench/data.py`), or copy it from
    the store cache (`bench/stores.py`); the build's seconds."""
    events = env_int("BENCH_EVENTS", 2)
    kept = stores.restore(url, count, events)
    if kept is not None:
        return kept
    cmd = [str(VENV_BIN / "python"), "-m", "bench.data", url, str(count)]
    seconds: float = run_json(cmd, child_env(), workdir, timeout)["seconds"]
    stores.keep(url, count, events, seconds)
    return seconds


def run_measured(
    cmd: Sequence[str], workdir: Path, timeout: float, quiet: "Quiet", noise: list[float]
) -> Any:
    """A bench helper's JSON, run after waiting for quiet; appends the CPU % of one core that
    other processes used meanwhile to `noise`."""
    quiet.wait()
    window = CpuWindow()
    result = run_json(cmd, child_env(), workdir, timeout)
    noise.append(window.close()["other_procs_cpu_pct"])
    return result


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process; SIGKILL it and anything below it (by PID) that outlives the grace."""
    if process.poll() is not None:
        return
    tree = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    if process.poll() is None:
        process.wait(5)


def background(
    name: str, cmd: Sequence[str], env: dict[str, str], workdir: Path
) -> subprocess.Popen[bytes]:
    """Start a process we stop later; its output goes to WORKDIR/NAME.log."""
    with (workdir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(cmd, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)


class Server:
    """An HTTP server process on 127.0.0.1, started and stopped by us."""

    def __init__(
        self,
        name: str,
        cmd: list[str],
        env: dict[str, str],
        workdir: Path,
        cpus: str | None = None,
    ):
        self.name = name
        self.port = free_port()
        self.log = workdir / f"{name}.log"
        cmd = pinned([c.replace("{port}", str(self.port)) for c in cmd], cpus)
        self.process = background(name, cmd, env, workdir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, path: str, timeout: float) -> float:
        """Seconds until `path` answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s: {self.log}")

    def stop(self) -> None:
        stop(self.process)

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            body: bytes = response.read()
            return body


LISTEN = ["--host", "127.0.0.1", "--port", "{port}"]  # the Server's port, on loopback
ONE_WORKER = [*LISTEN, "--workers", "1"]


def uvicorn_cmd(app: str) -> list[str]:
    """How the baseline app is served: as `registry serve` serves the registry."""
    python = str(VENV_BIN / "python")
    return [python, "-m", "uvicorn", app, "--factory", *ONE_WORKER, "--no-access-log"]


def granian_cmd(app: str) -> list[str]:
    """The same app factory on granian (a Rust HTTP server), uvloop: section 1 measures what
    the HTTP server costs apart from the app (issue 18 allows any server)."""
    granian = [str(VENV_BIN / "granian"), "--interface", "asgi", "--loop", "uvloop"]
    return [*granian, "--factory", *ONE_WORKER, "--log-level", "warning", app]


def registry_cmd(workers: int = 1) -> list[str]:
    return [str(VENV_BIN / "registry"), "serve", *LISTEN, "--workers", str(workers)]


def registry_env(database_url: str, keys_dir: Path, **extra: str) -> dict[str, str]:
    store = re.sub(r"\W+", "-", database_url.split("?")[0].rsplit("/", 1)[-1])
    return child_env(
        {
            "REGISTRY_DATABASE_URL": database_url,
            "REGISTRY_KEYS_DIR": str(keys_dir),
            # A store's own reports folder: two stores' files of a month have the same names.
            "REGISTRY_REPORTS_DIR": str(keys_dir.parent / f"reports-{store}"),
            "REGISTRY_DEV_MODE": "1",
            "REGISTRY_RATE_LIMIT": "0",  # the benchmark is one client sending thousands a second
            **extra,
        }
    )


def previous_month() -> str:
    """The month before today's in Beijing, YYYY-MM: the regulator report due now."""
    first = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def ready_to_serve(env: dict[str, str], workdir: Path, timeout: float) -> dict[str, float]:
    """What an operator does before serving a bulk-loaded store: a signing key, and last
    month's regulator report made by the CLI. Else the server makes the report at start-up,
    in the measured process, and on a store loaded at once that report holds every event.
    Returns the report's seconds and its process's peak memory."""
    registry = str(VENV_BIN / "registry")
    run([registry, "keys", "generate", "--if-missing"], env, workdir, 300)
    started = time.monotonic()
    peak = peak_memory(
        [registry, "report", "monthly", "--month", previous_month()], env, workdir, timeout
    )
    return {
        "monthly_report_seconds": time.monotonic() - started,
        "monthly_report_peak_rss_mb": peak["rss_mb"],
        "monthly_report_peak_anon_mb": peak["anon_mb"],
    }


def peak_memory(
    cmd: Sequence[str], env: dict[str, str], cwd: Path, timeout: float
) -> dict[str, float]:
    """Run a command to completion; its peak resident memory in MB (`rss_mb`, from `os.wait4`:
    the child's own, where `RUSAGE_CHILDREN` would be the largest child's so far), and its
    peak anonymous memory (`anon_mb`, sampled every 0.1 s): resident memory counts the file
    pages it maps too, which the kernel can drop, and a report signs its files mapped."""
    anon = 0
    with (cwd / "peak.err").open("w+") as errors:
        child = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        deadline = time.monotonic() + timeout
        while True:
            anon = max(anon, _anon_kb(child.pid))
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise RuntimeError(f"{' '.join(cmd)} took over {timeout:.0f} s")
            time.sleep(0.1)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        if child.returncode:
            errors.seek(0)
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({child.returncode}): {errors.read()[-2000:]}"
            )
    return {"rss_mb": usage.ru_maxrss / 1024, "anon_mb": anon / 1024}


def _anon_kb(pid: int) -> int:
    """A running process's anonymous resident memory in KiB (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^RssAnon:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0
