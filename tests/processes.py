"""The registry as separate processes for tests: its CLI, `registry serve` on a free port, a
webhook receiver, and a wall clock those processes share."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt

from registry.settings import Settings

CLOCK = Path(__file__).parent / "clock"  # sitecustomize.py: a process's wall clock shifted


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
    for name in ("checkpoint_interval", "header_timeout", "body_timeout", "max_connections"):
        if name in settings.model_fields_set:
            env[f"REGISTRY_{name.upper()}"] = str(getattr(settings, name))
    if settings.key_passphrase is not None:
        env["REGISTRY_KEY_PASSPHRASE"] = settings.key_passphrase.get_secret_value()
    return env


def pinned_clock(moment: datetime) -> dict[str, str]:
    """The environment that starts a process's wall clock at `moment` (tests/clock/
    sitecustomize.py), whatever clock the test run has. The processes given one such
    environment share one clock, moving on in real time from when it was made."""
    return {
        "PYTHONPATH": str(CLOCK),
        "HUNT_CLOCK": moment.isoformat(),
        "HUNT_CLOCK_AT": repr(_machine_time()),
    }


def _machine_time() -> float:
    """The machine's own time, as a process reads it before sitecustomize shifts it: even
    in a test run whose clock is shifted itself (`.ci/hunt` with HUNT_CLOCK)."""
    if "time_machine" in sys.modules:
        import time_machine

        if time_machine.escape_hatch.is_travelling():
            return float(time_machine.escape_hatch.time.time())
    return time.time()


def cli(
    settings: Settings, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `registry ARGS` with a bare environment: only what the settings (and `env`) say,
    and the hunt's shifted clock when there is one (the command shares the test's clock)."""
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **hunt_clock(), **settings_env(settings), **(env or {})},
        timeout=120,
        check=False,
    )


def hunt_clock() -> dict[str, str]:
    """What makes a child process share a `.ci/hunt` run's shifted clock
    (tests/clock/sitecustomize.py): nothing outside a hunt."""
    names = ("PYTHONPATH", "HUNT_CLOCK", "HUNT_CLOCK_AT")
    return {n: os.environ[n] for n in names if "HUNT_CLOCK" in os.environ and n in os.environ}


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
    settings: Settings,
    *args: str,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`registry serve` in its own process: (base URL, process); killed at the end. `env`
    adds to the test run's environment (a setting the `Settings` do not carry, a clock)."""
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
    settings: Settings,
    *args: str,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    with serving(settings, *args, port=port, env=env) as (base, _):
        yield base


@contextmanager
def receiver(
    port: int, secret: str, inbox: Path, env: Mapping[str, str] | None = None
) -> Iterator[None]:
    """tests/webhook_receiver.py in its own process on `port`, writing what it verified with
    `secret` to `inbox`; killed at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.webhook_receiver", str(port), secret, str(inbox)],
        env={**os.environ, **(env or {})},
    )
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/"), "the receiver to listen")
        yield
    finally:
        process.kill()
        process.wait(timeout=10)


def received(inbox: Path) -> list[dict[str, Any]]:
    """What the receiver verified and kept, in the order it came: `{id, type, data, …}`."""
    if not inbox.exists():
        return []
    return [json.loads(line) for line in inbox.read_text("utf-8").splitlines()]


def wait_ready(base: str, timeout: float = 30) -> None:
    wait_until(lambda: _answers(f"{base}/api/v1/clauses"), "the server to start", timeout)


def wait_until(done: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `done` until it holds; fail naming `what` after `timeout` seconds. For state
    another process makes: never a sleep standing in for it."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def detached_signature_verifies(base: str, signature: str, payload: bytes) -> bool:
    """PyJWT, an independent JOSE library, checks a detached JWS (RFC 7515 Appendix F: put
    the payload back) against the key set the server at `base` publishes."""
    jwks = jwt.PyJWKSet.from_dict(httpx.get(f"{base}/.well-known/jwks.json").json())
    key = jwks[jwt.get_unverified_header(signature)["kid"]].key
    header, _, sig = signature.split(".")
    encoded = jwt.utils.base64url_encode(payload).decode()
    try:
        jwt.api_jws.PyJWS().decode(f"{header}.{encoded}.{sig}", key, algorithms=["EdDSA"])
    except jwt.InvalidSignatureError:
        return False
    return True
