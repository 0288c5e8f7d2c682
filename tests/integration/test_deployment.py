"""A deployment a newcomer can run: REGISTRY_HOME from any folder, the port in QR codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from registry.settings import Settings
from tests.api.conftest import body
from tests.examples import issue_request
from tests.processes import cli, free_port, server, settings_env, wait_ready
from tests.scanning import scan


def registry_in(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`registry ARGS` run in `folder` with only REGISTRY_HOME set (as after `make run`)."""
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd()), "REGISTRY_HOME": str(home)},
        timeout=120,
        check=False,
    )


def test_commands_run_in_any_folder_use_the_home_registry(tmp_path: Path) -> None:
    home, elsewhere, other = tmp_path / "home", tmp_path / "elsewhere", tmp_path / "other"
    for folder in (home, elsewhere, other):
        folder.mkdir()

    created = registry_in(elsewhere, home, "token", "create", "--role", "auditor", "--name", "ann")
    listed = registry_in(other, home, "token", "list")

    assert created.returncode == 0, created.stderr
    assert "ann" in listed.stdout
    assert (home / "var" / "registry.sqlite").exists()
    assert not (elsewhere / "var").exists()
    assert not (other / "var").exists()


def test_settings_resolve_relative_paths_from_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)

    assert settings.database_url == f"sqlite:///{tmp_path}/var/registry.sqlite"
    assert settings.keys_dir == tmp_path / "keys"
    assert Settings(home=tmp_path, keys_dir=Path("/srv/keys")).keys_dir == Path("/srv/keys")


def test_qr_codes_follow_the_port_served_on_unless_the_base_url_is_set(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite", keys_dir=tmp_path, dev_mode=True
    )
    assert cli(settings, "keys", "generate").returncode == 0
    token = cli(settings, "token", "create", "--role", "registrar", "--name", "r").stdout.strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY_PUBLIC_BASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--port", str(port)],
        env=env | settings_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        issued = httpx.post(
            f"{base}/api/v1/certificates",
            json=body(issue_request()),
            headers={"Authorization": f"Bearer {token}"},
        )
        image = httpx.get(f"{base}/api/v1/certificates/{issued.json()['registration_no']}/qr.png")
    finally:
        process.kill()
        process.wait(timeout=10)

    assert scan(image.content).startswith(f"{base}/v/")


@pytest.mark.parametrize(
    ("trusted", "statuses"), [("", [429, 429, 429]), ("127.0.0.1", [200, 200, 200])]
)
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trusted: str, statuses: list[int]
) -> None:
    """One public request a minute: three clients behind a trusted proxy are three
    addresses; from an untrusted one, three claims are the one address 127.0.0.1, whose
    request the wait for the server took."""
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", trusted)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite", rate_limit=1)

    with server(settings) as base:
        answers = [
            httpx.get(f"{base}/api/v1/clauses", headers={"X-Forwarded-For": f"203.0.113.{n}"})
            for n in range(3)
        ]

    assert [a.status_code for a in answers] == statuses


def test_json_logs_are_one_json_document_a_line_access_log_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_LOG_FORMAT", "json")
    monkeypatch.setenv("REGISTRY_ACCESS_LOG", "1")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite")
    port, log = free_port(), tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--port", str(port)],
            env=os.environ | settings_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            process.wait(timeout=30)

    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line]
    assert any(line.get("route") == "/api/v1/clauses" for line in lines)
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)


def test_a_served_registry_exposes_metrics_prometheus_can_parse(tmp_path: Path) -> None:
    """`registry serve` as deployed: /metrics from loopback, read with prometheus-client's
    own parser, counts the verification just answered under its route template."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite")

    with server(settings) as base:
        httpx.get(f"{base}/api/v1/verify", params={"number": "CESI2026EV/IMG10001"})
        text = httpx.get(f"{base}/metrics").text

    families = {f.name: f.samples for f in text_string_to_metric_families(text)}
    verified = [
        s.value
        for s in families["registry_http_requests"]
        if s.labels == {"route": "/api/v1/verify", "method": "GET", "status": "404"}
    ]
    assert verified == [1.0]
    assert "registry_http_request_duration_seconds" in families
