"""The registry's use cases on every backend: in-memory, SQLite file and PostgreSQL."""

import threading
from datetime import date
from typing import Any

import pytest

from registry.answers import Answer
from registry.application import Registry, open_registry
from registry.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidInput,
    LifecycleConflict,
    NotFound,
)
from registry.rules.lifecycle import CommandName
from registry.settings import Settings
from tests.conftest import Clock
from tests.examples import issue_request

ACTOR = "registrar-alice"


def issue(registry: Registry, **overrides: Any) -> str:
    answer = registry.issue(actor=ACTOR, **issue_request(**overrides))
    return str(answer["registration_no"])


def head(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def test_issued_certificate_verifies_by_registration_printed_number_and_oid(
    registry: Registry,
) -> None:
    registration = issue(registry)

    by_registration = registry.verify(number=registration)
    by_number = registry.verify(number=f"{registration}R00")
    by_oid = registry.verify(oid=f"1.2.156.1.2. {registration}R00")

    assert by_registration == by_number == by_oid
    assert by_number["status"] == "valid"
    assert by_number["valid_until"] == "2029-05-10"
    assert by_number["holder"]["uscc"] == "91440300708461136T"


def test_registration_numbers_are_gapless_within_each_decision_year(registry: Registry) -> None:
    numbers = [issue(registry) for _ in range(3)]
    numbers.append(issue(registry, decision_date=date(2025, 12, 30)))

    assert numbers == [
        "CESI2026EV/IMG10001",
        "CESI2026EV/IMG10002",
        "CESI2026EV/IMG10003",
        "CESI2025EV/IMG10001",
    ]


def test_an_issuer_takes_the_next_number_after_those_another_process_issued_meanwhile(
    durable_database_url: str, clock: Clock
) -> None:
    settings = Settings(database_url=durable_database_url)
    with (
        open_registry(settings, clock=clock) as first,
        open_registry(settings, clock=clock) as second,
    ):
        numbers = [issue(first)]
        numbers += [issue(second) for _ in range(5)]

        numbers.append(issue(first))

    assert numbers == [f"CESI2026EV/IMG1{n:04d}" for n in range(1, 8)]


def test_unknown_certificate_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFound):
        registry.verify(number="CESI2026EV/IMG19999")


def test_refused_command_appends_nothing(registry: Registry) -> None:
    registration = issue(registry)
    before = head(registry)

    with pytest.raises(LifecycleConflict):
        registry.command(
            "restore",
            registration,
            {"effective_date": date(2026, 6, 1), "verification_ref": "V"},
            actor=ACTOR,
        )

    assert head(registry) == before


def test_missing_command_field_is_invalid_input_and_appends_nothing(registry: Registry) -> None:
    registration = issue(registry)
    before = head(registry)

    with pytest.raises(InvalidInput, match="details"):
        registry.command(
            "suspend",
            registration,
            {"reason": "b", "effective_date": date(2026, 6, 1)},
            actor=ACTOR,
        )

    assert head(registry) == before


def test_answers_as_of_past_dates_follow_the_history(registry: Registry) -> None:
    registration = issue(registry)
    registry.command(
        "suspend",
        registration,
        {"reason": "b", "details": "不符合", "effective_date": date(2026, 6, 1)},
        actor=ACTOR,
    )
    registry.command(
        "restore",
        registration,
        {"effective_date": date(2026, 7, 1), "verification_ref": "VR-1"},
        actor=ACTOR,
    )
    registry.command(
        "narrow_scope",
        registration,
        {
            "reason": "b",
            "remove_sites": ["广东省东莞市松山湖 8 号"],
            "remove_activities": [],
            "approval_ref": "技委-9",
            "effective_date": date(2026, 8, 1),
        },
        actor=ACTOR,
    )

    def on(day: date) -> Answer:
        return registry.verify(number=registration, as_of=day)

    assert on(date(2026, 5, 31))["status"] == "valid"
    assert on(date(2026, 6, 15))["status"] == "suspended"
    suspension = on(date(2026, 6, 15))["suspension"]
    assert suspension is not None
    assert suspension["restore_deadline"] == "2026-11-30"
    assert on(date(2026, 7, 15))["status"] == "valid"
    assert len(on(date(2026, 7, 15))["scope"]["sites"]) == 2
    assert len(on(date(2026, 8, 15))["scope"]["sites"]) == 1
    assert on(date(2026, 8, 15))["certificate_no"] == f"{registration}R01"
    assert on(date(2029, 5, 11))["status"] == "expired"


def test_no_certificate_before_its_issue_date(registry: Registry) -> None:
    registration = issue(registry)

    with pytest.raises(NotFound):
        registry.verify(number=registration, as_of=date(2026, 5, 10))


def test_an_old_revision_answers_superseded_and_names_the_current_one(registry: Registry) -> None:
    registration = issue(registry)
    registry.command(
        "change_holder",
        registration,
        {
            "name": "深圳市新名称有限公司",
            "name_en": None,
            "address": None,
            "effective_date": date(2026, 9, 1),
        },
        actor=ACTOR,
    )

    old = registry.verify(number=f"{registration}R00")

    assert (old["status"], old["status_since"]) == ("superseded", "2026-09-01")
    assert old["current_certificate_no"] == f"{registration}R01"


def renamed(registry: Registry, registration: str) -> None:
    arguments = {"name": "深圳市新名称有限公司", "effective_date": date(2026, 9, 1)}
    registry.command("change_holder", registration, arguments, actor=ACTOR)


def test_an_old_revision_answers_the_facts_printed_on_it(registry: Registry) -> None:
    registration = issue(registry)
    renamed(registry, registration)

    old = registry.verify(number=f"{registration}R00")
    new = registry.verify(number=f"{registration}R01")

    assert old["printed"]["holder"]["name"] == "深圳市定制家居科技有限公司"
    assert (old["printed"]["issue_date"], old["printed"]["reissue_date"]) == ("2026-05-11", None)
    assert new["printed"]["holder"]["name"] == "深圳市新名称有限公司"
    assert (new["printed"]["issue_date"], new["printed"]["reissue_date"]) == (
        "2026-05-11",
        "2026-09-01",
    )
    assert old["printed"]["valid_until"] == new["printed"]["valid_until"] == "2029-05-10"


@pytest.mark.parametrize(
    ("command", "arguments", "status"),
    [
        (
            "suspend",
            {"reason": "b", "details": "x", "effective_date": date(2026, 11, 1)},
            "suspended",
        ),
        ("revoke", {"reason": "g", "details": "x", "effective_date": date(2026, 11, 1)}, "revoked"),
        ("cancel", {"request_ref": "R-1", "effective_date": date(2026, 11, 1)}, "cancelled"),
    ],
)
def test_an_old_revision_of_a_registration_not_in_force_answers_its_status(
    registry: Registry, command: CommandName, arguments: dict[str, Any], status: str
) -> None:
    registration = issue(registry)
    renamed(registry, registration)
    registry.command(command, registration, arguments, actor=ACTOR)

    old = registry.verify(number=f"{registration}R00")

    assert (old["status"], old["status_since"]) == (status, "2026-11-01")
    assert old["current_certificate_no"] == f"{registration}R01"
    assert old["printed"]["holder"]["name"] == "深圳市定制家居科技有限公司"


def test_an_old_revision_of_an_expired_registration_answers_expired(registry: Registry) -> None:
    registration = issue(registry, decision_date=date(2023, 11, 20))  # valid until 2026-11-19
    arguments = {"name": "深圳市新名称有限公司", "effective_date": date(2024, 9, 1)}
    registry.command("change_holder", registration, arguments, actor=ACTOR)

    old = registry.verify(number=f"{registration}R00")

    assert (old["status"], old["status_since"]) == ("expired", "2026-11-20")


def test_an_old_revision_before_the_suspension_answers_superseded_as_of_then(
    registry: Registry,
) -> None:
    registration = issue(registry)
    renamed(registry, registration)
    suspension = {"reason": "b", "details": "x", "effective_date": date(2026, 11, 1)}
    registry.command("suspend", registration, suspension, actor=ACTOR)

    old = registry.verify(number=f"{registration}R00", as_of=date(2026, 10, 1))

    assert old["status"] == "superseded"


def test_a_revision_not_yet_printed_is_not_found(registry: Registry) -> None:
    registration = issue(registry)

    with pytest.raises(NotFound):
        registry.verify(number=f"{registration}R01")


def test_retried_command_with_the_same_key_appends_nothing_and_answers_the_same(
    registry: Registry,
) -> None:
    first = registry.issue(actor=ACTOR, idempotency_key="req-1", **issue_request())
    before = head(registry)

    again = registry.issue(actor=ACTOR, idempotency_key="req-1", **issue_request())

    assert again == first
    assert head(registry) == before


def test_same_key_for_a_different_request_is_refused(registry: Registry) -> None:
    registry.issue(actor=ACTOR, idempotency_key="req-1", **issue_request())

    with pytest.raises(IdempotencyKeyReused):
        registry.issue(actor=ACTOR, idempotency_key="req-1", **issue_request(level=4))


def test_idempotency_keys_are_per_actor(registry: Registry) -> None:
    first = registry.issue(actor=ACTOR, idempotency_key="req-1", **issue_request())

    other = registry.issue(actor="registrar-bob", idempotency_key="req-1", **issue_request())

    assert other["registration_no"] != first["registration_no"]


def test_idempotency_survives_a_restart(durable_database_url: str, clock: Clock) -> None:
    settings = Settings(database_url=durable_database_url)

    def suspend(registry: Registry, registration: str) -> Answer:
        return registry.command(
            "suspend",
            registration,
            {"reason": "g", "details": "应获证组织请求", "effective_date": date(2026, 6, 1)},
            actor=ACTOR,
            idempotency_key="susp-1",
        )

    with open_registry(settings, clock=clock) as registry:
        registration = issue(registry)
        first = suspend(registry, registration)
    clock.advance(days=1)

    with open_registry(settings, clock=clock) as registry:
        again = suspend(registry, registration)
        events = list(registry.events.get(_id(registration)))

    assert again == first
    assert [type(e).__name__ for e in events] == ["Issued", "Suspended"]


def _id(registration: str) -> Any:
    from registry.aggregates.certificate import Certificate

    return Certificate.create_id(registration)


def test_concurrent_writers_on_one_certificate_lose_no_event(registry: Registry) -> None:
    registration = issue(registry)
    writers = 8
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []

    def rename(n: int) -> None:
        barrier.wait()
        try:
            registry.command(
                "change_holder",
                registration,
                {
                    "name": f"深圳市第{n}名称有限公司",
                    "name_en": None,
                    "address": None,
                    "effective_date": date(2026, 9, 1),
                },
                actor=ACTOR,
            )
            outcomes.append("ok")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=rename, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    stored = list(registry.events.get(_id(registration)))
    assert len(outcomes) == writers
    assert "ok" in outcomes
    assert len(stored) == 1 + outcomes.count("ok")
    assert registry.verify(number=registration)["certificate_no"].endswith(
        f"R{outcomes.count('ok'):02d}"
    )


def test_concurrent_issuers_get_gapless_distinct_numbers(registry: Registry) -> None:
    issuers = 6
    barrier = threading.Barrier(issuers)
    numbers: list[str] = []

    def run() -> None:
        barrier.wait()
        numbers.append(issue(registry))

    threads = [threading.Thread(target=run) for _ in range(issuers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(numbers) == [f"CESI2026EV/IMG1{n:04d}" for n in range(1, issuers + 1)]


def test_sweep_records_automatic_revocation_and_expiry_once(
    registry: Registry, clock: Clock
) -> None:
    suspended = issue(registry)
    registry.command(
        "suspend",
        suspended,
        {"reason": "b", "details": "x", "effective_date": date(2026, 5, 20)},
        actor=ACTOR,
    )
    expiring = issue(registry, decision_date=date(2023, 11, 20))
    untouched = issue(registry)

    changed = registry.sweep()
    again = registry.sweep()

    assert sorted(changed) == sorted([suspended, expiring])
    assert again == []
    revoked = registry.verify(number=suspended)
    assert revoked["revocation"] is not None
    assert revoked["revocation"] == {
        "reason": "d",
        "reason_text": revoked["revocation"]["reason_text"],
        "date": "2026-11-20",
        "automatic": True,
    }
    assert registry.verify(number=expiring)["status"] == "expired"
    assert registry.verify(number=untouched)["status"] == "valid"


def test_sweep_as_of_a_future_date_is_refused(registry: Registry) -> None:
    with pytest.raises(InvalidInput):
        registry.sweep(date(2026, 11, 26))
