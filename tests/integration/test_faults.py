"""Faults against real server processes: kill -9 mid-burst, connections cut, a full disk, and
two servers with 32 writers on one PostgreSQL. Nothing acknowledged is ever lost."""

import os
import random
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from registry.aggregates.certificate import Certificate
from registry.application import Registry, open_registry
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from registry.transparency import AuditLog, VerifyReport, verify_store
from tests.api.conftest import body
from tests.conftest import ADMIN_URL
from tests.examples import issue_request
from tests.processes import server, serving

# Serial: these restart the shared PostgreSQL server and cut its connections, which would
# fail the tests of every other worker; make test runs them alone, after the rest.
pytestmark = [pytest.mark.faults, pytest.mark.serial]


def verified_after_restart(registry: Registry, settings: Settings) -> VerifyReport:
    """`registry audit verify` once a server is back: it signs the head at start, and the
    audit fails while no checkpoint covers the head."""
    keys = open_keys(registry, settings)
    if keys.active_kid is None:
        keys.generate()
    AuditLog(registry, keys).issue()
    return verify_store(registry, keys)


def wait_for(condition: Callable[[], bool], failure: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.01)


@pytest.fixture
def settings(durable_database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=durable_database_url, keys_dir=tmp_path / "keys", dev_mode=True)


@pytest.fixture
def token(settings: Settings) -> str:
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        return create_token(registry, name="registrar-faults", role="registrar")


def issue(client: httpx.Client, base: str, token: str, key: str) -> httpx.Response:
    return client.post(
        f"{base}/api/v1/certificates",
        json=body(issue_request()),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=10,
    )


def test_kill_9_of_the_server_mid_burst_loses_no_acknowledged_command(
    settings: Settings, token: str
) -> None:
    acknowledged: dict[str, str] = {}  # idempotency key -> registration
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client() as client:
            while not stop.is_set():
                key = uuid.uuid4().hex
                try:
                    response = issue(client, base, token, key)
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acknowledged[key] = response.json()["registration_no"]

    with serving(settings) as (base, process):
        writers = [threading.Thread(target=writer) for _ in range(8)]
        for thread in writers:
            thread.start()
        wait_for(lambda: len(acknowledged) >= 30, "no command was acknowledged")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in writers:
            thread.join()

    with open_registry(settings) as registry:
        for registration in acknowledged.values():
            assert Certificate.create_id(registration) in registry.repository
        report = verified_after_restart(registry, settings)
        issued = registry.views.query("SELECT COUNT(*) FROM audit_events WHERE type = 'Issued'")
        records = registry.views.query("SELECT COUNT(*) FROM audit_events WHERE type = 'Accepted'")
    assert report.intact, report.findings
    assert issued == records  # each command's events and its record went in together
    with server(settings) as again, httpx.Client() as client:
        for key, registration in list(acknowledged.items())[:10]:
            assert (
                client.get(f"{again}/api/v1/verify", params={"number": registration}).status_code
                == 200
            )
            assert issue(client, again, token, key).json()["registration_no"] == registration


@pytest.mark.postgres
def test_cut_database_connections_give_503_then_the_server_recovers(
    postgres_url: str, tmp_path: Path
) -> None:
    url = f"{postgres_url}?schema=t_{uuid.uuid4().hex[:10]}"
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
    with open_registry(settings) as registry:
        secret = create_token(registry, name="registrar-cut", role="registrar")
    statuses: list[int] = []
    with server(settings) as base, httpx.Client() as client:
        number = issue(client, base, secret, "first").json()["registration_no"]
        database = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            response = client.get(f"{base}/api/v1/verify", params={"number": number})
            statuses.append(response.status_code)
            if response.status_code != 200:
                assert response.headers["content-type"] == "application/problem+json"
            if statuses[-3:] == [200, 200, 200]:
                break
        written = issue(client, base, secret, "after")

    assert set(statuses) <= {200, 503}
    assert statuses[-3:] == [200, 200, 200]
    assert written.status_code == 201


@pytest.mark.postgres
def test_a_read_meeting_a_cut_pooled_connection_is_read_again_on_a_live_one(
    postgres_url: str,
) -> None:
    url = f"{postgres_url}?schema=t_{uuid.uuid4().hex[:10]}"
    with open_registry(Settings(database_url=url)) as registry:
        (before,) = registry.views.query("SELECT pg_backend_pid()")
        database = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            cut = admin.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()

            def gone() -> bool:
                found = admin.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", ([p for p, _ in cut],)
                )
                return found.fetchone() is None

            wait_for(gone, "the connections were not cut")
        (after,) = registry.views.query("SELECT pg_backend_pid()")  # no error reaches the caller

    assert after != before


@contextmanager
def tiny_disk(path: Path, size: str = "600k") -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        message = f"cannot mount a small tmpfs (needs root): {mounted.stderr.decode().strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_gives_a_clear_error_and_stores_nothing_half(tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        settings = Settings(
            database_url=f"sqlite:///{disk}/registry.sqlite",
            keys_dir=tmp_path / "keys",
            dev_mode=True,
        )
        with open_registry(settings) as registry:
            secret = create_token(registry, name="registrar-disk", role="registrar")
        answers: list[httpx.Response] = []
        with server(settings) as base, httpx.Client() as client:
            for n in range(2000):
                answers.append(issue(client, base, secret, f"k{n}"))
                if answers[-1].status_code != 201:
                    break
        refused = answers[-1]

        assert refused.status_code == 503
        assert refused.json()["type"].endswith("/storage-unavailable")
        assert "full" in refused.json()["detail"]
        for suffix in ("", "-wal", "-shm"):  # the write-ahead log holds the latest commits
            if Path(f"{disk}/registry.sqlite{suffix}").exists():
                shutil.copy(f"{disk}/registry.sqlite{suffix}", tmp_path / f"copy.sqlite{suffix}")
    copy = Settings(
        database_url=f"sqlite:///{tmp_path}/copy.sqlite", keys_dir=tmp_path / "keys", dev_mode=True
    )
    with open_registry(copy) as registry:
        stored = [a.json()["registration_no"] for a in answers if a.status_code == 201]
        assert all(Certificate.create_id(r) in registry.repository for r in stored)
        assert verified_after_restart(registry, copy).intact


@pytest.mark.postgres
def test_two_servers_and_32_writers_lose_nothing_and_number_without_gaps(
    postgres_url: str, tmp_path: Path
) -> None:
    url = f"{postgres_url}?schema=t_{uuid.uuid4().hex[:10]}"
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
    with open_registry(settings) as registry:
        secret = create_token(registry, name="registrar-many", role="registrar")
    headers = {"Authorization": f"Bearer {secret}"}
    outcomes: list[tuple[str, str | None, int]] = []  # (command, registration, status)
    lock = threading.Lock()

    with server(settings) as first, server(settings) as second:
        with httpx.Client() as client:
            shared = [
                issue(client, first, secret, f"seed{n}").json()["registration_no"] for n in range(4)
            ]

        def writer(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(timeout=30) as client:
                for step in range(12):
                    base = rng.choice([first, second])
                    no = rng.choice(shared)
                    command, payload = rng.choice(
                        [
                            (
                                "suspensions",
                                {"reason": "g", "details": "请求", "effective_date": "2026-09-01"},
                            ),
                            (
                                "restorations",
                                {"effective_date": "2026-09-01", "verification_ref": "V"},
                            ),
                            (
                                "holder-changes",
                                {
                                    "name": f"深圳第{seed}-{step}有限公司",
                                    "effective_date": "2026-09-01",
                                },
                            ),
                            ("issue", {}),
                        ]
                    )
                    if command == "issue":
                        response = issue(client, base, secret, f"w{seed}-{step}")
                        no = response.json().get("registration_no")
                    else:
                        response = client.post(
                            f"{base}/api/v1/certificates/{no}/{command}",
                            json=payload,
                            headers=headers,
                        )
                    with lock:
                        outcomes.append((command, no, response.status_code))

        threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert {status for _, _, status in outcomes} <= {201, 409}
    with open_registry(settings) as registry:
        for no in shared:
            stored = len(list(registry.events.get(Certificate.create_id(no))))
            accepted = sum(1 for c, n, s in outcomes if n == no and s == 201 and c != "issue")
            assert stored == 1 + accepted, no
        issued = 4 + sum(1 for c, _, s in outcomes if c == "issue" and s == 201)
        numbers = sorted(
            str(row[0]) for row in registry.views.query("SELECT registration_no FROM certificates")
        )
        assert numbers == [f"CESI2026EV/IMG1{n:04d}" for n in range(1, issued + 1)]
        assert verified_after_restart(registry, settings).intact


def restart_postgres() -> None:
    """Restart the machine's PostgreSQL cluster (Debian's pg_ctlcluster), as an operator would."""
    clusters = (
        sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").exists() else []
    )
    if shutil.which("pg_ctlcluster") is None or not clusters:
        message = "no pg_ctlcluster and /etc/postgresql/*/main to restart PostgreSQL with"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    version = clusters[-1].parent.name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.postgres
def test_postgres_restarted_under_load_gives_503s_then_recovers_losing_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    url = f"{postgres_url}?schema=t_{uuid.uuid4().hex[:10]}"
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
    with open_registry(settings) as registry:
        secret = create_token(registry, name="registrar-restart", role="registrar")
    acknowledged: dict[str, str] = {}
    statuses: list[int] = []
    stop = threading.Event()

    with server(settings) as base:

        def load() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    key = uuid.uuid4().hex
                    try:
                        answer = issue(client, base, secret, key)
                    except httpx.TransportError:
                        continue
                    statuses.append(answer.status_code)
                    if answer.status_code == 201:
                        acknowledged[key] = answer.json()["registration_no"]
                    elif answer.headers.get("content-type") != "application/problem+json":
                        statuses.append(-1)  # not a problem: fails the test below

        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        wait_for(lambda: len(acknowledged) >= 10, "no command was acknowledged")
        restart_postgres()
        before = len(acknowledged)
        deadline = time.monotonic() + 60
        while len(acknowledged) < before + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for worker in workers:
            worker.join()

    assert len(acknowledged) >= before + 20, "the server did not recover"
    assert set(statuses) <= {201, 503}
    with open_registry(settings) as registry:
        for registration in acknowledged.values():
            assert Certificate.create_id(registration) in registry.repository
        assert verified_after_restart(registry, settings).intact


@pytest.fixture
def outage_database() -> Iterator[tuple[str, Callable[[bool], None]]]:
    """A database of its own, and a switch that shuts it (refusing new connections and
    ending the open ones, as an outage would) or opens it again."""
    name = f"certregistry_outage_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(ADMIN_URL, autocommit=True)
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def switch(up: bool) -> None:
        allow = sql.SQL("true" if up else "false")
        admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(sql.Identifier(name), allow)
        )
        if not up:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )

    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", switch
    finally:
        switch(True)
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@pytest.mark.postgres
def test_an_outage_answers_503_at_once_and_the_server_recovers_by_itself(
    outage_database: tuple[str, Callable[[bool], None]], tmp_path: Path
) -> None:
    url, switch = outage_database
    settings = Settings(database_url=url, keys_dir=tmp_path / "keys", dev_mode=True)
    with open_registry(settings) as registry:
        secret = create_token(registry, name="registrar-outage", role="registrar")

    with server(settings) as base, httpx.Client(timeout=10) as client:
        assert issue(client, base, secret, "before").status_code == 201
        switch(False)
        during = issue(client, base, secret, "during")  # 101 s before: the timeout fails it
        switch(True)
        wait_for(
            lambda: issue(client, base, secret, "after").status_code == 201,
            "the server did not recover",
        )

    assert during.status_code == 503
    assert during.headers["content-type"] == "application/problem+json"
    assert during.headers["retry-after"] == "1"
