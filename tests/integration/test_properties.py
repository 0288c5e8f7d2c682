"""Property-based: random command sequences on one certificate never reach a state the rule
forbids, and the aggregate, the projection and an independent replay agree on the status."""

from datetime import date, timedelta
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import recompute_hash
from registry.answers import answer, facts
from registry.application import open_registry
from registry.errors import RegistryError
from registry.rules.lifecycle import CommandName
from registry.settings import Settings
from tests.examples import EVALUATIONS, FIRST_HALF, NOW, SECOND_HALF, TODAY, issue_request

# Expired before today (2026-11-19), in its recertification window, and mid-cycle.
DECISIONS = [date(2023, 11, 20), date(2024, 1, 10), date(2025, 6, 1)]
ACTOR = "registrar-hypothesis"


def command(name: str, day: date, draw: Any) -> tuple[str, dict[str, Any]]:
    choices: dict[str, dict[str, Any]] = {
        "suspend": {
            "reason": draw(st.sampled_from("abcdefghijklmz")),
            "details": "x",
            "effective_date": day,
        },
        "restore": {"effective_date": day, "verification_ref": "VR"},
        "revoke": {
            "reason": draw(st.sampled_from("abcdgkq")),
            "details": "x",
            "effective_date": day,
        },
        "cancel": {"effective_date": day, "request_ref": "R"},
        "surveil": {
            "date": day,
            "person_days": draw(st.sampled_from([2, 2.5, 3])),
            "management_audit": draw(st.booleans()),
            "characteristic_evaluation": draw(st.booleans()),
            "clauses": draw(st.sampled_from([FIRST_HALF, SECOND_HALF, FIRST_HALF + SECOND_HALF])),
            "outcome": "conforming",
            "report_ref": "SR",
        },
        "narrow_scope": {
            "reason": "b",
            "remove_sites": [draw(st.sampled_from(["广东省东莞市松山湖 8 号", "不存在"]))],
            "approval_ref": "A",
            "effective_date": day,
        },
        "change_holder": {
            "name": draw(st.sampled_from(["甲公司", "乙公司"])),
            "effective_date": day,
        },
        "change_level": {
            "level": draw(st.integers(1, 5)),
            "evaluation": draw(st.sampled_from(list(EVALUATIONS.values()))),
            "person_days": 6,
            "decision_date": day,
        },
        "recertify": {"decision_date": day, "person_days": 5, "evaluation": EVALUATIONS[3]},
    }
    return name, choices[name]


@st.composite
def histories(draw: Any) -> tuple[date, list[tuple[str, dict[str, Any]]]]:
    decided = draw(st.sampled_from(DECISIONS))
    span = (TODAY - decided).days
    offsets = sorted(draw(st.lists(st.integers(0, span), min_size=1, max_size=12)))
    names = st.sampled_from(
        [
            "suspend",
            "restore",
            "revoke",
            "cancel",
            "surveil",
            "narrow_scope",
            "change_holder",
            "change_level",
            "recertify",
        ]
    )
    return decided, [command(draw(names), decided + timedelta(days=o), draw) for o in offsets]


def _six_months_from(start: date) -> date:
    """The last day of six calendar months from `start` (Civil Code art. 202)."""
    end = start + relativedelta(months=6)
    return end if end.day != start.day else end - timedelta(days=1)


def replayed_status(events: list[Any], today: date) -> str:
    """An independent reading of the status from the event types and the rule's periods."""
    status, valid_until, deadline = "valid", None, None
    for event in events:
        kind = type(event).__name__
        if kind in ("Issued", "Recertified") or getattr(event, "new_cycle", False):
            valid_until = event.valid_until
        if kind == "Suspended":
            status = "suspended"
            deadline = None if event.reason == "f" else _six_months_from(event.effective_date)
        elif kind == "Restored":
            status = "valid"
        elif kind in ("Revoked", "Cancelled", "Expired"):
            status = kind.lower()
    if status in ("valid", "suspended"):
        assert valid_until is not None
        ends = [(valid_until, "expired")] + (
            [(deadline, "revoked")] if status == "suspended" and deadline else []
        )
        first_end, outcome = min(ends, key=lambda e: (e[0], e[1] == "revoked"))
        if today > first_end:
            status = outcome
    return status


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories())
def test_random_histories_keep_the_rule_and_every_reading_agrees(
    history: tuple[date, list[tuple[str, dict[str, Any]]]],
) -> None:
    decided, commands = history
    with open_registry(Settings(database_url="memory:"), clock=lambda: NOW) as registry:
        registration = registry.issue(actor=ACTOR, **issue_request(decision_date=decided))[
            "registration_no"
        ]
        for name, arguments in commands:
            before = registry.recorder.max_notification_id()
            try:
                registry.command(cast(CommandName, name), registration, arguments, actor=ACTOR)
            except RegistryError:
                assert registry.recorder.max_notification_id() == before  # refused: nothing stored

        events: list[Any] = list(registry.events.get(Certificate.create_id(registration)))
        folded = registry.certificate_as_of(registration, TODAY)
        assert folded is not None
        from_view = registry.verify(number=registration)

        assert from_view == answer(facts(folded), TODAY)
        assert from_view["status"] == replayed_status(events, TODAY)
        for day in _days_that_matter(events):  # either side of every boundary, past and future
            past = [e for e in events if e.effective_date <= day]
            assert registry.verify(number=registration, as_of=day)["status"] == replayed_status(
                past, day
            ), day
        _assert_rule_kept(events)


def _days_that_matter(events: list[Any]) -> set[date]:
    days = set()
    for event in events:
        for name in ("effective_date", "valid_until", "restore_deadline"):
            day = getattr(event, name, None)
            if isinstance(day, date):
                days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    first = events[0].effective_date
    return {d for d in days if d >= first}


def _assert_rule_kept(events: list[Any]) -> None:
    terminal_seen, suspended_until = False, None
    previous_hash, previous_day = None, date.min
    for version, event in enumerate(events, start=1):
        kind = type(event).__name__
        assert event.originator_version == version
        assert event.prev_hash == previous_hash
        assert recompute_hash(event) == event.hash
        assert event.effective_date >= previous_day  # dates follow the history
        assert event.effective_date <= TODAY  # never in the future
        assert not terminal_seen  # nothing after revocation, cancellation or expiry
        if kind == "Suspended":
            assert suspended_until is None  # never suspended twice (§6.3.1)
            suspended_until = event.restore_deadline or date.max
        if kind == "Restored":
            assert suspended_until is not None  # only a suspension is restored (§6.3.1.4)
            assert event.effective_date <= suspended_until  # and by its deadline
            suspended_until = None
        if kind in ("Revoked", "Cancelled", "Expired"):
            terminal_seen = True
        previous_hash, previous_day = event.hash, event.effective_date
