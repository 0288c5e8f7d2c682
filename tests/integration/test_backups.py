"""`registry backup` and `registry restore`: a copy taken while the store is in use, restored
and proven intact by `audit verify` on the restored copy."""

import sqlite3
import stat
from pathlib import Path

from registry.application import open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.transparency import AuditLog
from tests.examples import issue_request
from tests.processes import cli


def settings_at(folder: Path, keys: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder}/registry.sqlite", keys_dir=keys, dev_mode=True
    )


def test_a_backup_restored_elsewhere_verifies_and_answers_the_same(tmp_path: Path) -> None:
    live, restored = (
        settings_at(tmp_path / "live", tmp_path),
        settings_at(tmp_path / "new", tmp_path),
    )
    with open_registry(live) as registry:  # held open while the backup runs
        keys = open_keys(registry, live)
        keys.generate()
        no = registry.issue(actor="alice", **issue_request())["registration_no"]
        AuditLog(registry, keys).issue()  # as the serving process signs after each batch
        assert cli(live, "backup", str(tmp_path / "backup.sqlite")).returncode == 0
        answer = registry.verify(number=no)

    result = cli(restored, "restore", str(tmp_path / "backup.sqlite"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("intact:")
    with open_registry(restored) as registry:
        assert registry.verify(number=no) == answer


def test_a_backup_and_its_restored_store_are_readable_by_their_owner_alone(
    tmp_path: Path,
) -> None:
    live, restored = (
        settings_at(tmp_path / "live", tmp_path),
        settings_at(tmp_path / "new", tmp_path),
    )
    with open_registry(live):
        pass

    cli(live, "backup", str(tmp_path / "backup.sqlite"))
    cli(restored, "restore", str(tmp_path / "backup.sqlite"))

    assert stat.S_IMODE((tmp_path / "backup.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new" / "registry.sqlite").stat().st_mode) == 0o600


def test_a_tampered_backup_is_restored_but_fails_its_verification(tmp_path: Path) -> None:
    live, restored = (
        settings_at(tmp_path / "live", tmp_path),
        settings_at(tmp_path / "new", tmp_path),
    )
    with open_registry(live) as registry:
        open_keys(registry, live).generate()
        registry.issue(actor="alice", **issue_request())
    cli(live, "backup", str(tmp_path / "backup.sqlite"))
    with sqlite3.connect(tmp_path / "backup.sqlite") as db:  # the Issued event's actor
        (rowid, state) = db.execute(
            "SELECT rowid, state FROM stored_events ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        forged = state.replace(b'"alice"', b'"eve"')
        assert forged != state
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (forged, rowid))
    db.close()

    result = cli(restored, "restore", str(tmp_path / "backup.sqlite"))

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(("registry: NOT intact", "  also"))


def test_restoring_over_an_existing_store_is_refused(tmp_path: Path) -> None:
    live = settings_at(tmp_path / "live", tmp_path)
    with open_registry(live):
        pass
    cli(live, "backup", str(tmp_path / "backup.sqlite"))

    result = cli(live, "restore", str(tmp_path / "backup.sqlite"))

    assert result.returncode == 2
    assert "exists: move it away" in result.stderr


def test_a_postgresql_store_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    result = cli(Settings(database_url="postgresql://u@127.0.0.1/db"), "backup", "x.dump")

    assert result.returncode == 2
    assert result.stderr.startswith("registry: the store is PostgreSQL: back up with `pg_dump")
