"""The registry as separate processes for tests: its CLI, and `registry serve` on a free port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
    for name in ("checkpoint_interval", "header_timeout", "body_timeout", "max_connections"):
        if name in settings.model_fields_set:
            env[f"REGISTRY_{name.upper()}"] = str(getattr(settings, name))
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    settings: Settings, *args: str, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`registry serve` in its own process: (base URL, process); killed at the end."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **settings_env(settings)},
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
def server(settings: Settings, *args: str, port: int | None = None) -> Iterator[str]:
    with serving(settings, *args, port=port) as (base, _):
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
