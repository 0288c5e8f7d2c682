"""The registry as separate processes for tests: its CLI, and `registry serve` on a free port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from registry.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        "REGISTRY_DATABASE_URL": settings.database_url,
        "REGISTRY_KEYS_DIR": str(settings.keys_dir),
        "REGISTRY_DEV_MODE": "1" if settings.dev_mode else "0",
        "REGISTRY_RATE_LIMIT": str(settings.rate_limit),
    }
    if "public_base_url" in settings.model_fields_set:  # else it follows the port served on
        env["REGISTRY_PUBLIC_BASE_URL"] = settings.public_base_url
    if "reports_dir" in settings.model_fields_set:
        env["REGISTRY_REPORTS_DIR"] = str(settings.reports_dir)
    if "monthly_reports" in settings.model_fields_set:
        env["REGISTRY_MONTHLY_REPORTS"] = "1" if settings.monthly_reports else "0"
    if settings.key_passphrase is not None:
        env["REGISTRY_KEY_PASSPHRASE"] = settings.key_passphrase.get_secret_value()
    return env


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `registry ARGS` with a bare environment: only what the settings say."""
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **settings_env(settings)},
        timeout=120,
        check=False,
    )


def clock_env(shift_file: Path) -> dict[str, str]:
    """The environment of a process whose wall clock a test moves with `move_clock`."""
    move_clock(shift_file, timedelta(0))
    clock = str(Path(__file__).parent / "clock")
    path = os.pathsep.join(p for p in (clock, os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "TEST_CLOCK_SHIFT_FILE": str(shift_file)}


def move_clock(shift_file: Path, ahead: timedelta) -> None:
    """Set the clock of the processes started with `clock_env` this far ahead of real time,
    from their next reading on: a new file replaces the old, so they see it has changed."""
    written = shift_file.with_name(shift_file.name + ".new")
    written.write_text(repr(ahead.total_seconds()), encoding="ascii")
    os.replace(written, shift_file)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    settings: Settings, *args: str, port: int | None = None, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`registry serve` in its own process: (base URL, process); killed at the end."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **settings_env(settings), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@contextmanager
def server(
    settings: Settings, *args: str, port: int | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    with serving(settings, *args, port=port, env=env) as (base, _):
        yield base


def wait_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/api/v1/clauses", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
