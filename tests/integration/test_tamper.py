"""Tamper evidence: edit the real SQLite file or PostgreSQL table, and the audit catches it."""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from registry.application import Registry, open_registry
from registry.settings import Settings
from registry.signing import Keys, open_keys
from registry.transparency import AuditLog, verify_store
from tests.conftest import Clock
from tests.examples import issue_request
from tests.processes import cli

ACTOR = "registrar-alice"


@pytest.fixture
def settings(durable_database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=durable_database_url, keys_dir=tmp_path / "keys", dev_mode=True)


@pytest.fixture
def store(settings: Settings, clock: Clock) -> Iterator[tuple[Registry, Keys]]:
    """Three certificates with a few events each, and a signed checkpoint over all of them."""
    with open_registry(settings, clock=clock) as registry:
        keys = open_keys(registry, settings)
        keys.generate()
        for n in range(3):
            registration = registry.issue(actor=ACTOR, **issue_request())["registration_no"]
            registry.command(
                "suspend",
                registration,
                {"reason": "b", "details": f"第{n}次", "effective_date": date(2026, 6, 1)},
                actor=ACTOR,
            )
            registry.command(
                "restore",
                registration,
                {"effective_date": date(2026, 7, 1), "verification_ref": "VR"},
                actor=ACTOR,
            )
        AuditLog(registry, keys).issue()
        yield registry, keys


def events_table(registry: Registry) -> tuple[str, str]:
    return (
        ("registry_events", "notification_id")
        if registry.views.postgres
        else ("stored_events", "rowid")
    )


def state_at(registry: Registry, position: int) -> bytes:
    table, key = events_table(registry)
    row = registry.views.query_one(f"SELECT state FROM {table} WHERE {key} = %s", (position,))
    assert row is not None
    return bytes(row[0])


def write_state(registry: Registry, position: int, state: bytes) -> None:
    table, key = events_table(registry)
    with registry.views.transaction() as cursor:
        cursor.execute(f"UPDATE {table} SET state = %s WHERE {key} = %s", (state, position))


def delete(registry: Registry, position: int) -> None:
    table, key = events_table(registry)
    with registry.views.transaction() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} = %s", (position,))


def swap(registry: Registry, a: int, b: int) -> None:
    """Exchange the places of two stored events in the log."""
    table, key = events_table(registry)
    columns = "originator_id, originator_version, topic, state"
    with registry.views.transaction() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE {key} = %s", (a,))
        row_a = cursor.fetchone()
        cursor.execute(f"SELECT {columns} FROM {table} WHERE {key} = %s", (b,))
        row_b = cursor.fetchone()
        assert row_a is not None
        assert row_b is not None
        cursor.execute(f"DELETE FROM {table} WHERE {key} IN (%s, %s)", (a, b))
        for position, row in ((a, row_b), (b, row_a)):
            cursor.execute(
                f"INSERT INTO {table} ({key}, {columns}) VALUES (%s, %s, %s, %s, %s)",
                (position, *row),
            )


def positions(registry: Registry, type_name: str) -> list[int]:
    rows = registry.views.query(
        "SELECT position FROM audit_events WHERE type = %s ORDER BY position", (type_name,)
    )
    return [int(row[0]) for row in rows]


def first_problem(registry: Registry, keys: Keys) -> str:
    report = verify_store(registry, keys)
    assert not report.intact
    return str(report.findings[0])


def test_an_untouched_store_is_intact(store: tuple[Registry, Keys]) -> None:
    registry, keys = store

    report = verify_store(registry, keys)

    assert report.intact, report.findings
    assert (report.events, report.checkpoints) == (registry.recorder.max_notification_id(), 1)


def test_a_single_flipped_byte_in_a_stored_event_is_caught(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    restored = positions(registry, "Restored")[0]
    state = bytearray(state_at(registry, restored))
    state[state.index(b'"VR"') + 1] ^= 0x01  # "VR" becomes "WR"

    write_state(registry, restored, bytes(state))

    assert first_problem(registry, keys) == (
        f"position {restored}: its hash does not match its contents (altered)"
    )


def test_a_flipped_byte_that_breaks_the_encoding_is_caught(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    issued = positions(registry, "Issued")[1]
    state = bytearray(state_at(registry, issued))
    state[0] ^= 0xFF

    write_state(registry, issued, bytes(state))

    assert first_problem(registry, keys).startswith(f"position {issued}: cannot be read")


def test_an_event_deleted_from_the_middle_of_a_chain_is_caught(
    store: tuple[Registry, Keys],
) -> None:
    registry, keys = store
    suspended = positions(registry, "Suspended")[1]

    delete(registry, suspended)  # the second certificate's: its Restored now has no predecessor

    assert (
        first_problem(registry, keys) == f"position {suspended}: missing from the store (removed)"
    )


def test_the_last_event_deleted_is_caught_by_the_checkpoint(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    last = registry.recorder.max_notification_id()
    assert last is not None

    delete(registry, last)

    assert first_problem(registry, keys) == f"position {last}: missing from the store (removed)"


def test_two_swapped_events_are_caught(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    first, second = positions(registry, "Issued")[:2]

    swap(registry, first, second)  # two certificates' Issued events trade places

    assert first_problem(registry, keys).startswith(f"position {first}:")


def test_a_forged_checkpoint_is_caught(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    with registry.views.transaction() as cursor:
        cursor.execute("UPDATE checkpoints SET root = %s", ("00" * 32,))

    assert "signature does not verify" in first_problem(registry, keys)


def test_the_cli_exits_non_zero_naming_the_first_bad_position(
    store: tuple[Registry, Keys], settings: Settings
) -> None:
    registry, _ = store

    suspended = positions(registry, "Suspended")[0]

    intact = cli(settings, "audit", "verify")
    state = json.loads(state_at(registry, suspended))
    state["details"] = "第9次"
    write_state(registry, suspended, json.dumps(state, ensure_ascii=False).encode())
    broken = cli(settings, "audit", "verify")

    assert (intact.returncode, broken.returncode) == (0, 1), intact.stderr
    assert intact.stdout.startswith("intact:")
    assert broken.stderr.startswith(f"registry: NOT intact at position {suspended}:")
