"""SQL access to the read models, in the same database as the events (SQLite or PostgreSQL).

Statements are written once with `%s` placeholders; SQLite gets them as `?`.
"""

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

Row = tuple[Any, ...]

# A replica's delay in seconds: none while it streams and has replayed all it received, else
# the age of the last transaction it replayed (which errs long while the primary is idle).
LAG = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
LAG_EVERY = 1.0  # seconds between two measures of it


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...


class ViewStore:
    """Transactions and queries on the read-model tables; on a `replica` (a PostgreSQL hot
    standby, read-only), queries only."""

    def __init__(self, env: Mapping[str, str], *, replica: bool = False):
        self.postgres = env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        self.replica = replica
        self._lag, self._lag_at = 0.0, -LAG_EVERY
        self._local = threading.local()
        self._pool: ConnectionPool | None = None
        self._keepalive: sqlite3.Connection | None = None
        if self.postgres:
            options = (
                f"-c search_path={env['POSTGRES_SCHEMA']}" if env.get("POSTGRES_SCHEMA") else ""
            )
            self._pool = ConnectionPool(
                make_conninfo(
                    dbname=env["POSTGRES_DBNAME"],
                    host=env["POSTGRES_HOST"],
                    port=env["POSTGRES_PORT"],
                    user=env["POSTGRES_USER"],
                    password=env["POSTGRES_PASSWORD"] or None,
                    connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "10"),
                    options=options or None,
                ),
                min_size=1,
                # No check on checkout (a round trip a read): a read that meets a connection
                # cut meanwhile (a server restart) is tried once more, on a checked one.
                max_size=int(env.get("POSTGRES_POOL_SIZE", "2"))
                + int(env.get("POSTGRES_MAX_OVERFLOW", "8")),
                open=True,
                timeout=4,  # an outage answers 503 within 5 s, not after a long wait
            )
        elif env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            self._sqlite_path, self._sqlite_uri = (
                env["SQLITE_DBNAME"],
                env["SQLITE_DBNAME"].startswith("file:"),
            )
        else:  # in-memory events: the views live in a private in-memory SQLite database
            self._sqlite_path = f"file:views-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._sqlite_uri = True
            self._keepalive = self._connect()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._sqlite_path,
            uri=self._sqlite_uri,
            timeout=30,
            check_same_thread=False,
            isolation_level=None,
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=30000")
        # Read models are rebuilt from the events: a crash may lose their last commits (rows
        # and position together, atomically), never corrupt them; so no fsync per commit.
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _sqlite(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self._pool is not None:
            with self._pool.connection() as pg, pg.transaction():
                yield pg.cursor()
            return
        lite = self._sqlite()
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield _QmarkCursor(lite.cursor())
        except BaseException:
            lite.execute("ROLLBACK")
            raise
        lite.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read (never a write: it may run twice)."""
        if self._pool is None:
            return self._sqlite().execute(sql.replace("%s", "?"), params).fetchall()
        for attempt in (1, 2):
            connection: psycopg.Connection[Row] | None = None
            try:
                with self._pool.connection() as connection:
                    return connection.execute(sql, params).fetchall()
            except psycopg.OperationalError:
                if attempt == 2 or connection is None or not connection.broken:
                    raise  # the server is down or the pool exhausted: the caller answers 503
            # The pooled connection had been cut (a server restart, an administrator): the
            # others in the pool most likely were too. Drop the dead ones, and read once more.
            self._pool.check()
        raise AssertionError("unreachable")

    def has_table(self, name: str) -> bool:
        """Whether the table exists, asked without DDL (which would lock against writers)."""
        if self.postgres:
            return self.query_one("SELECT to_regclass(%s)", (name,)) != (None,)
        found = self.query_one(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", (name,)
        )
        return found is not None

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def lag(self) -> float | None:
        """How many seconds a replica is behind its primary (None: this is the primary),
        measured at most once a second."""
        if not self.replica:
            return None
        if time.monotonic() - self._lag_at >= LAG_EVERY:
            row = self.query_one(LAG)
            self._lag, self._lag_at = max(0.0, float(row[0])) if row else 0.0, time.monotonic()
        return self._lag

    def lag_is_fresh(self) -> bool:
        """Whether `lag()` answers without a round trip."""
        return not self.replica or time.monotonic() - self._lag_at < LAG_EVERY

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._keepalive is not None:
            self._keepalive.close()


class _QmarkCursor:
    """A SQLite cursor that takes the `%s` placeholders the statements are written with."""

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("%s", "?"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql.replace("%s", "?"), rows)

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row


class Queries:
    """The base of a read model's queries object: what it reads from."""

    def __init__(self, store: ViewStore):
        self.store = store
