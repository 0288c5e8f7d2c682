"""The `registry` command line: one-line errors, non-zero exits, nothing changed."""

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite", "PATH": "/usr/bin"}
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


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
