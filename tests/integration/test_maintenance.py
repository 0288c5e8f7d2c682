"""The server's maintenance: a sweep at start and on each new day."""

from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from registry.aggregates.certificate import Certificate
from registry.application import Registry
from registry.maintenance import Maintenance
from registry.signing import Keys
from registry.transparency import AuditLog
from tests.conftest import Clock
from tests.examples import issue_request


def test_maintenance_sweeps_at_start_and_again_on_a_new_day(
    registry: Registry, clock: Clock
) -> None:
    answer = registry.issue(actor="alice", **issue_request(decision_date=date(2023, 11, 26)))
    maintenance = Maintenance(registry)  # valid until 2026-11-25, today

    maintenance.tick()
    clock.advance(days=1)
    maintenance.tick()

    history = registry.events.get(_id(answer["registration_no"]))
    assert [type(e).__name__ for e in history] == ["Issued", "Expired"]
    assert maintenance.swept_on == date(2026, 11, 26)


def _id(registration: str) -> UUID:
    return Certificate.create_id(registration)


def signing(registry: Registry, tmp_path: Path) -> tuple[Keys, AuditLog]:
    keys = Keys(registry, tmp_path / "keys", None, dev_mode=True)
    keys.generate()
    return keys, AuditLog(registry, keys)


def stored_checkpoints(registry: Registry) -> list[tuple[Any, ...]]:
    return registry.views.query("SELECT * FROM checkpoints ORDER BY size")


def test_an_idle_logs_checkpoint_is_signed_again_by_the_maintenance_loop(
    registry: Registry, clock: Clock, tmp_path: Path
) -> None:
    keys, audit = signing(registry, tmp_path)
    maintenance = Maintenance(registry, keys, audit)
    registry.issue(actor="alice", **issue_request())
    maintenance.tick()
    size = audit.sync()

    clock.advance(hours=2)
    maintenance.tick()

    assert [(row[0], row[2]) for row in stored_checkpoints(registry)] == [
        (size, clock.now.isoformat())
    ]


def test_an_idle_servers_newest_checkpoint_never_ages_past_the_interval(
    registry: Registry, clock: Clock, tmp_path: Path
) -> None:
    keys, audit = signing(registry, tmp_path)
    maintenance = Maintenance(registry, keys, audit, checkpoint_interval=900)
    registry.issue(actor="alice", **issue_request())
    ages = []

    for _ in range(3 * 60):  # three idle hours, a tick a minute
        maintenance.tick()
        newest = audit.latest()
        assert newest is not None
        ages.append((clock.now - datetime.fromisoformat(newest["timestamp"])).total_seconds())
        clock.advance(minutes=1)

    assert max(ages) <= 900


def test_reading_the_checkpoint_writes_nothing(
    registry: Registry, clock: Clock, tmp_path: Path
) -> None:
    _, audit = signing(registry, tmp_path)
    registry.issue(actor="alice", **issue_request())
    audit.issue()
    before = stored_checkpoints(registry)
    clock.advance(hours=2)
    registry.issue(actor="alice", **issue_request())

    first, again = audit.current(), audit.current()

    assert stored_checkpoints(registry) == before
    assert first == again
    assert first["size"] == audit.sync() > before[-1][0]
