"""Configuration from the environment (REGISTRY_*), and the store a database URL names."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from psycopg import sql
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry.errors import InvalidInput


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = "sqlite:///var/registry.sqlite"
    keys_dir: Path = Path("keys")
    key_passphrase: SecretStr | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    rate_limit: int = 120  # public requests per minute per client address; 0 turns it off
    projector: Literal["inline", "external"] = "inline"  # external: `registry project` runs it
    console_idle_minutes: int = 30  # a console session ends after this long unused
    dev_mode: bool = False  # allows a keyring without a passphrase (make run); never in production


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


SETUP_LOCK = 0x63657274  # "cert": one advisory lock serialises the registry's DDL


@contextmanager
def storage_setup(env: dict[str, str]) -> Iterator[None]:
    """Hold while the library creates its tables: several processes starting at once on
    PostgreSQL would otherwise race on CREATE ... IF NOT EXISTS ("tuple concurrently updated").
    Also creates the URL's schema if it is missing, so a fresh database just works."""
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
