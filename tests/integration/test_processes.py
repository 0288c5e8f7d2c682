"""Several OS processes on one store: registration numbers stay unique and gapless."""

import multiprocessing

from registry.application import open_registry
from registry.settings import Settings
from tests.examples import NOW, issue_request

PROCESSES = 4
ISSUES_EACH = 5


def _issue_some(database_url: str) -> list[str]:
    with open_registry(Settings(database_url=database_url), clock=lambda: NOW) as registry:
        return [
            str(
                registry.issue(
                    actor=f"worker-{multiprocessing.current_process().pid}", **issue_request()
                )["registration_no"]
            )
            for _ in range(ISSUES_EACH)
        ]


def test_processes_issuing_at_once_get_gapless_distinct_numbers(durable_database_url: str) -> None:
    with open_registry(Settings(database_url=durable_database_url)):
        pass  # create the tables once, before the race
    context = multiprocessing.get_context("spawn")

    with context.Pool(PROCESSES) as pool:
        batches = pool.map(_issue_some, [durable_database_url] * PROCESSES)

    numbers = sorted(n for batch in batches for n in batch)
    assert numbers == [f"CESI2026EV/IMG1{n:04d}" for n in range(1, PROCESSES * ISSUES_EACH + 1)]
