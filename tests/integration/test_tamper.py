"""Tamper evidence: edit the real SQLite file or PostgreSQL table, and the audit catches it."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk

from registry.application import Registry, open_registry
from registry.hardening import harden
from registry.maintenance import Maintenance
from registry.settings import Settings
from registry.signing import CHECKPOINT_TYP, Keys, open_keys, sign_detached_with
from registry.tokens import create_token, revoke_tokens
from registry.transparency import AuditLog, checkpoint_payload, verify_store
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

    signed_hours_ago(settings, 0)  # the fixture signed on the tests' clock, days ago

    intact = cli(settings, "audit", "verify")
    state = json.loads(state_at(registry, suspended))
    state["details"] = "第9次"
    write_state(registry, suspended, json.dumps(state, ensure_ascii=False).encode())
    broken = cli(settings, "audit", "verify")

    assert (intact.returncode, broken.returncode) == (0, 1), intact.stderr
    assert intact.stdout.startswith("intact:")
    assert broken.stderr.startswith(f"registry: NOT intact at position {suspended}:")


# Evidence in the same database can be deleted with what it proves ------------------------


def delete_checkpoints(registry: Registry) -> None:
    with registry.views.transaction() as cursor:
        cursor.execute("DELETE FROM checkpoints")


def erase(registry: Registry, position: int) -> None:
    """Remove an event and every trace of it in the read models, as a careful attacker would."""
    delete(registry, position)
    with registry.views.transaction() as cursor:
        cursor.execute("DELETE FROM audit_events WHERE position = %s", (position,))


def revoked_token(registry: Registry) -> int:
    """A registrar token issued and revoked; the position of its TokenRevoked event."""
    create_token(registry, name="mallory", role="registrar")
    revoke_tokens(registry, "mallory")
    head = registry.recorder.max_notification_id()
    assert head is not None
    return head


def test_checkpoints_deleted_with_the_last_event_fail_the_audit(
    store: tuple[Registry, Keys],
) -> None:
    registry, keys = store
    last = revoked_token(registry)
    AuditLog(registry, keys).issue()

    erase(registry, last)  # the token lives again
    delete_checkpoints(registry)

    assert first_problem(registry, keys).startswith("the log: no signed checkpoint covers the head")


def test_a_checkpoint_as_old_as_the_limit_passes(
    store: tuple[Registry, Keys], clock: Clock
) -> None:
    registry, keys = store

    clock.advance(seconds=3600)

    assert verify_store(registry, keys, max_age=3600).intact


def test_a_checkpoint_a_second_older_than_the_limit_fails_saying_how_old_and_what_to_do(
    store: tuple[Registry, Keys], clock: Clock
) -> None:
    registry, keys = store
    size = registry.recorder.max_notification_id()
    signed = clock.now.isoformat()

    clock.advance(seconds=3601)

    assert [str(f) for f in verify_store(registry, keys, max_age=3600).findings] == [
        f"the log: the newest checkpoint (size {size}, signed {signed}) is 3601 s (1 h) old, "
        "older than the 3600 s (1 h) allowed (by default the refresh interval, "
        "REGISTRY_CHECKPOINT_INTERVAL, within which a running server signs again, so "
        "checkpoints may have been deleted): for an offline copy of a stopped server widen it "
        "with --max-age SECONDS, or check against a checkpoint held elsewhere with "
        "--checkpoint FILE|URL"
    ]


def signed_hours_ago(settings: Settings, hours: float) -> None:
    """Sign the head again as a server would have `hours` before the wall clock's now (CLI
    commands run on the wall clock, not the tests' fixed one)."""
    with open_registry(settings, clock=Clock(datetime.now(UTC) - timedelta(hours=hours))) as r:
        AuditLog(r, open_keys(r, settings)).issue(max_age=0)


def test_the_cli_fails_by_default_when_the_newest_checkpoint_is_older_than_the_interval(
    store: tuple[Registry, Keys], settings: Settings
) -> None:
    signed_hours_ago(settings, 2)

    stale = cli(settings, "audit", "verify")

    assert stale.returncode == 1
    assert stale.stderr.startswith("registry: NOT intact at the log: the newest checkpoint")
    assert stale.stderr.count("\n") == 1
    assert "older than the 3600 s (1 h) allowed" in stale.stderr


def test_max_age_widens_the_limit_for_an_offline_copy(
    store: tuple[Registry, Keys], settings: Settings
) -> None:
    signed_hours_ago(settings, 2)

    widened = cli(settings, "audit", "verify", "--max-age", "10800")

    assert widened.returncode == 0, widened.stderr


def test_the_limit_follows_the_checkpoint_interval_setting(
    store: tuple[Registry, Keys], settings: Settings
) -> None:
    signed_hours_ago(settings, 2)

    widened = cli(settings.model_copy(update={"checkpoint_interval": 10800}), "audit", "verify")

    assert widened.returncode == 0, widened.stderr


def test_a_max_age_that_is_no_number_of_seconds_is_refused_in_one_line(
    settings: Settings,
) -> None:
    refused = cli(settings, "audit", "verify", "--max-age", "nan")

    assert refused.returncode == 2
    assert refused.stderr.startswith("registry: ")
    assert refused.stderr.count("\n") == 1


def test_a_position_missing_from_sqlite_is_a_removed_event(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    if registry.views.postgres:
        pytest.skip("PostgreSQL skips the number of a rolled-back insert")
    restored = positions(registry, "Restored")[0]  # the last event of its certificate

    erase(registry, restored)

    assert first_problem(registry, keys) == (
        f"position {restored}: positions {restored} are missing from the store (removed)"
    )


def test_a_position_missing_from_postgres_is_noted(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    if not registry.views.postgres:
        pytest.skip("SQLite never skips a position")
    restored = positions(registry, "Restored")[0]

    erase(registry, restored)

    assert verify_store(registry, keys).notes[0].startswith(f"positions {restored} are absent")


def held_checkpoint(registry: Registry, keys: Keys) -> dict[str, Any]:
    """The newest checkpoint as the regulator keeps it (a copy outside the database)."""
    saved: dict[str, Any] = json.loads(json.dumps(AuditLog(registry, keys).issue()))
    return saved


def test_a_held_checkpoint_catches_events_removed_and_re_signed_over(
    store: tuple[Registry, Keys], settings: Settings, clock: Clock
) -> None:
    registry, keys = store
    last = revoked_token(registry)
    held = held_checkpoint(registry, keys)

    erase(registry, last)
    delete_checkpoints(registry)
    with open_registry(settings, clock=clock) as restarted:  # signs the shortened log
        AuditLog(restarted, open_keys(restarted, settings)).issue()

    assert verify_store(registry, keys).intact  # the store alone cannot tell
    assert str(verify_store(registry, keys, held=held).findings[0]) == (
        f"the log: the held checkpoint covers {last} events, the store holds {last - 1} "
        "(events removed)"
    )


def test_a_store_that_extends_a_held_checkpoint_is_intact(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    held = held_checkpoint(registry, keys)

    revoked_token(registry)
    AuditLog(registry, keys).issue()

    assert verify_store(registry, keys, held=held).intact


def test_a_held_checkpoint_with_a_forged_root_is_refused(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    held = held_checkpoint(registry, keys) | {"root": "00" * 32}

    assert str(verify_store(registry, keys, held=held).findings[0]) == (
        "the log: the held checkpoint's signature does not verify"
    )


def test_the_cli_checks_the_store_against_a_checkpoint_file(
    store: tuple[Registry, Keys], settings: Settings, tmp_path: Path
) -> None:
    registry, keys = store
    last = revoked_token(registry)
    saved = tmp_path / "checkpoint.json"
    saved.write_text(json.dumps(held_checkpoint(registry, keys)))

    intact = cli(settings, "audit", "verify", "--checkpoint", str(saved))
    erase(registry, last)
    broken = cli(settings, "audit", "verify", "--checkpoint", str(saved))

    assert (intact.returncode, broken.returncode) == (0, 1), intact.stderr
    assert f"the held checkpoint covers {last} events" in broken.stderr


# The event table made append-only --------------------------------------------------------


def test_a_hardened_store_refuses_to_change_or_delete_an_event(
    store: tuple[Registry, Keys],
) -> None:
    registry, _ = store
    restored = positions(registry, "Restored")[0]
    state = state_at(registry, restored)

    harden(registry)

    with pytest.raises(Exception, match="append-only"):
        write_state(registry, restored, state.replace(b'"VR"', b'"WR"'))
    with pytest.raises(Exception, match="append-only"):
        delete(registry, restored)
    assert state_at(registry, restored) == state


def test_a_hardened_store_still_appends(store: tuple[Registry, Keys], settings: Settings) -> None:
    registry, keys = store

    result = cli(settings, "db", "harden")
    again = cli(settings, "db", "harden")
    registry.issue(actor=ACTOR, **issue_request())
    AuditLog(registry, keys).issue()

    assert (result.returncode, again.returncode) == (0, 0), result.stderr
    assert "append-only" in result.stdout
    assert verify_store(registry, keys).intact


# Read models checked against the events ----------------------------------------------------


def revoked(registry: Registry) -> str:
    """A certificate revoked (§6.3.2), its events covered by a fresh checkpoint."""
    registration = str(registry.issue(actor=ACTOR, **issue_request())["registration_no"])
    registry.command(
        "revoke",
        registration,
        {"reason": "k", "details": "主动", "effective_date": date(2026, 9, 1)},
        actor=ACTOR,
    )
    return registration


def pass_as_valid(registry: Registry, registration: str) -> None:
    """Rewrite a certificate's read-model row to say `valid`, as an attacker would."""
    row = registry.views.query_one(
        "SELECT facts FROM certificates WHERE registration_no = %s", (registration,)
    )
    assert row is not None
    document = json.loads(row[0]) | {"status": "valid", "revocation": None}
    with registry.views.transaction() as cursor:
        cursor.execute(
            "UPDATE certificates SET status = 'valid', facts = %s WHERE registration_no = %s",
            (json.dumps(document, ensure_ascii=False), registration),
        )


def test_a_revoked_certificates_row_changed_to_valid_fails_the_audit_naming_it(
    store: tuple[Registry, Keys],
) -> None:
    registry, keys = store
    registration = revoked(registry)
    AuditLog(registry, keys).issue()

    pass_as_valid(registry, registration)

    assert first_problem(registry, keys) == (
        f"the log: certificates row {registration}: status is 'valid', the events give 'revoked'"
    )


def test_a_phantom_certificates_row_fails_the_audit(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    phantom = "CESI2026EV/IMG19999"
    with registry.views.transaction() as cursor:
        cursor.execute(
            "INSERT INTO certificates SELECT %s, certificate_no, holder_name, uscc, level, "
            "status, valid_until, restore_deadline, next_surveillance_due, "
            "recertification_opens, corrective_deadline, late_notified, open_case_since, "
            "late_step_decided, sites, facts, last_position, last_hash FROM certificates "
            "WHERE registration_no = %s",
            (phantom, "CESI2026EV/IMG10001"),
        )

    assert first_problem(registry, keys) == (
        f"the log: certificates row {phantom}: the events hold no such certificate"
    )


def test_a_phantom_printed_number_fails_the_audit(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    with registry.views.transaction() as cursor:
        cursor.execute(
            "INSERT INTO certificate_numbers VALUES (%s, %s, %s)",
            ("CESI2026EV/IMG10001R07", "CESI2026EV/IMG10001", 7),
        )

    assert first_problem(registry, keys) == (
        "the log: certificate_numbers row CESI2026EV/IMG10001R07: "
        "the events never printed that number"
    )


def test_a_deleted_certificates_row_fails_the_audit(store: tuple[Registry, Keys]) -> None:
    registry, keys = store
    with registry.views.transaction() as cursor:
        cursor.execute("DELETE FROM certificates WHERE registration_no = 'CESI2026EV/IMG10002'")

    assert first_problem(registry, keys) == (
        "the log: certificates row CESI2026EV/IMG10002: missing, though the events hold it"
    )


def test_read_model_rows_carry_their_last_events_position_and_hash(
    store: tuple[Registry, Keys],
) -> None:
    registry, _ = store
    registration = revoked(registry)

    row = registry.views.query_one(
        "SELECT last_position, last_hash FROM certificates WHERE registration_no = %s",
        (registration,),
    )

    last = registry.views.query_one(
        "SELECT position, hash FROM audit_events WHERE type = 'Revoked'"
    )
    assert row == last


def test_a_row_of_a_command_with_an_idempotency_key_matches_the_events(
    store: tuple[Registry, Keys],
) -> None:
    registry, keys = store

    registry.issue(actor=ACTOR, idempotency_key="k-1", **issue_request())  # and its record
    AuditLog(registry, keys).issue()

    assert verify_store(registry, keys).intact


def test_the_maintenance_loop_raises_the_alarm_on_a_row_that_differs(
    store: tuple[Registry, Keys], caplog: pytest.LogCaptureFixture
) -> None:
    registry, _ = store
    registration = revoked(registry)
    maintenance = Maintenance(registry)
    pass_as_valid(registry, registration)

    for _ in range(4):  # round the four rows
        maintenance.sample()

    assert maintenance.alarm == (
        f"certificates row {registration}: status is 'valid', the events give 'revoked'"
    )
    assert "ALARM: the read models differ from the event log" in caplog.text


# A compromised key signs nothing that counts after it was marked -----------------------


def sign_with_stolen_key(registry: Registry, settings: Settings, kid: str) -> int:
    """A checkpoint of the whole log signed now with a stolen key, stored as the server's."""
    pem = (settings.keys_dir / f"{kid}.pem").read_bytes()
    stolen = jwk.JWK.from_pyca(serialization.load_pem_private_key(pem, None))
    log = AuditLog(registry, open_keys(registry, settings))
    size = log.sync()
    root, timestamp = log.tree.root(size).hex(), registry.clock().isoformat()
    payload = checkpoint_payload(size, root, timestamp)
    signature = sign_detached_with(payload, stolen, CHECKPOINT_TYP)
    with registry.views.transaction() as cursor:
        cursor.execute(
            "INSERT INTO checkpoints VALUES (%s, %s, %s, %s, %s)",
            (size, root, timestamp, kid, signature),
        )
    return size


def rotated_away_and_compromised(keys: Keys, clock: Clock) -> str:
    """An hour on, a new key replaces the active one, which is then marked compromised."""
    stolen = keys.active_kid
    assert stolen is not None
    clock.advance(hours=1)
    keys.generate(rotate=True)
    keys.compromise(stolen)
    return stolen


def test_a_checkpoint_signed_after_its_key_was_marked_compromised_fails_the_audit(
    store: tuple[Registry, Keys], settings: Settings, clock: Clock
) -> None:
    registry, keys = store
    stolen = rotated_away_and_compromised(keys, clock)
    clock.advance(hours=1)
    registry.issue(actor=ACTOR, **issue_request())

    size = sign_with_stolen_key(registry, settings, stolen)

    assert first_problem(registry, keys) == (
        f"the log: checkpoint of size {size}: signed by a key after it was marked compromised"
    )


def test_checkpoints_signed_before_the_compromise_still_count(
    store: tuple[Registry, Keys], clock: Clock
) -> None:
    registry, keys = store

    rotated_away_and_compromised(keys, clock)
    AuditLog(registry, keys).issue()  # by the new key, over the keyring's events too

    report = verify_store(registry, keys)
    assert (report.intact, report.checkpoints) == (True, 2)
