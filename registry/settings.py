"""Configuration from the environment (REGISTRY_*), and the store a database URL names."""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
import psycopg_pool
from eventsourcing import persistence as es
from psycopg import sql
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry.errors import InvalidInput

# Seconds: a serving process keeps its newest signed checkpoint younger than this, idle or
# not, so `registry audit verify` fails by default on an older one (checkpoints deleted).
CHECKPOINT_INTERVAL = 3600.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = "sqlite:///var/registry.sqlite"
    # A streaming replica of database_url's PostgreSQL: public reads of the read models.
    read_database_url: str | None = None
    keys_dir: Path = Path("keys")
    key_passphrase: SecretStr | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    rate_limit: int = 120  # public requests per minute per client address; 0 turns it off
    projector: Literal["inline", "external"] = "inline"  # external: `registry project` runs it
    tsa_url: str | None = None  # an RFC 3161 timestamp server: PDFs are signed PAdES B-T
    console_idle_minutes: int = 30  # a console session ends after this long unused
    dev_mode: bool = False  # allows a keyring without a passphrase (make run); never in production
    home: Path | None = None  # relative paths (var/, keys/) are resolved from here; None: cwd
    reports_dir: Path = Path("var/reports")  # the monthly reports' files
    monthly_reports: bool = True  # the server makes last month's report itself (from the 1st)
    smtp_host: str | None = None  # e-mail notifications when set
    smtp_port: int = 25
    smtp_from: str = "registry@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    notify_registrars: str = ""  # addresses, comma-separated: the daily digest of deadlines
    notify_regulator: str = ""  # addresses, comma-separated: each monthly report made
    ready_max_lag: int = 1000  # /readyz fails while a read model is further behind the log
    metrics_token: SecretStr | None = None  # /metrics for non-loopback clients with this bearer
    access_log: bool = False  # one JSON line per request on stderr (logger registry.access)
    log_format: Literal["text", "json"] = "text"  # json: every log line a JSON document
    # Addresses (comma-separated, or *) whose X-Forwarded-For is believed: the reverse proxy.
    trusted_proxies: str = ""
    checkpoint_interval: float = Field(default=CHECKPOINT_INTERVAL, gt=0)
    # Slow clients: seconds for a request's headers, and for its body, to arrive; and the
    # connections one serving process keeps open at once (beyond, new ones are closed).
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=30.0, gt=0)
    max_connections: int = Field(default=4096, gt=0)

    @model_validator(mode="after")
    def _from_home(self) -> "Settings":
        """Resolve the store's file and the keyring from REGISTRY_HOME, so that a command run
        in another folder finds them (and does not make a new empty registry there)."""
        if self.home is not None:
            self.keys_dir = self.resolve(self.keys_dir)
            self.reports_dir = self.resolve(self.reports_dir)
            url = urlsplit(self.database_url)
            path = unquote(url.path[1:] if url.path.startswith("/") else url.path)
            if url.scheme == "sqlite" and path and not path.startswith("file:"):
                self.database_url = f"sqlite:///{self.resolve(Path(path))}"
        return self

    def resolve(self, path: Path) -> Path:
        return path if self.home is None or path.is_absolute() else self.home / path


def storage_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's environment for `sqlite:///path`, `postgresql://…` or `memory:`.

    PostgreSQL URLs take `?schema=NAME` to keep the registry's tables in their own schema.
    """
    url = urlsplit(database_url)
    if url.scheme == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.scheme == "sqlite":
        path = unquote(url.path[1:] if url.path.startswith("/") else url.path)
        if not path:
            raise InvalidInput("a sqlite URL names a file: sqlite:///var/registry.sqlite")
        if not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    if url.scheme in ("postgresql", "postgres"):
        query = parse_qs(url.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": query.get("pool_size", ["2"])[0],
            "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", ["8"])[0],
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_CONNECT_TIMEOUT": "10",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env
    raise InvalidInput(
        f"REGISTRY_DATABASE_URL must be sqlite:///…, postgresql://… or memory:, "
        f"not {url.scheme or database_url!r}"
    )


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only; SQLite gives its -wal and -shm
    files the same mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# The store failing under us (server restarted, connections cut, disk full, file read-only):
# a clear, retryable 503; the command appended nothing, as every save is one transaction.
STORAGE_ERRORS: tuple[type[Exception], ...] = (
    es.OperationalError,
    es.InterfaceError,
    es.InternalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    sqlite3.OperationalError,
)

SETUP_LOCK = 0x63657274  # "cert": one advisory lock serialises the registry's DDL


@contextmanager
def storage_setup(env: dict[str, str]) -> Iterator[None]:
    """Hold while the library creates its tables: several processes starting at once on
    PostgreSQL would otherwise race on CREATE ... IF NOT EXISTS ("tuple concurrently updated").
    Also creates the URL's schema if it is missing, so a fresh database just works."""
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        if not env["SQLITE_DBNAME"].startswith("file:"):
            _create_private(Path(env["SQLITE_DBNAME"]))
        yield
        return
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield
        return
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        if schema := env.get("POSTGRES_SCHEMA"):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        yield
