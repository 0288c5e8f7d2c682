"""A certificate's latest event is looked up through its registration, never by walking the
audit log: every receipt and every read-model sample asks for it."""

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registry.application import Registry, open_registry
from registry.readmodels import sample
from registry.settings import Settings
from tests.conftest import Clock
from tests.examples import issue_request

CERTIFICATES = 40


@pytest.fixture
def registry(tmp_path: Path, clock: Clock) -> Iterator[Registry]:
    app = open_registry(Settings(database_url=f"sqlite:///{tmp_path}/r.sqlite"), clock=clock)
    yield app
    app.close()


def steps(registry: Registry, lookup: Callable[[], object]) -> int:
    """SQLite virtual-machine steps `lookup` takes (deterministic for a given store)."""
    connection: sqlite3.Connection = registry.views._sqlite()
    counted = 0

    def count() -> int:
        nonlocal counted
        counted += 1
        return 0  # go on

    connection.set_progress_handler(count, 1)
    try:
        lookup()
    finally:
        connection.set_progress_handler(None, 1)
    return counted


def issued(registry: Registry) -> list[str]:
    return [
        str(registry.issue(actor="registrar", **issue_request())["registration_no"])
        for _ in range(CERTIFICATES)
    ]


def test_the_first_certificates_latest_event_costs_what_the_last_ones_does(
    registry: Registry,
) -> None:
    first, *_, last = issued(registry)

    def latest(registration: str) -> Callable[[], object]:
        return lambda: registry.audit_index.latest_leaf(registration)

    assert steps(registry, latest(first)) <= 2 * steps(registry, latest(last))


def test_sampling_the_first_row_costs_what_sampling_the_last_one_does(
    registry: Registry,
) -> None:
    numbers = issued(registry)  # in order: sampling after one takes the next

    cost_first = steps(registry, lambda: sample(registry, ""))
    cost_last = steps(registry, lambda: sample(registry, numbers[-2]))

    assert sample(registry, numbers[-2])[0] == numbers[-1]
    assert cost_first <= 2 * cost_last
