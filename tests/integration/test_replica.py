"""Public reads from a PostgreSQL streaming replica (REGISTRY_READ_DATABASE_URL): a real hot
standby of the test server, made with pg_basebackup -R on a free port in a folder of its own."""

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from registry.application import open_registry
from registry.errors import InvalidInput
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from tests.api.conftest import SUSPENSION, Api
from tests.conftest import ADMIN_URL, IN_CI, Clock
from tests.processes import free_port

# serial: it edits the shared server's pg_hba.conf and copies the whole cluster for a standby
pytestmark = [pytest.mark.postgres, pytest.mark.serial]

BIN = Path("/usr/lib/postgresql/15/bin")
REPLICATION = "host replication all 127.0.0.1/32 trust"


def as_postgres(*command: str) -> None:
    """Run a PostgreSQL program as the `postgres` OS user (the server refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=600)


def wait_for(condition: Callable[[], bool], failure: str, timeout: float = 60) -> None:
    """A liveness wait with a generous bound, never a speed claim; a failure shows the end
    of the standby's log."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = sorted(Path(tempfile.gettempdir()).glob("certregistry-standby-*/log"))
            tail = "".join(log.read_text()[-2000:] for log in logs)
            pytest.fail(f"{failure}; the standby's log ends:\n{tail}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def standby(postgres_url: str) -> Iterator[str]:
    """The URL of a hot standby of the test server, streaming from it. The server's pg_hba
    gets one line allowing replication from loopback, removed again at the end."""
    if not (BIN / "pg_basebackup").exists():
        message = f"no {BIN}/pg_basebackup to make a standby with"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        hba = Path(str(admin.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
    marker = f"{REPLICATION}  # certregistry test_replica {uuid.uuid4().hex}\n"
    folder = Path(tempfile.mkdtemp(prefix="certregistry-standby-"))
    shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    with hba.open("a") as lines:
        lines.write(marker)
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_reload_conf()")
        as_postgres(
            f"{BIN}/pg_basebackup", "-d", ADMIN_URL, "-D", str(data), "-R", "-X", "stream",
            "-c", "fast",
        )  # fmt: skip
        # Debian keeps the configuration outside the data folder: the standby gets its own.
        (data / "postgresql.conf").write_text(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{folder}'\nhot_standby = on\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(data / name, "postgres", "postgres")
        as_postgres(f"{BIN}/pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/{postgres_url.rsplit('/', 1)[1]}"
        finally:
            as_postgres(f"{BIN}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        hba.write_text(hba.read_text().replace(marker, ""))
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=30) as admin:
            admin.execute("SELECT pg_reload_conf()")
        shutil.rmtree(folder, ignore_errors=True)


def replica_status(standby: str, schema: str, registration: str) -> str | None:
    """The status of a registration in the replica's copy of the certificates read model."""
    with psycopg.connect(standby, autocommit=True) as replica:
        if replica.execute("SELECT to_regclass(%s)", (f"{schema}.certificates",)).fetchone() == (
            None,
        ):
            return None
        row = replica.execute(
            f"SELECT status FROM {schema}.certificates WHERE registration_no = %s",
            (registration,),
        ).fetchone()
    return None if row is None else str(row[0])


def test_public_reads_come_from_the_replica_and_a_suspension_on_the_primary_reaches_it(
    postgres_url: str, standby: str, tmp_path: Path, clock: Clock
) -> None:
    schema = f"t_{uuid.uuid4().hex[:10]}"
    settings = Settings(
        database_url=f"{postgres_url}?schema={schema}",
        read_database_url=standby,  # the primary's schema, as the URL names none
        keys_dir=tmp_path / "keys",
        dev_mode=True,
        rate_limit=0,
        reports_dir=tmp_path / "reports",
    )
    with open_registry(settings.model_copy(update={"read_database_url": None})) as registry:
        tokens = {
            role: create_token(registry, name=f"{role}-1", role=role)
            for role in ("registrar", "auditor")
        }
        open_keys(registry, settings).generate()

    app = create_app(settings, clock=clock)
    with TestClient(app) as client, psycopg.connect(standby, autocommit=True) as replica:
        api = Api(client, tokens)
        assert app.state.registry.public_views.query("SELECT pg_is_in_recovery()") == [(True,)]
        number = api.issue()
        wait_for(
            lambda: replica_status(standby, schema, number) == "valid",
            "the issued certificate did not reach the replica within 60 s",
        )
        replica.execute("SELECT pg_wal_replay_pause()")  # the replica's copy stands still
        try:
            suspended = api.command(number, "suspensions", SUSPENSION)
            assert suspended.status_code == 201
            stale = client.get("/api/v1/verify", params={"number": number})
            history = client.get(
                f"/api/v1/certificates/{number}/history", headers=api.auth("auditor")
            )
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
        wait_for(
            lambda: replica_status(standby, schema, number) == "suspended",
            "the suspension did not reach the replica within 60 s",
        )
        fresh = client.get("/api/v1/verify", params={"number": number})
        directory = client.get("/api/v1/directory", params={"status": "valid"})
        image = client.get(f"/api/v1/certificates/{number}/qr.png")

    # Commands and staff reads went to the primary; the public read to the paused replica.
    assert [e["type"] for e in history.json()] == ["Issued", "Suspended"]
    assert stale.json()["status"] == "valid"
    assert float(stale.headers["X-Registry-Lag"]) >= 0
    # Once replayed, the replica answers exactly what the primary answered the command with.
    assert fresh.status_code == 200
    assert fresh.json() == suspended.json()
    assert float(fresh.headers["X-Registry-Lag"]) >= 0
    assert directory.json()["total"] == 0  # none valid: the one is suspended
    assert "X-Registry-Lag" in directory.headers
    assert "X-Registry-Lag" in image.headers
    assert "X-Registry-Lag" not in history.headers
    assert "X-Registry-Lag" not in suspended.headers


def test_a_read_database_needs_a_postgresql_primary_and_replica(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/registry.sqlite",
        read_database_url="postgresql://postgres@127.0.0.1:5432/postgres",
    )
    with pytest.raises(InvalidInput, match="REGISTRY_READ_DATABASE_URL"):
        open_registry(settings)
