"""Built stores kept between runs (BENCH_STORE_CACHE, a folder; off by default).

Building 1,000,000 certificates with five events each takes 20–40 minutes, longer than the
measurements made on it. With a cache folder set, `build` keeps what it built and the next
run on the same day, with the same code, starts from a copy: a SQLite file copied from the
folder, a PostgreSQL database created from a template database `certcache_…` on the same
server. A store is keyed by its Beijing date (the data's dates and lapses are relative to
it), its size, its events a certificate and a hash of the code that wrote it (`registry/`
and `bench/data.py`), so a changed schema or dataset is built again. Only the build is
kept: keys and the monthly report are made for each run, as before.

    BENCH_STORE_CACHE=/var/tmp/certbench BENCH_SCALE=1000000 BENCH_EVENTS=5 \\
        .venv/bin/python -m bench.stores sqlite:///var/tmp/x.sqlite 1000000   # fill it ahead
"""

import hashlib
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILES = ("", "-wal", "-shm")


def folder() -> Path | None:
    value = os.environ.get("BENCH_STORE_CACHE")
    return Path(value) if value else None


def key(url: str, count: int, events: int) -> str:
    """What a kept store must match: its kind (SQLite, or the PostgreSQL server's port), the
    day, its size and history, and the code."""
    code = hashlib.sha256()
    for path in sorted([*ROOT.joinpath("registry").rglob("*.py"), ROOT / "bench" / "data.py"]):
        code.update(path.relative_to(ROOT).as_posix().encode())
        code.update(path.read_bytes())
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    kind = "sqlite" if url.startswith("sqlite:") else f"pg{urlsplit(url).port or 5432}"
    return f"{kind}_{day:%Y%m%d}_{count}x{events}_{code.hexdigest()[:12]}"


def restore(url: str, count: int, events: int) -> float | None:
    """Fill the (new, empty) store at `url` from the cache; the original build's seconds, or
    None when nothing matching is kept."""
    cache = folder()
    if cache is None:
        return None
    name = key(url, count, events)
    record = cache / f"{name}.json"
    if not record.exists():
        return None
    if url.startswith("sqlite:///"):
        copy_sqlite(cache / f"{name}.sqlite", sqlite_path(url))
    else:
        admin, database = split(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(database)))
            copy(conn, sql.Identifier(f"certcache_{name}"), sql.Identifier(database))
    print(f"bench: store of {count:,} × {events} restored from {cache}", file=sys.stderr)
    seconds: float = json.loads(record.read_text())["build_seconds"]
    return seconds


def keep(url: str, count: int, events: int, seconds: float) -> None:
    """Copy the store just built at `url` into the cache (nobody may be connected to it)."""
    cache = folder()
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    name = key(url, count, events)
    if url.startswith("sqlite:///"):
        copy_sqlite(sqlite_path(url), cache / f"{name}.sqlite")
    else:
        admin, database = split(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            template = sql.Identifier(f"certcache_{name}")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(template))
            copy(conn, sql.Identifier(database), template)
    (cache / f"{name}.json").write_text(json.dumps({"build_seconds": seconds, "url": url}))


def copy(conn: psycopg.Connection[Any], source: sql.Identifier, target: sql.Identifier) -> None:
    """CREATE DATABASE `target` from `source`, by copying its files where the server can (15+:
    the default strategy writes the whole database through the WAL)."""
    strategy = sql.SQL(" STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else "")
    query = sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(target, source, strategy)
    conn.execute(query)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///").split("?")[0])


def copy_sqlite(source: Path, target: Path) -> None:
    """A closed SQLite database's files (with its WAL, if any) copied to `target`."""
    for suffix in SQLITE_FILES:
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def split(url: str) -> tuple[str, str]:
    """A PostgreSQL store's URL → the server's `postgres` database URL, the store's name."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    return parts._replace(path="/postgres", query="").geturl(), database


if __name__ == "__main__":  # python -m bench.stores URL COUNT: build into the cache ahead
    from bench.common import build

    target, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"seconds": build(target, size, Path.cwd(), 24 * 3600)}))
