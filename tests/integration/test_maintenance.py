"""The server's maintenance: a sweep at start and on each new day."""

from datetime import date
from uuid import UUID

from registry.aggregates.certificate import Certificate
from registry.application import Registry
from registry.maintenance import Maintenance
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
