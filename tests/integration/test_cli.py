"""The `registry` command line: one-line errors, non-zero exits, nothing changed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.settings import Settings
from tests.processes import cli, hunt_clock, settings_env


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return cli(Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite"), *args)


def test_sweep_of_an_empty_registry_records_nothing(tmp_path: Path) -> None:
    result = run("sweep", tmp_path=tmp_path)

    assert result.returncode == 0
    assert "0 certificate(s)" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sweep", "--as-of", "2999-01-01"), "after today"),
        (("verify", "CESI2026EV/IMG10001"), "no certificate"),
        (("verify", "nonsense"), "is not a certificate number"),
    ],
)
def test_refusals_are_one_line_with_a_non_zero_exit(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(*args, tmp_path=tmp_path)

    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("action", ["retire", "compromised"])
def test_a_kid_beginning_with_a_dash_is_read_as_the_kid_not_an_option(
    tmp_path: Path, action: str
) -> None:
    """Key ids are base64url: one in 32 begins with "-" (a CI run met one)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite",
        keys_dir=tmp_path / "keys",
        dev_mode=True,
    )
    assert cli(settings, "keys", "generate").returncode == 0

    result = cli(settings, "keys", action, "-VypXUJ2")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "registry: no key '-VypXUJ2' in the keyring (see `registry keys list`)"
    )


def test_importing_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "missing.csv"), tmp_path=tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith("registry: ")
    assert "missing.csv" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_store_is_one_line(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none")

    result = cli(settings, "sweep")

    assert result.returncode == 3
    assert result.stderr.startswith("registry: the store is unavailable")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serving_with_an_unencrypted_key_outside_development_mode_is_one_line(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/registry.sqlite"
    dev = Settings(database_url=url, keys_dir=tmp_path, dev_mode=True)
    assert cli(dev, "keys", "generate").returncode == 0

    result = cli(Settings(database_url=url, keys_dir=tmp_path), "serve", "--port", "1")

    assert result.returncode == 2
    assert "is not encrypted" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_reader_that_goes_away_is_met_quietly(tmp_path: Path) -> None:
    """`registry token list | head -0`: the pipe is closed before the command writes."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite")
    for n in range(3):
        cli(settings, "token", "create", "--role", "auditor", "--name", f"a{n}")
    read, write = os.pipe()
    os.close(read)

    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "token", "list"],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", **hunt_clock(), **settings_env(settings)},
        timeout=120,
        check=False,
    )
    os.close(write)

    assert result.returncode == 141
    assert result.stderr == ""


def test_a_report_for_any_period_is_written_with_its_signature(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite", keys_dir=tmp_path, dev_mode=True
    )
    assert cli(settings, "keys", "generate").returncode == 0
    out = tmp_path / "period.json"

    result = cli(
        settings,
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "json",
        "--out",
        str(out),
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_bytes()) == {"from": "2026-11-01", "to": "2026-11-30", "items": []}
    assert out.with_name("period.json.jws").read_text().count(".") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report",), "give --from DATE --to DATE"),
        (("report", "--from", "2026-02-30", "--to", "2026-03-01"), "is not a date"),
    ],
)
def test_report_refusals_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, tmp_path=tmp_path)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_token_name_is_unique_among_live_tokens(tmp_path: Path) -> None:
    first = run("token", "create", "--role", "registrar", "--name", "alice", tmp_path=tmp_path)

    again = run("token", "create", "--role", "auditor", "--name", "alice", tmp_path=tmp_path)

    assert first.returncode == 0, first.stderr
    assert again.returncode != 0
    assert again.stderr.startswith("registry: a live token is already named 'alice'")


def test_a_revoked_tokens_name_can_be_given_again(tmp_path: Path) -> None:
    run("token", "create", "--role", "registrar", "--name", "alice", tmp_path=tmp_path)
    run("token", "revoke", "alice", tmp_path=tmp_path)

    again = run("token", "create", "--role", "registrar", "--name", "alice", tmp_path=tmp_path)

    assert again.returncode == 0, again.stderr


def test_the_sqlite_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    run("sweep", tmp_path=tmp_path)

    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("registry.sqlite*")}

    assert modes["registry.sqlite"] == 0o600
    assert set(modes.values()) == {0o600}
