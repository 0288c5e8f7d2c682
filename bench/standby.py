"""A hot standby of the local PostgreSQL server for the replica section: `pg_basebackup -R`
into a temporary folder, started on a port of its own, stopped and deleted afterwards. The
server's pg_hba.conf gets one line allowing replication from loopback, removed at the end
(as tests/integration/test_replica.py does; the two never run at once)."""

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.common import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
REPLICATION = "host replication all 127.0.0.1/32 trust"


@dataclass(frozen=True)
class Standby:
    port: int
    data: Path

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def pid(self) -> int:
        """The standby's postmaster (its backends and WAL receiver are its children)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])


def as_postgres(*command: str) -> None:
    """Run a PostgreSQL program as the `postgres` OS user (the server refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")


@contextmanager
def standby(admin_url: str) -> Iterator[Standby]:
    """A streaming standby of the server `admin_url` connects to (it must be local)."""
    if not (BIN / "pg_basebackup").exists():
        raise RuntimeError(f"no {BIN}/pg_basebackup to make a standby with")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        hba = Path(str(admin.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
    marker = f"{REPLICATION}  # certregistry bench {uuid.uuid4().hex}\n"
    folder = Path(tempfile.mkdtemp(prefix="certbench-standby-"))
    shutil.chown(folder, "postgres", "postgres")
    found = Standby(free_port(), folder / "data")
    with hba.open("a") as lines:
        lines.write(marker)
    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_reload_conf()")
        as_postgres(
            f"{BIN}/pg_basebackup", "-d", admin_url, "-D", str(found.data), "-R",
            "-X", "stream", "-c", "fast",
        )  # fmt: skip
        # Debian keeps the configuration outside the data folder: the standby gets its own.
        settings = {
            "postgresql.conf": f"port = {found.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{folder}'\nhot_standby = on\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in settings.items():
            (found.data / name).write_text(text)
            shutil.chown(found.data / name, "postgres", "postgres")
        log = str(folder / "log")
        as_postgres(f"{BIN}/pg_ctl", "-D", str(found.data), "-l", log, "-w", "start")
        try:
            yield found
        finally:
            as_postgres(f"{BIN}/pg_ctl", "-D", str(found.data), "-m", "fast", "-w", "stop")
    finally:
        hba.write_text(hba.read_text().replace(marker, ""))
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=30) as admin:
            admin.execute("SELECT pg_reload_conf()")
        shutil.rmtree(folder, ignore_errors=True)
