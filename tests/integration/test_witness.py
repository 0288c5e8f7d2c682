"""A witness pins a registry's log from outside: each new checkpoint signed and consistent
with the last one seen, a fork refused (real `registry serve` processes)."""

from datetime import date
from pathlib import Path

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from tests.examples import issue_request
from tests.processes import cli, server

ACTOR = "registrar-alice"


def store(folder: Path, certificates: int) -> Settings:
    """A SQLite registry with its own key and `certificates` issued certificates."""
    settings = Settings(
        database_url=f"sqlite:///{folder}/registry.sqlite", keys_dir=folder / "keys", dev_mode=True
    )
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        for _ in range(certificates):
            issue(settings)
    return settings


def issue(settings: Settings) -> None:
    with open_registry(settings) as registry:
        registry.issue(actor=ACTOR, **issue_request(decision_date=date(2026, 5, 11)))


def test_a_witness_accepts_a_log_that_grows_consistently(tmp_path: Path) -> None:
    settings = store(tmp_path / "a", 2)
    state = tmp_path / "seen.json"

    with server(settings) as base:
        first = cli(settings, "audit", "witness", base, "--state", str(state))
        issue(settings)
        second = cli(settings, "audit", "witness", base, "--state", str(state))

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert "first seen" in first.stdout
    assert "consistent with size" in second.stdout


def test_a_witness_exits_non_zero_on_a_fork(tmp_path: Path) -> None:
    settings, other = store(tmp_path / "a", 2), store(tmp_path / "b", 4)
    state = tmp_path / "seen.json"
    with server(settings) as base:
        cli(settings, "audit", "witness", base, "--state", str(state))
    seen = state.read_text()

    with server(other) as base:  # the same URL answering from another history
        forked = cli(settings, "audit", "witness", base, "--state", str(state))

    assert forked.returncode == 1
    assert forked.stderr.startswith("registry: FORK:")
    assert state.read_text() == seen
