"""The PostgreSQL server the benchmark uses (BENCH_POSTGRES): a database of its own for a
section, dropped afterwards, and the server's process for the CPU accounting."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from bench.common import Config, Section, build, ready_to_serve, registry_env


def admin_url(cfg: Config) -> str:
    return cfg.postgres_url.rstrip("/") + "/postgres"


@contextmanager
def database(cfg: Config) -> Iterator[str]:
    """A new database `certbench_<random>`, its name; dropped at the end, whoever is still
    connected to it."""
    name = f"certbench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url(cfg), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(admin_url(cfg), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextmanager
def served_store(
    cfg: Config, workdir: Path, keys: str, section: Section
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A new database filled with `cfg.scale` certificates and made ready to serve (a signing
    key in `workdir / keys`, last month's report made): its name, the registry's URL and the
    registry's environment. The build's and the report's seconds (and the report's peak
    memory) go into `section.data`."""
    with database(cfg) as name:
        url = registry_url(cfg, name)
        timeout = 900 + cfg.scale / 20
        section.data["build_seconds"] = build(url, cfg.scale, workdir, timeout)
        env = registry_env(url, workdir / keys)
        section.data |= ready_to_serve(env, workdir, timeout)
        yield name, url, env


def registry_url(cfg: Config, name: str) -> str:
    """The registry's store in database `name` (schema `registry`)."""
    return f"{cfg.postgres_url.rstrip('/')}/{name}?schema=registry"


def postmaster_pid(admin: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine and we may ask."""
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        return int(Path(str(row[0]), "postmaster.pid").read_text().split()[0]) if row else None
    except (psycopg.Error, OSError, ValueError):
        return None
