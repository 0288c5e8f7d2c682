"""Backup and restore of the embedded SQLite store (PostgreSQL: pg_dump and pg_restore).

A backup is SQLite's online backup (a consistent copy while the server runs); a restore puts
a backup in place of a store that does not exist yet, and the caller then proves it intact
with `audit verify` on the restored copy.
"""

import os
import sqlite3
from pathlib import Path

from registry.errors import InvalidInput, LifecycleConflict
from registry.settings import Settings, storage_env

PG_DUMP = (
    "the store is PostgreSQL: back up with `pg_dump -Fc -f FILE DBNAME` and restore with "
    "`pg_restore -d DBNAME FILE`, then run `registry audit verify`"
)


def sqlite_path(settings: Settings) -> Path:
    env = storage_env(settings.database_url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        raise InvalidInput(PG_DUMP)
    if env["PERSISTENCE_MODULE"] != "eventsourcing.sqlite" or env["SQLITE_DBNAME"].startswith(
        "file:"
    ):
        raise InvalidInput("only a SQLite file store can be backed up this way")
    return Path(env["SQLITE_DBNAME"])


def backup(settings: Settings, target: Path) -> int:
    """Copy the store to `target` (which must not exist) while it may be in use; return the
    number of events copied."""
    source = sqlite_path(settings)
    if not source.exists():
        raise InvalidInput(f"{source}: no store to back up")
    if target.exists():
        raise LifecycleConflict(f"{target} exists: a backup never overwrites a file")
    _copy(source, target)
    return _events(target)


def restore(settings: Settings, backup_file: Path) -> int:
    """Put `backup_file` in place of the configured store, which must not exist yet (stop the
    server and move the old file away first); return the number of events restored."""
    target = sqlite_path(settings)
    if not backup_file.is_file():
        raise InvalidInput(f"{backup_file}: no such backup file")
    if target.exists():
        raise LifecycleConflict(
            f"{target} exists: move it away (with its -wal file) before restoring over it"
        )
    try:
        count = _events(backup_file)
    except sqlite3.DatabaseError as error:
        raise InvalidInput(f"{backup_file}: not a registry backup ({error})") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup_file, target)
    return count


def _copy(source: Path, target: Path) -> None:
    """Into a new file readable by its owner alone, as the store is: a copy holds the token
    and password hashes and the webhook subscriptions' signing secrets."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _events(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    db.close()
    return int(row[0])
