"""Backends for the tests: in-memory, a SQLite file, and a fresh PostgreSQL database per run."""

import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from registry.application import Registry, open_registry
from registry.settings import Settings
from registry.signing import Keys, open_keys
from tests.examples import NOW

ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Servers under test make no monthly report by themselves (it would add events under the
# tests' feet); tests/integration/test_monthly_reports.py drives the reporter by hand.
os.environ["REGISTRY_MONTHLY_REPORTS"] = "0"

# Hypothesis: in CI the same examples on every run (a red CI means a change broke something,
# never a new draw) and no example database; elsewhere fresh draws, remembered in
# .hypothesis/ (ignored by git). A failure found by a fresh draw is kept as an @example.
# No deadline anywhere: a slow moment on a busy machine is not a failure.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
if os.environ.get("HUNT_CLOCK") and "time_machine" not in sys.modules:
    raise pytest.UsageError("HUNT_CLOCK is set but tests/clock is not on PYTHONPATH")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


@pytest.fixture(scope="session", autouse=True)
def registry_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Nothing a test makes or reads resolves to the checkout's own var/ and keys/: a
    developer's `make run` leaves an unencrypted development key there, which a server that a
    test starts outside development mode rightly refuses."""
    home = tmp_path_factory.mktemp("home")
    before = os.environ.get("REGISTRY_HOME")
    os.environ["REGISTRY_HOME"] = str(home)
    yield home
    if before is None:
        del os.environ["REGISTRY_HOME"]
    else:
        os.environ["REGISTRY_HOME"] = before


@pytest.hookimpl(tryfirst=True)  # before any fixture is set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A serial test restarts or cuts off the shared PostgreSQL server: beside other workers
    it would fail their tests, so in a parallel run it fails at once, unrun."""
    if os.environ.get("PYTEST_XDIST_WORKER") and item.get_closest_marker("serial"):
        pytest.fail(
            "serial tests run alone: `-n N -m 'not serial'`, then `-m serial` (as make test does)",
            pytrace=False,
        )


class Clock:
    """A clock the test moves by hand: the domain never reads the wall clock."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this run's own, dropped at the end; CI fails without the server."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}")
    name = f"certregistry_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:  # a new connection: a test may have restarted the server meanwhile
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=30) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
DURABLE_BACKENDS = BACKENDS[1:]


def _database_url(backend: str, request: pytest.FixtureRequest, tmp_path: object) -> str:
    if backend == "memory":
        return "memory:"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/registry.sqlite"
    base = request.getfixturevalue("postgres_url")
    return f"{base}?schema=t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    return _database_url(request.param, request, tmp_path)


@pytest.fixture(params=DURABLE_BACKENDS)
def durable_database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    return _database_url(request.param, request, tmp_path)


@pytest.fixture
def registry(database_url: str, clock: Clock) -> Iterator[Registry]:
    app = open_registry(Settings(database_url=database_url), clock=clock)
    yield app
    app.close()


@pytest.fixture
def keys(registry: Registry, tmp_path: Path) -> Keys:
    """A development keyring with an active key, on the `registry` fixture's store."""
    ring = open_keys(registry, Settings(keys_dir=tmp_path / "keys", dev_mode=True))
    ring.generate()
    return ring
