"""The Certificate aggregate: each command against the rule, checked on the events it records."""

from datetime import date
from typing import Any

import pytest

from registry.aggregates.certificate import Certificate, Timeline
from registry.aggregates.chain import event_data, recompute_hash
from registry.errors import InvalidInput, LifecycleConflict, RegistryError, RuleViolation
from registry.rules.lifecycle import CommandName
from tests.examples import (
    CLAUSE_IDS,
    EVALUATIONS,
    FIRST_HALF,
    HOLDER,
    SECOND_HALF,
    SITES,
    STAMP,
    cycle_surveillances,
    new_certificate,
    recertifiable_certificate,
    surveillance,
)


def recorded(cert: Certificate) -> list[str]:
    return [type(e).__name__ for e in cert.collect_events()]


def refused(
    cert: Certificate, command: CommandName, error: type[RegistryError], **args: Any
) -> RegistryError:
    """Run a command that must be refused; check it appended nothing; return the refusal."""
    before = cert.version
    with pytest.raises(error) as raised:
        cert.run(command, args, STAMP)
    assert cert.version == before
    return raised.value


@pytest.fixture
def cert() -> Certificate:
    certificate = new_certificate()
    certificate.collect_events()
    return certificate


# Issue ---------------------------------------------------------------------------------


def test_issued_certificate_is_valid_for_three_years_as_revision_00() -> None:
    cert = new_certificate()

    assert (cert.status, cert.valid_until) == ("valid", date(2029, 5, 10))
    assert cert.certificate_no == "CESI2026EV/IMG10007R00"
    assert recorded(cert) == ["Issued"]


def test_issue_with_an_evaluation_below_table_1_is_refused() -> None:
    weak = EVALUATIONS[3] | {"not_met": 2, "partially_met": 18}

    with pytest.raises(RuleViolation) as raised:
        new_certificate(level=3, evaluation=weak)

    assert raised.value.section == "§5.3.5 Table 1"


def test_issue_with_too_few_person_days_is_refused() -> None:
    with pytest.raises(RuleViolation, match=r"at least 6 on-site person-days"):
        new_certificate(level=5, person_days=5.5)


def test_issue_with_a_bad_credit_code_names_the_field() -> None:
    holder = {"name": "某公司", "uscc": "91440300708461136U", "address": "深圳"}

    with pytest.raises(InvalidInput) as raised:
        new_certificate(holder=holder)

    assert raised.value.field == "holder.uscc"


def test_issue_decided_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput, match="in the future"):
        new_certificate(decision_date=date(2026, 11, 26))


def test_certificate_cannot_be_issued_before_the_decision() -> None:
    with pytest.raises(InvalidInput, match="before the certification decision"):
        new_certificate(issue_date=date(2026, 5, 10))


def test_the_same_site_twice_is_refused() -> None:
    site = {"address": "深圳", "activities": ["定制"]}

    with pytest.raises(InvalidInput, match="listed twice"):
        new_certificate(scope={"sites": [site, site]})


# Surveillance (§5.5.2, §5.5.3) ---------------------------------------------------------


def test_first_surveillance_is_due_within_twelve_months_of_the_decision(cert: Certificate) -> None:
    assert cert.next_surveillance_due() == date(2027, 5, 10)


def test_after_a_surveillance_the_next_is_due_by_the_end_of_the_next_calendar_year(
    cert: Certificate,
) -> None:
    cert.surveil(**surveillance(), stamp=STAMP)

    assert cert.next_surveillance_due() == date(2027, 12, 31)
    assert recorded(cert) == ["Surveilled"]


def test_surveillance_without_a_management_audit_is_refused(cert: Certificate) -> None:
    error = refused(cert, "surveil", RuleViolation, **surveillance(management_audit=False))

    assert error.section == "§5.5.3"


@pytest.mark.parametrize("flag", ["management_audit", "characteristic_evaluation"])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_surveillance_flags_that_are_not_booleans_are_invalid_input(
    cert: Certificate, flag: str, value: object
) -> None:
    error = refused(cert, "surveil", InvalidInput, **surveillance(**{flag: value}))

    assert error.field == flag


def test_surveillance_sampling_fewer_than_half_the_clauses_is_refused(cert: Certificate) -> None:
    too_few = CLAUSE_IDS[: len(CLAUSE_IDS) // 2 - 1]

    refused(cert, "surveil", RuleViolation, **surveillance(clauses=too_few))


def test_the_two_surveillances_of_a_cycle_must_cover_every_clause(cert: Certificate) -> None:
    cert.surveil(**surveillance(clauses=FIRST_HALF), stamp=STAMP)

    error = refused(
        cert, "surveil", RuleViolation, **surveillance(clauses=FIRST_HALF, date=date(2026, 11, 20))
    )
    assert "cover every basis clause" in str(error)


def test_second_surveillance_covering_the_rest_is_accepted(cert: Certificate) -> None:
    cert.surveil(**surveillance(clauses=FIRST_HALF), stamp=STAMP)

    cert.surveil(**surveillance(clauses=SECOND_HALF, date=date(2026, 11, 20)), stamp=STAMP)

    assert recorded(cert) == ["Surveilled", "Surveilled"]


def test_a_cycle_without_any_characteristic_evaluation_is_refused(cert: Certificate) -> None:
    cert.surveil(**surveillance(characteristic_evaluation=False), stamp=STAMP)

    second = surveillance(
        clauses=SECOND_HALF, date=date(2026, 11, 20), characteristic_evaluation=False
    )
    error = refused(cert, "surveil", RuleViolation, **second)
    assert "characteristic evaluation" in str(error)


def test_surveillance_with_too_few_person_days_for_the_level_is_refused(cert: Certificate) -> None:
    refused(cert, "surveil", RuleViolation, **surveillance(person_days=2))


def test_nonconformities_need_a_corrective_deadline(cert: Certificate) -> None:
    refused(cert, "surveil", InvalidInput, **surveillance(outcome="nonconforming"))


# Suspension, restoration, revocation (§6.3) -------------------------------------------


def suspend(cert: Certificate, reason: str = "b", on: date = date(2026, 6, 1)) -> None:
    cert.suspend(reason=reason, details="服务持续不满足要求", effective_date=on, stamp=STAMP)


def test_suspension_lasts_at_most_six_months(cert: Certificate) -> None:
    suspend(cert)

    assert cert.suspension is not None
    assert cert.suspension.restore_deadline == date(2026, 11, 30)


def test_suspension_for_a_pending_licence_has_no_deadline(cert: Certificate) -> None:
    suspend(cert, reason="f")

    assert cert.suspension is not None
    assert cert.suspension.restore_deadline is None
    assert cert.status_on(date(2029, 1, 1)) == ("suspended", date(2026, 6, 1))


SUSPENDED_JUNE: dict[str, Any] = {
    "reason": "b",
    "details": "服务持续不满足要求",
    "effective_date": date(2026, 6, 1),
}


@pytest.mark.parametrize("deadline", [date(2026, 6, 2), date(2026, 8, 31), date(2026, 11, 30)])
def test_suspension_keeps_the_restore_deadline_the_body_sets(
    cert: Certificate, deadline: date
) -> None:
    cert.suspend(**SUSPENDED_JUNE, restore_deadline=deadline, stamp=STAMP)

    assert cert.suspension is not None
    assert cert.suspension.restore_deadline == deadline


@pytest.mark.parametrize("deadline", [date(2026, 6, 1), date(2026, 5, 31), date(2026, 12, 1)])
def test_a_restore_deadline_not_after_the_suspension_or_beyond_six_months_is_refused(
    cert: Certificate, deadline: date
) -> None:
    error = refused(cert, "suspend", RuleViolation, **SUSPENDED_JUNE, restore_deadline=deadline)
    assert (error.section, error.field) == ("§6.3.1.3", "restore_deadline")


def test_a_restore_deadline_with_reason_f_is_refused(cert: Certificate) -> None:
    body = SUSPENDED_JUNE | {"reason": "f", "restore_deadline": date(2026, 8, 31)}

    error = refused(cert, "suspend", InvalidInput, **body)
    assert error.section == "§6.3.1.3"


def test_the_automatic_revocation_follows_the_deadline_set(cert: Certificate) -> None:
    cert.suspend(**SUSPENDED_JUNE, restore_deadline=date(2026, 8, 31), stamp=STAMP)

    assert cert.status_on(date(2026, 8, 31)) == ("suspended", date(2026, 6, 1))
    assert cert.status_on(date(2026, 9, 1)) == ("revoked", date(2026, 9, 1))


def test_restoring_after_a_deadline_set_is_refused(cert: Certificate) -> None:
    cert.suspend(**SUSPENDED_JUNE, restore_deadline=date(2026, 8, 31), stamp=STAMP)

    refused(
        cert, "restore", LifecycleConflict, effective_date=date(2026, 9, 1), verification_ref="VR"
    )


def test_suspending_a_suspended_certificate_is_refused(cert: Certificate) -> None:
    suspend(cert)

    error = refused(
        cert, "suspend", LifecycleConflict, reason="c", details="x", effective_date=date(2026, 7, 1)
    )
    assert "is suspended since 2026-06-01" in str(error)


@pytest.mark.parametrize("reason", ["n", "", "B", None])
def test_suspension_reason_outside_a_to_m_is_refused(cert: Certificate, reason: object) -> None:
    refused(
        cert, "suspend", InvalidInput, reason=reason, details="x", effective_date=date(2026, 6, 1)
    )


def test_restoring_on_the_deadline_is_accepted(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 5, 20))  # deadline 2026-11-19

    cert.restore(effective_date=date(2026, 11, 19), verification_ref="VR-1", stamp=STAMP)

    assert cert.status == "valid"


def test_restoring_after_the_deadline_is_refused(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 5, 20))  # deadline 2026-11-19

    error = refused(
        cert, "restore", LifecycleConflict, effective_date=date(2026, 11, 20), verification_ref="VR"
    )
    assert "is revoked since 2026-11-20" in str(error)


def test_restoring_a_valid_certificate_is_refused(cert: Certificate) -> None:
    refused(
        cert, "restore", LifecycleConflict, effective_date=date(2026, 6, 1), verification_ref="VR"
    )


def test_suspension_past_six_months_revokes_automatically(cert: Certificate) -> None:
    suspend(cert)

    assert cert.status_on(date(2026, 11, 30)) == ("suspended", date(2026, 6, 1))
    assert cert.status_on(date(2026, 12, 1)) == ("revoked", date(2026, 12, 1))


def test_sweeper_records_the_automatic_revocation_with_reason_d(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 5, 20))
    cert.collect_events()

    assert cert.record_lapse(as_of=date(2026, 11, 25), stamp=STAMP)

    (revoked,) = cert.collect_events()
    assert type(revoked).__name__ == "Revoked"
    assert (revoked.reason, revoked.automatic) == ("d", True)  # type: ignore[attr-defined]
    assert revoked.effective_date == date(2026, 11, 20)  # type: ignore[attr-defined]


def test_sweeping_twice_records_nothing_more(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 5, 20))
    cert.record_lapse(as_of=date(2026, 11, 25), stamp=STAMP)

    assert not cert.record_lapse(as_of=date(2026, 11, 25), stamp=STAMP)


def test_revoked_certificate_cannot_be_restored(cert: Certificate) -> None:
    cert.revoke(reason="g", details="停业", effective_date=date(2026, 6, 1), stamp=STAMP)

    refused(
        cert, "restore", LifecycleConflict, effective_date=date(2026, 6, 2), verification_ref="V"
    )


def test_revocation_for_reason_d_needs_a_suspension(cert: Certificate) -> None:
    error = refused(
        cert, "revoke", LifecycleConflict, reason="d", details="x", effective_date=date(2026, 6, 1)
    )
    assert error.section == "§6.3.2.1 d"


def test_cancelled_certificate_cannot_be_surveilled(cert: Certificate) -> None:
    cert.cancel(effective_date=date(2026, 6, 1), request_ref="申请-1", stamp=STAMP)

    refused(cert, "surveil", LifecycleConflict, **surveillance())


# Time ----------------------------------------------------------------------------------


def test_certificate_expires_the_day_after_valid_until(cert: Certificate) -> None:
    assert cert.status_on(date(2029, 5, 10)) == ("valid", date(2026, 5, 11))
    assert cert.status_on(date(2029, 5, 11)) == ("expired", date(2029, 5, 11))


def test_events_dated_before_the_last_one_are_refused(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 7, 1))

    refused(
        cert, "restore", LifecycleConflict, effective_date=date(2026, 6, 30), verification_ref="V"
    )


def test_effective_dates_in_the_future_are_refused(cert: Certificate) -> None:
    refused(
        cert, "suspend", InvalidInput, reason="b", details="x", effective_date=date(2026, 11, 26)
    )


# Re-issues: scope, holder, level, recertification -------------------------------------


def test_narrowing_reissues_with_the_same_registration_and_validity(cert: Certificate) -> None:
    cert.narrow_scope(
        reason="b",
        remove_sites=["广东省东莞市松山湖 8 号"],
        remove_activities=[],
        approval_ref="技委-2026-9",
        effective_date=date(2026, 7, 1),
        stamp=STAMP,
    )

    assert cert.certificate_no == "CESI2026EV/IMG10007R01"
    assert cert.valid_until == date(2029, 5, 10)
    assert [s.address for s in cert.sites] == ["广东省深圳市南山区科技园南区 1 号"]


def test_narrowing_away_the_whole_scope_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "narrow_scope",
        LifecycleConflict,
        reason="a",
        remove_sites=[s.address for s in cert.sites],
        remove_activities=[],
        approval_ref="x",
        effective_date=date(2026, 7, 1),
    )


def test_narrowing_a_site_not_in_scope_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "narrow_scope",
        InvalidInput,
        reason="a",
        remove_sites=["北京"],
        remove_activities=[],
        approval_ref="x",
        effective_date=date(2026, 7, 1),
    )


def test_removing_the_last_activity_of_a_site_removes_the_site(cert: Certificate) -> None:
    cert.narrow_scope(
        reason="a",
        remove_sites=[],
        remove_activities=[
            {"address": "广东省深圳市南山区科技园南区 1 号", "activity": "全屋定制家具的设计与交付"}
        ],
        approval_ref="x",
        effective_date=date(2026, 7, 1),
        stamp=STAMP,
    )

    assert [s.address for s in cert.sites] == ["广东省东莞市松山湖 8 号"]


def test_extension_adds_sites_and_reissues(cert: Certificate) -> None:
    cert.extend_scope(
        add_sites=[{"address": "江苏省苏州市工业园区", "activities": ["定制家具生产制造"]}],
        evaluation_ref="EXT-1",
        effective_date=date(2026, 8, 1),
        stamp=STAMP,
    )

    assert len(cert.sites) == 3
    assert cert.revision == 1


def test_extension_that_adds_nothing_new_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "extend_scope",
        InvalidInput,
        add_sites=[{"address": "广东省东莞市松山湖 8 号", "activities": ["物流配送"]}],
        evaluation_ref="x",
        effective_date=date(2026, 8, 1),
    )


def test_holder_rename_reissues_keeping_validity(cert: Certificate) -> None:
    cert.change_holder(
        name="深圳市新定制家居有限公司",
        name_en=None,
        address=None,
        effective_date=date(2026, 9, 1),
        stamp=STAMP,
    )

    assert cert.holder.name == "深圳市新定制家居有限公司"
    assert (cert.revision, cert.valid_until) == (1, date(2029, 5, 10))


def test_raising_the_level_follows_the_initial_procedure_with_new_validity(
    cert: Certificate,
) -> None:
    cert.change_level(
        level=4,
        evaluation=EVALUATIONS[4],
        person_days=5,
        decision_date=date(2026, 9, 1),
        stamp=STAMP,
    )

    assert (cert.level, cert.valid_until, cert.revision) == (4, date(2029, 8, 31), 1)


def test_raising_the_level_without_a_supporting_evaluation_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "change_level",
        RuleViolation,
        level=4,
        evaluation=EVALUATIONS[3],
        person_days=5,
        decision_date=date(2026, 9, 1),
    )


def test_lowering_the_level_keeps_validity(cert: Certificate) -> None:
    cert.change_level(
        level=2, evaluation=None, person_days=None, decision_date=date(2026, 9, 1), stamp=STAMP
    )

    assert (cert.level, cert.valid_until) == (2, date(2029, 5, 10))


def test_recertification_before_the_six_month_window_is_refused() -> None:
    cert = new_certificate(decision_date=date(2024, 1, 10))  # valid until 2027-01-09

    error = refused(
        cert,
        "recertify",
        LifecycleConflict,
        decision_date=date(2026, 7, 9),
        person_days=5,
        evaluation=EVALUATIONS[3],
    )
    assert "opens 6 months before expiry, on 2026-07-10" in str(error)


def test_recertifying_an_expired_certificate_is_refused() -> None:
    cert = new_certificate(decision_date=date(2023, 11, 20))  # valid until 2026-11-19

    refused(
        cert,
        "recertify",
        LifecycleConflict,
        decision_date=date(2026, 11, 20),
        person_days=5,
        evaluation=EVALUATIONS[3],
    )


def test_recertification_in_the_window_continues_validity_without_a_gap() -> None:
    cert = recertifiable_certificate()

    cert.recertify(
        decision_date=date(2026, 7, 10), person_days=5, evaluation=EVALUATIONS[3], stamp=STAMP
    )

    assert cert.valid_until == date(2030, 1, 9)
    assert cert.issue_date == date(2026, 7, 10)
    assert cert.certificate_no == "CESI2026EV/IMG10007R01"


# §5.3.5 Table 1: function modules and the interactive platform -----------------------


def test_level_1_is_issued_with_its_five_functions_and_the_platform_and_no_counts() -> None:
    cert = new_certificate(level=1)

    issued = cert.collect_events()[0]
    assert issued.evaluation == {  # type: ignore[attr-defined]
        "report_ref": "TR-1",
        "functions_met": ["1", "5", "6", "7", "8"],
        "platform_met": True,
    }


def test_level_1_without_an_evaluation_is_refused() -> None:
    with pytest.raises(RuleViolation, match="needs a characteristic evaluation"):
        new_certificate(level=1, evaluation=None)


def test_level_1_missing_one_of_its_five_functions_is_refused() -> None:
    four = EVALUATIONS[1] | {"functions_met": ["1", "5", "6", "7"]}

    with pytest.raises(RuleViolation, match="function modules not met: 8") as raised:
        new_certificate(level=1, evaluation=four)
    assert raised.value.section == "§5.3.5 Table 1"


def test_level_3_with_the_counts_but_only_five_functions_is_refused() -> None:
    five = EVALUATIONS[3] | {"functions_met": ["1", "5", "6", "7", "8"]}

    with pytest.raises(RuleViolation, match="function modules not met: 2, 3, 4"):
        new_certificate(level=3, evaluation=five)


def test_issue_without_the_interactive_platform_is_refused() -> None:
    with pytest.raises(RuleViolation, match="interactive platform"):
        new_certificate(level=3, evaluation=EVALUATIONS[3] | {"platform_met": False})


def test_issue_with_a_count_beyond_the_catalogue_is_refused() -> None:
    over = EVALUATIONS[3] | {"fully_met": 105}

    with pytest.raises(InvalidInput, match="catalogue holds 104"):
        new_certificate(level=3, evaluation=over)


def test_issue_at_every_level_3_threshold_at_once_is_accepted() -> None:
    """The contract's example: 1 + 20 + 84 = 105 counts, Table 1's own level-3 bounds."""
    at_bounds = EVALUATIONS[3] | {"not_met": 1, "partially_met": 20, "fully_met": 84}

    assert new_certificate(level=3, evaluation=at_bounds).level == 3


def test_raising_the_level_to_3_without_the_eight_functions_is_refused() -> None:
    cert = new_certificate(level=2)

    error = refused(
        cert,
        "change_level",
        RuleViolation,
        level=3,
        evaluation=EVALUATIONS[3] | {"functions_met": ["1", "5", "6", "7", "8"]},
        person_days=5,
        decision_date=date(2026, 9, 1),
    )
    assert error.section == "§5.3.5 Table 1"


def test_raising_the_level_to_3_with_the_eight_functions_is_accepted() -> None:
    cert = new_certificate(level=2)

    cert.change_level(
        level=3,
        evaluation=EVALUATIONS[3],
        person_days=5,
        decision_date=date(2026, 9, 1),
        stamp=STAMP,
    )

    assert cert.level == 3


def test_recertification_without_the_platform_is_refused() -> None:
    cert = recertifiable_certificate()

    refused(
        cert,
        "recertify",
        RuleViolation,
        decision_date=date(2026, 7, 10),
        person_days=5,
        evaluation=EVALUATIONS[3] | {"platform_met": False},
    )


def test_a_surveillance_with_a_characteristic_evaluation_records_its_counts(
    cert: Certificate,
) -> None:
    cert.surveil(**surveillance(evaluation=EVALUATIONS[3]), stamp=STAMP)

    (event,) = cert.collect_events()
    assert event.evaluation["fully_met"] == 84  # type: ignore[attr-defined]


def test_a_conforming_surveillance_whose_counts_no_longer_support_the_level_is_refused(
    cert: Certificate,
) -> None:
    weaker = surveillance(evaluation=EVALUATIONS[2])

    error = refused(cert, "surveil", RuleViolation, **weaker)
    assert error.section == "§5.5.3 (3)"


def test_a_nonconforming_surveillance_records_counts_that_no_longer_support_the_level(
    cert: Certificate,
) -> None:
    weaker = surveillance(
        evaluation=EVALUATIONS[2], outcome="nonconforming", corrective_deadline=date(2026, 12, 31)
    )

    cert.surveil(**weaker, stamp=STAMP)

    assert recorded(cert) == ["Surveilled"]


def test_a_surveillance_without_a_characteristic_evaluation_has_no_counts(
    cert: Certificate,
) -> None:
    body = surveillance(characteristic_evaluation=False, evaluation=EVALUATIONS[3])

    error = refused(cert, "surveil", InvalidInput, **body)
    assert error.section == "§5.3.5"


def test_appendix_a_clauses_sampled_without_a_characteristic_evaluation_are_not_credited(
    cert: Certificate,
) -> None:
    cert.surveil(**surveillance(clauses=FIRST_HALF, characteristic_evaluation=False), stamp=STAMP)

    second = surveillance(clauses=SECOND_HALF, date=date(2026, 11, 20))
    error = refused(cert, "surveil", RuleViolation, **second)
    assert "not covered, e.g. A." in str(error)


def test_appendix_b_clauses_sampled_without_a_characteristic_evaluation_are_credited(
    cert: Certificate,
) -> None:
    cert.surveil(**surveillance(clauses=SECOND_HALF, characteristic_evaluation=False), stamp=STAMP)

    cert.surveil(**surveillance(clauses=FIRST_HALF, date=date(2026, 11, 20)), stamp=STAMP)

    assert recorded(cert) == ["Surveilled", "Surveilled"]


def test_a_surveillance_without_counts_hashes_as_those_stored_before_counts_existed(
    cert: Certificate,
) -> None:
    cert.surveil(**surveillance(), stamp=STAMP)

    (event,) = cert.collect_events()
    assert isinstance(event, Certificate.Surveilled)
    assert "evaluation" not in event_data(event)
    assert recompute_hash(event) == event.hash


# Per-revision facts (§6 e, §5.5.7, §5.5.8, §6.2) ---------------------------------------


def test_each_revision_keeps_the_facts_printed_on_it(cert: Certificate) -> None:
    cert.change_holder(name="深圳市新名称有限公司", effective_date=date(2026, 7, 1), stamp=STAMP)
    cert.change_level(
        level=2, evaluation=None, person_days=None, decision_date=date(2026, 9, 1), stamp=STAMP
    )

    first, renamed, lowered = cert.revisions
    assert (first.holder.name, first.level, first.reissue_date) == (
        "深圳市定制家居科技有限公司",
        3,
        None,
    )
    assert (renamed.holder.name, renamed.level, renamed.reissue_date) == (
        "深圳市新名称有限公司",
        3,
        date(2026, 7, 1),
    )
    assert (lowered.level, lowered.issue_date, lowered.reissue_date) == (
        2,
        date(2026, 5, 11),
        date(2026, 9, 1),
    )


def test_a_recertified_revision_prints_its_new_issue_date_and_validity() -> None:
    cert = recertifiable_certificate()

    cert.recertify(
        decision_date=date(2026, 7, 10), person_days=5, evaluation=EVALUATIONS[3], stamp=STAMP
    )

    first, renewed = cert.revisions
    assert (first.issue_date, first.valid_until) == (date(2024, 1, 10), date(2027, 1, 9))
    assert (renewed.issue_date, renewed.reissue_date, renewed.valid_until) == (
        date(2026, 7, 10),
        date(2026, 7, 10),
        date(2030, 1, 9),
    )


def test_recertifying_after_a_cycle_whose_surveillance_was_never_recorded_is_refused() -> None:
    cert = new_certificate(decision_date=date(2024, 1, 10))  # first surveillance due 2025-01-09

    error = refused(
        cert,
        "recertify",
        LifecycleConflict,
        decision_date=date(2026, 7, 10),
        person_days=5,
        evaluation=EVALUATIONS[3],
    )
    assert error.section == "§5.5.1 b, §5.6"
    assert "due by 2025-01-09 was never recorded" in str(error)


def test_recertifying_once_the_missing_surveillance_is_recorded_late_is_accepted() -> None:
    cert = new_certificate(decision_date=date(2024, 1, 10))
    late = cycle_surveillances()[0] | {"date": date(2026, 7, 1)}  # due by 2025-01-09
    cert.surveil(**late, stamp=STAMP)

    cert.recertify(
        decision_date=date(2026, 7, 10), person_days=5, evaluation=EVALUATIONS[3], stamp=STAMP
    )

    assert cert.valid_until == date(2030, 1, 9)


# Loose ends: the rule's effective date, and changes while suspended ----------------------


def test_a_decision_before_the_rule_took_effect_is_refused() -> None:
    with pytest.raises(InvalidInput, match="before CESI-SC-OD13 took effect") as raised:
        new_certificate(decision_date=date(2023, 2, 6))
    assert raised.value.field == "decision_date"


def test_a_decision_on_the_day_the_rule_took_effect_is_accepted() -> None:
    cert = new_certificate(decision_date=date(2023, 2, 7))

    assert cert.decision_date == date(2023, 2, 7)


def test_a_legacy_certificate_may_be_decided_before_the_rule_took_effect() -> None:
    cert = new_certificate(decision_date=date(2022, 3, 1), legacy=True)

    assert cert.decision_date == date(2022, 3, 1)


def test_narrowing_while_suspended_is_accepted_and_reissues(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 11, 1))  # §5.5.8.1 a: the way to drop what no longer conforms

    cert.narrow_scope(
        reason="a",
        approval_ref="技委〔2026〕1号",
        effective_date=date(2026, 11, 2),
        remove_sites=["广东省东莞市松山湖 8 号"],
        stamp=STAMP,
    )

    assert (cert.status, cert.revision) == ("suspended", 1)


def test_changing_the_holder_while_suspended_is_accepted(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 11, 1))  # §5.5.5 c: the facts are recorded whatever the status

    cert.change_holder(name="深圳市新名称有限公司", effective_date=date(2026, 11, 2), stamp=STAMP)

    assert (cert.status, cert.holder.name) == ("suspended", "深圳市新名称有限公司")


def test_extending_the_scope_while_suspended_is_refused(cert: Certificate) -> None:
    suspend(cert, on=date(2026, 11, 1))  # §5.5.7.1 b: the extension must conform

    refused(
        cert,
        "extend_scope",
        LifecycleConflict,
        add_sites=[{"address": "广东省佛山市 1 号", "activities": ["安装"]}],
        evaluation_ref="EXT-1",
        effective_date=date(2026, 11, 2),
    )


@pytest.mark.parametrize("level", [2, 4])
def test_changing_the_level_while_suspended_is_refused(cert: Certificate, level: int) -> None:
    suspend(cert, on=date(2026, 11, 1))  # §5.5.6: an evaluation of a suspended service

    refused(
        cert,
        "change_level",
        LifecycleConflict,
        level=level,
        evaluation=EVALUATIONS[level],
        person_days=5,
        decision_date=date(2026, 11, 2),
    )


# Nonconformities and corrective actions (§5.5.4, §6.3.1.1 h, §6.3.2.1 h) -------------


def finding(ident: str = "NC-1", deadline: date = date(2026, 11, 15)) -> dict[str, Any]:
    return {"id": ident, "clause": "B.8.03", "description": "投诉记录不完整", "deadline": deadline}


def nonconforming(
    cert: Certificate, *findings: dict[str, Any], on: date = date(2026, 11, 2)
) -> None:
    cert.surveil(
        **surveillance(
            date=on,
            outcome="nonconforming",
            corrective_deadline=date(2026, 11, 30),
            nonconformities=list(findings),
        ),
        stamp=STAMP,
    )


def test_a_surveillance_records_its_nonconformities_as_open(cert: Certificate) -> None:
    nonconforming(cert, finding())

    (found,) = cert.open_nonconformities.values()
    assert (found.id, found.clause, found.deadline, found.raised_on) == (
        "NC-1",
        "B.8.03",
        date(2026, 11, 15),
        date(2026, 11, 2),
    )


def test_nonconformities_on_a_conforming_surveillance_are_refused(cert: Certificate) -> None:
    error = refused(cert, "surveil", InvalidInput, **surveillance(nonconformities=[finding()]))
    assert error.section == "§5.5.4"


@pytest.mark.parametrize("deadline", [date(2026, 11, 2), date(2026, 11, 1)])
def test_a_nonconformity_due_by_the_surveillance_day_is_refused(
    cert: Certificate, deadline: date
) -> None:
    body = surveillance(
        outcome="nonconforming",
        corrective_deadline=date(2026, 11, 30),
        nonconformities=[finding(deadline=deadline)],
    )

    error = refused(cert, "surveil", InvalidInput, **body)
    assert error.field == "nonconformities.deadline"


def test_a_nonconformity_id_used_before_is_refused(cert: Certificate) -> None:
    nonconforming(cert, finding())
    cert.verify_corrective_action(
        nonconformity_id="NC-1", effective_date=date(2026, 11, 10), evidence_ref="CA-1", stamp=STAMP
    )

    body = surveillance(
        date=date(2026, 11, 20),
        clauses=SECOND_HALF,
        outcome="nonconforming",
        corrective_deadline=date(2026, 12, 30),
        nonconformities=[finding(deadline=date(2026, 12, 30))],
    )
    refused(cert, "surveil", InvalidInput, **body)


def test_a_later_surveillance_does_not_erase_an_open_nonconformity(cert: Certificate) -> None:
    nonconforming(cert, finding())

    cert.surveil(**surveillance(date=date(2026, 11, 20), clauses=SECOND_HALF), stamp=STAMP)

    assert list(cert.open_nonconformities) == ["NC-1"]


def test_a_verified_corrective_action_closes_the_nonconformity(cert: Certificate) -> None:
    nonconforming(cert, finding())

    cert.verify_corrective_action(
        nonconformity_id="NC-1", effective_date=date(2026, 11, 10), evidence_ref="CA-1", stamp=STAMP
    )

    assert cert.open_nonconformities == {}
    assert recorded(cert)[-1] == "CorrectiveActionVerified"


def test_closing_a_nonconformity_that_is_not_open_is_refused(cert: Certificate) -> None:
    error = refused(
        cert,
        "verify_corrective_action",
        LifecycleConflict,
        nonconformity_id="NC-9",
        effective_date=date(2026, 11, 10),
        evidence_ref="CA-1",
    )
    assert error.section == "§5.5.4"


def test_suspending_for_reason_h_with_a_nonconformity_overdue_is_accepted(
    cert: Certificate,
) -> None:
    nonconforming(cert, finding(deadline=date(2026, 11, 15)))

    suspend(cert, reason="h", on=date(2026, 11, 16))

    assert cert.status == "suspended"


def test_suspending_for_reason_h_on_the_deadline_is_refused(cert: Certificate) -> None:
    nonconforming(cert, finding(deadline=date(2026, 11, 15)))

    error = refused(
        cert, "suspend", RuleViolation, reason="h", details="x", effective_date=date(2026, 11, 15)
    )
    assert error.section == "§6.3.1.1 h"


def test_suspending_for_reason_h_once_the_nonconformity_is_closed_is_refused(
    cert: Certificate,
) -> None:
    nonconforming(cert, finding(deadline=date(2026, 11, 15)))
    cert.verify_corrective_action(
        nonconformity_id="NC-1", effective_date=date(2026, 11, 10), evidence_ref="CA-1", stamp=STAMP
    )

    refused(
        cert, "suspend", RuleViolation, reason="h", details="x", effective_date=date(2026, 11, 16)
    )


def test_revoking_for_reason_h_two_months_after_the_demand_is_accepted(cert: Certificate) -> None:
    cert.revoke(
        reason="h",
        details="要求纠正超过 2 个月仍未纠正",
        demand_date=date(2026, 9, 1),
        effective_date=date(2026, 11, 1),  # two months from 2026-09-01 end on 2026-10-31
        stamp=STAMP,
    )

    assert cert.status == "revoked"


def test_revoking_for_reason_h_within_two_months_of_the_demand_is_refused(
    cert: Certificate,
) -> None:
    error = refused(
        cert,
        "revoke",
        RuleViolation,
        reason="h",
        details="x",
        demand_date=date(2026, 9, 1),
        effective_date=date(2026, 10, 31),
    )
    assert error.section == "§6.3.2.1 h"


def test_revoking_for_reason_h_without_the_demand_date_is_refused(cert: Certificate) -> None:
    error = refused(
        cert, "revoke", InvalidInput, reason="h", details="x", effective_date=date(2026, 11, 1)
    )
    assert error.field == "demand_date"


def test_a_demand_date_with_another_revocation_reason_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "revoke",
        InvalidInput,
        reason="g",
        details="x",
        demand_date=date(2026, 9, 1),
        effective_date=date(2026, 11, 1),
    )


def test_a_revocation_without_a_demand_hashes_as_before_demands_were_recorded(
    cert: Certificate,
) -> None:
    cert.revoke(reason="g", details="停业", effective_date=date(2026, 6, 1), stamp=STAMP)

    (event,) = cert.collect_events()
    assert "demand_date" not in event_data(event)
    assert isinstance(event, Certificate.Revoked)
    assert recompute_hash(event) == event.hash


# Notifications from the holder (§5.5.5) ----------------------------------------------


def notify(
    cert: Certificate, kind: str, occurred: date, told: date, special_case: bool = False
) -> None:
    cert.record_notification(
        kind=kind,
        what="生产场所迁址",
        occurred_on=occurred,
        effective_date=told,
        special_case=special_case,
        stamp=STAMP,
    )


@pytest.mark.parametrize(
    ("kind", "told", "special_case", "late"),
    [
        ("a", date(2026, 9, 3), False, False),  # 48 hours: by 09-03
        ("a", date(2026, 9, 4), False, True),
        ("b", date(2026, 9, 8), True, False),  # a special case: a week, by 09-08
        ("b", date(2026, 9, 9), True, True),
        ("c", date(2026, 10, 1), False, False),  # a month: by 10-01
        ("c", date(2026, 10, 2), False, True),
        ("d", date(2026, 10, 2), False, True),
    ],
)
def test_a_notification_is_late_when_told_after_its_limit(
    cert: Certificate, kind: str, told: date, special_case: bool, late: bool
) -> None:
    notify(cert, kind, date(2026, 9, 1), told, special_case)

    (notification,) = cert.notifications
    assert notification.late is late
    assert [n.number for n in cert.late_notifications()] == ([1] if late else [])


def test_a_notification_of_a_month_end_change_is_due_at_the_next_month_end(
    cert: Certificate,
) -> None:
    notify(cert, "c", date(2026, 8, 31), date(2026, 9, 30))

    assert cert.notifications[0].told_by == date(2026, 9, 30)


def test_a_special_case_for_kinds_c_and_d_is_refused(cert: Certificate) -> None:
    error = refused(
        cert,
        "record_notification",
        InvalidInput,
        kind="c",
        what="x",
        occurred_on=date(2026, 9, 1),
        effective_date=date(2026, 9, 2),
        special_case=True,
    )
    assert error.field == "special_case"


def test_a_notification_told_before_it_happened_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "record_notification",
        InvalidInput,
        kind="a",
        what="x",
        occurred_on=date(2026, 9, 2),
        effective_date=date(2026, 9, 1),
    )


@pytest.mark.parametrize("kind", ["e", "", None])
def test_a_notification_kind_outside_a_to_d_is_refused(cert: Certificate, kind: object) -> None:
    error = refused(
        cert,
        "record_notification",
        InvalidInput,
        kind=kind,
        what="x",
        occurred_on=date(2026, 9, 1),
        effective_date=date(2026, 9, 1),
    )
    assert error.field == "kind"


def test_a_suspension_for_reason_k_cites_the_late_notifications(cert: Certificate) -> None:
    notify(cert, "c", date(2026, 7, 1), date(2026, 7, 15))  # in time
    notify(cert, "c", date(2026, 8, 1), date(2026, 9, 15))  # late
    cert.collect_events()

    suspend(cert, reason="k", on=date(2026, 9, 20))

    (suspended,) = cert.collect_events()
    assert suspended.late_notifications == [2]  # type: ignore[attr-defined]


def test_a_suspension_for_another_reason_cites_no_notification(cert: Certificate) -> None:
    notify(cert, "c", date(2026, 8, 1), date(2026, 9, 15))
    cert.collect_events()

    suspend(cert, reason="b", on=date(2026, 9, 20))

    (suspended,) = cert.collect_events()
    assert "late_notifications" not in event_data(suspended)


# Surveillance details (§5.3.2, §5.5.3) -----------------------------------------------

TEAM = {
    "auditors": [{"name": "王审查", "days": 1.5}, {"name": "李审查", "days": 1}],
    "technical_experts": ["张专家"],
    "observers": ["赵观察"],
}
SHENZHEN, DONGGUAN = (str(site["address"]) for site in SITES)
ALL_ITEMS = ["1", "2", "3", "4", "5", "6", "7"]


def test_a_surveillance_records_its_team_sites_and_content_items(cert: Certificate) -> None:
    cert.surveil(
        **surveillance(team=TEAM, sites_sampled=[SHENZHEN], content_items=ALL_ITEMS), stamp=STAMP
    )

    (event,) = cert.collect_events()
    assert event.team["technical_experts"] == ["张专家"]  # type: ignore[attr-defined]
    assert event.sites_sampled == [SHENZHEN]  # type: ignore[attr-defined]


def test_experts_and_observers_do_not_count_toward_person_days(cert: Certificate) -> None:
    team = TEAM | {"auditors": [{"name": "王审查", "days": 1.5}]}  # 1.5 days of 2.5

    error = refused(cert, "surveil", RuleViolation, **surveillance(team=team))
    assert (error.section, error.field) == ("§5.3.2", "person_days")


def test_a_team_without_an_auditor_is_refused(cert: Certificate) -> None:
    error = refused(cert, "surveil", RuleViolation, **surveillance(team=TEAM | {"auditors": []}))
    assert error.section == "§5.3.2"


def test_a_site_outside_the_scope_is_refused(cert: Certificate) -> None:
    refused(cert, "surveil", InvalidInput, **surveillance(sites_sampled=["北京市某地"]))


def test_a_cycle_that_never_visits_a_site_is_refused(cert: Certificate) -> None:
    cert.surveil(**surveillance(sites_sampled=[SHENZHEN]), stamp=STAMP)

    second = surveillance(date=date(2026, 11, 20), clauses=SECOND_HALF, sites_sampled=[SHENZHEN])
    error = refused(cert, "surveil", RuleViolation, **second)
    assert DONGGUAN in str(error)


def test_a_cycle_that_visits_every_site_is_accepted(cert: Certificate) -> None:
    cert.surveil(**surveillance(sites_sampled=[SHENZHEN]), stamp=STAMP)

    second = surveillance(date=date(2026, 11, 20), clauses=SECOND_HALF, sites_sampled=[DONGGUAN])
    cert.surveil(**second, stamp=STAMP)

    assert len(cert.cycle_surveillances) == 2


def test_a_surveillance_missing_a_content_item_is_refused(cert: Certificate) -> None:
    error = refused(cert, "surveil", RuleViolation, **surveillance(content_items=ALL_ITEMS[:-1]))
    assert "not covered: (7)" in str(error)


# Complaints, appeals (§9) and misuse warnings (§7, §8) --------------------------------


def open_case(cert: Certificate, case_id: str = "TS-1", kind: str = "complaint") -> None:
    cert.record_case(
        case_id=case_id,
        kind=kind,
        summary="客户投诉交付延误",
        effective_date=date(2026, 9, 1),
        stamp=STAMP,
    )


def test_a_case_is_open_until_closed(cert: Certificate) -> None:
    open_case(cert)
    cert.acknowledge_case(case_id="TS-1", effective_date=date(2026, 9, 2), stamp=STAMP)
    assert cert.open_cases["TS-1"].acknowledged_on == date(2026, 9, 2)

    cert.close_case(
        case_id="TS-1", decision="投诉属实，已纠正", effective_date=date(2026, 9, 20), stamp=STAMP
    )

    assert cert.open_cases == {}
    assert recorded(cert)[-3:] == ["CaseOpened", "CaseAcknowledged", "CaseClosed"]


def test_a_misuse_warning_may_concern_a_revoked_certificate(cert: Certificate) -> None:
    cert.revoke(reason="g", details="停业", effective_date=date(2026, 8, 1), stamp=STAMP)

    open_case(cert, kind="misuse_mark")  # §7: the mark still used after revocation

    assert cert.open_cases["TS-1"].kind == "misuse_mark"


def test_a_case_id_used_before_is_refused(cert: Certificate) -> None:
    open_case(cert)
    cert.close_case(case_id="TS-1", decision="x", effective_date=date(2026, 9, 2), stamp=STAMP)

    refused(
        cert,
        "record_case",
        InvalidInput,
        case_id="TS-1",
        kind="appeal",
        summary="x",
        effective_date=date(2026, 9, 3),
    )


def test_acknowledging_a_case_twice_is_refused(cert: Certificate) -> None:
    open_case(cert)
    cert.acknowledge_case(case_id="TS-1", effective_date=date(2026, 9, 2), stamp=STAMP)

    error = refused(
        cert, "acknowledge_case", LifecycleConflict, case_id="TS-1", effective_date=date(2026, 9, 3)
    )
    assert error.section == "§9"


def test_closing_a_case_that_is_not_open_is_refused(cert: Certificate) -> None:
    refused(
        cert,
        "close_case",
        LifecycleConflict,
        case_id="TS-9",
        decision="x",
        effective_date=date(2026, 9, 3),
    )


def test_a_case_kind_outside_the_four_is_refused(cert: Certificate) -> None:
    error = refused(
        cert,
        "record_case",
        InvalidInput,
        case_id="TS-1",
        kind="rumour",
        summary="x",
        effective_date=date(2026, 9, 3),
    )
    assert error.field == "kind"


# The timeline of a certification (§5.2, §5.7) ----------------------------------------


def test_an_issue_records_its_application_and_acceptance_dates() -> None:
    cert = new_certificate(application_date=date(2026, 3, 2), acceptance_date=date(2026, 3, 9))

    assert cert.timeline.late_steps() == []
    assert cert.timeline == Timeline(date(2026, 3, 2), date(2026, 3, 9), date(2026, 5, 11))


def test_a_late_decision_is_recorded_not_refused() -> None:
    cert = new_certificate(application_date=date(2026, 1, 5), acceptance_date=date(2026, 1, 6))

    (late,) = cert.timeline.late_steps()
    assert (late.step, late.section) == ("decision", "§5.7")


def test_an_acceptance_before_the_application_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        new_certificate(application_date=date(2026, 3, 9), acceptance_date=date(2026, 3, 2))
    assert raised.value.field == "acceptance_date"


def test_a_decision_before_the_acceptance_is_refused() -> None:
    with pytest.raises(InvalidInput, match="decided before the acceptance"):
        new_certificate(acceptance_date=date(2026, 5, 12))


def test_an_issue_without_timeline_hashes_as_before_the_timeline_existed() -> None:
    (issued,) = new_certificate().collect_events()

    assert "application_date" not in event_data(issued)
    assert isinstance(issued, Certificate.Issued)
    assert recompute_hash(issued) == issued.hash


def test_a_decision_twenty_working_days_after_the_papers_has_no_late_step() -> None:
    cert = new_certificate(decision_date=date(2025, 10, 23), papers_received_date=date(2025, 9, 19))

    assert cert.timeline.papers_received == date(2025, 9, 19)
    assert cert.timeline.late_steps() == []


def test_a_decision_twenty_one_working_days_after_the_papers_is_recorded_late() -> None:
    cert = new_certificate(decision_date=date(2025, 10, 24), papers_received_date=date(2025, 9, 19))

    (late,) = cert.timeline.late_steps()
    assert (late.step, late.section, late.working_days) == ("review", "§5.4", 21)


def test_papers_received_after_the_decision_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        new_certificate(papers_received_date=date(2026, 5, 12))
    assert raised.value.field == "papers_received_date"


def test_papers_received_before_the_acceptance_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        new_certificate(acceptance_date=date(2026, 3, 9), papers_received_date=date(2026, 3, 6))
    assert raised.value.field == "papers_received_date"


def test_a_recertification_records_its_timeline() -> None:
    cert = recertifiable_certificate()

    cert.recertify(
        decision_date=date(2026, 7, 10),
        person_days=5,
        evaluation=EVALUATIONS[3],
        application_date=date(2026, 5, 4),
        acceptance_date=date(2026, 5, 6),
        stamp=STAMP,
    )

    assert cert.timeline == Timeline(date(2026, 5, 4), date(2026, 5, 6), date(2026, 7, 10))


def test_a_recertification_long_after_its_papers_is_recorded_late() -> None:
    cert = recertifiable_certificate()

    cert.recertify(
        decision_date=date(2026, 7, 10),
        person_days=5,
        evaluation=EVALUATIONS[3],
        papers_received_date=date(2026, 6, 1),
        stamp=STAMP,
    )

    assert [s.step for s in cert.timeline.late_steps()] == ["review"]


# What the certificate prints: the rule's edition and the signatory (§6) ---------------


@pytest.mark.parametrize(
    ("decided", "edition"),
    [
        (date(2025, 8, 30), "v1.0"),
        (date(2025, 8, 31), "v1.1"),
        (date(2026, 5, 10), "v1.1"),
        (date(2026, 5, 11), "v1.2"),
    ],
)
def test_an_issue_records_the_edition_of_the_rule_in_force_on_its_decision(
    decided: date, edition: str
) -> None:
    cert = new_certificate(decision_date=decided)

    (issued,) = cert.collect_events()
    assert issued.rule_edition == cert.rule_edition == edition  # type: ignore[attr-defined]


def test_a_legacy_issue_before_the_rule_has_no_edition() -> None:
    cert = new_certificate(decision_date=date(2022, 3, 1), legacy=True)

    assert cert.rule_edition is None


def test_an_issue_records_its_signatory() -> None:
    cert = new_certificate(signatory="陈签发")

    assert cert.signatory == "陈签发"


def test_a_recertification_records_the_edition_then_in_force() -> None:
    cert = recertifiable_certificate()  # decided 2024-01-10 under v1.0
    assert cert.rule_edition == "v1.0"

    cert.recertify(
        decision_date=date(2026, 7, 10), person_days=5, evaluation=EVALUATIONS[3], stamp=STAMP
    )

    assert cert.rule_edition == "v1.2"


# Master and sub-certificates (§6 a) ----------------------------------------------------

DONGGUAN = str(SITES[1]["address"])
SHENZHEN = str(SITES[0]["address"])


def test_a_sub_certificate_is_numbered_after_the_master_from_s01(cert: Certificate) -> None:
    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 1), stamp=STAMP)

    (issued,) = cert.collect_events()
    assert issued.certificate_no == "CESI2026EV/IMG10007R00-S01"  # type: ignore[attr-defined]
    assert [(s.number, s.addresses) for s in cert.sub_certificates] == [(1, (DONGGUAN,))]
    assert cert.certificate_no == "CESI2026EV/IMG10007R00"  # the master is not re-issued


def test_a_sub_certificate_covering_the_whole_scope_is_refused(cert: Certificate) -> None:
    error = refused(
        cert,
        "issue_sub_certificate",
        RuleViolation,
        sites=[SHENZHEN, DONGGUAN],
        effective_date=date(2026, 6, 1),
    )
    assert error.section == "§6 a"


def test_a_sub_certificate_for_a_site_outside_the_scope_is_refused(cert: Certificate) -> None:
    error = refused(
        cert,
        "issue_sub_certificate",
        InvalidInput,
        sites=["上海市某地"],
        effective_date=date(2026, 6, 1),
    )
    assert error.field == "sites"


def test_a_site_on_a_sub_certificate_cannot_go_on_a_second(cert: Certificate) -> None:
    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 1), stamp=STAMP)

    error = refused(
        cert,
        "issue_sub_certificate",
        RuleViolation,
        sites=[DONGGUAN],
        effective_date=date(2026, 6, 2),
    )
    assert "already on sub-certificate CESI2026EV/IMG10007R00-S01" in str(error)


def test_a_suspended_registration_gets_no_sub_certificate(cert: Certificate) -> None:
    cert.suspend(reason="g", details="主动暂停", effective_date=date(2026, 6, 1), stamp=STAMP)

    error = refused(
        cert,
        "issue_sub_certificate",
        LifecycleConflict,
        sites=[DONGGUAN],
        effective_date=date(2026, 6, 2),
    )
    assert error.section == "§6.3.1"


def test_a_narrowing_that_leaves_a_sub_certificate_without_a_site_is_refused(
    cert: Certificate,
) -> None:
    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 1), stamp=STAMP)

    error = refused(
        cert,
        "narrow_scope",
        LifecycleConflict,
        reason="b",
        remove_sites=[DONGGUAN],
        approval_ref="A-1",
        effective_date=date(2026, 6, 2),
    )
    assert error.section == "§6 a"


def test_a_narrowing_of_other_sites_keeps_the_sub_certificate(cert: Certificate) -> None:
    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 1), stamp=STAMP)

    cert.narrow_scope(
        reason="b",
        remove_activities=[{"address": DONGGUAN, "activity": "物流配送"}],
        approval_ref="A-1",
        effective_date=date(2026, 6, 2),
        stamp=STAMP,
    )

    assert [s.number for s in cert.sub_certificates] == [1]
    assert cert.certificate_no == "CESI2026EV/IMG10007R01"


def with_withdrawn_sub(cert: Certificate) -> None:
    """S01 for Dongguan on 06-01, withdrawn on 06-02."""
    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 1), stamp=STAMP)
    cert.withdraw_sub_certificate(
        certificate_no="CESI2026EV/IMG10007R00-S01",
        request_ref="R-1",
        effective_date=date(2026, 6, 2),
        stamp=STAMP,
    )


def test_a_withdrawn_sub_certificates_number_is_not_reused(cert: Certificate) -> None:
    with_withdrawn_sub(cert)

    cert.issue_sub_certificate(sites=[DONGGUAN], effective_date=date(2026, 6, 3), stamp=STAMP)

    assert [(s.number, s.withdrawn_on) for s in cert.sub_certificates] == [
        (1, date(2026, 6, 2)),
        (2, None),
    ]


def test_a_withdrawn_sub_certificates_sites_may_be_narrowed_away(cert: Certificate) -> None:
    with_withdrawn_sub(cert)

    cert.narrow_scope(
        reason="b",
        remove_sites=[DONGGUAN],
        approval_ref="A-1",
        effective_date=date(2026, 6, 3),
        stamp=STAMP,
    )

    assert [s.address for s in cert.sites] == [SHENZHEN]


def test_withdrawing_a_sub_certificate_twice_is_refused(cert: Certificate) -> None:
    with_withdrawn_sub(cert)

    error = refused(
        cert,
        "withdraw_sub_certificate",
        LifecycleConflict,
        certificate_no="CESI2026EV/IMG10007R00-S01",
        request_ref="R-2",
        effective_date=date(2026, 6, 3),
    )
    assert error.section == "§6 a"


# An English certificate's name and scope (§6 g) ----------------------------------------

ENGLISH_SITES = [
    SITES[0] | {"address_en": "No. 1 Science Park, Shenzhen", "activities_en": ["Custom design"]},
    SITES[1] | {"activities_en": ["Custom manufacture", "Logistics"]},
]


def test_an_issue_records_the_english_scope_of_an_english_certificate() -> None:
    cert = new_certificate(holder=HOLDER, scope={"sites": ENGLISH_SITES})

    assert cert.sites[0].address_en == "No. 1 Science Park, Shenzhen"
    assert cert.sites[1].activities_en == ("Custom manufacture", "Logistics")
    assert cert.revisions[0].sites == cert.sites


def test_an_english_scope_without_an_english_name_is_refused() -> None:
    chinese_only = HOLDER | {"name_en": ""}

    with pytest.raises(InvalidInput) as raised:
        new_certificate(holder=chinese_only, scope={"sites": ENGLISH_SITES})

    assert (raised.value.section, raised.value.field) == ("§6 g", "holder.name_en")


def test_english_activities_one_short_are_refused() -> None:
    short = [SITES[1] | {"activities_en": ["Custom manufacture"]}]

    with pytest.raises(InvalidInput) as raised:
        new_certificate(holder=HOLDER, scope={"sites": short})

    assert raised.value.field == "scope.sites.activities_en"


def test_narrowing_an_activity_keeps_the_english_of_the_others() -> None:
    cert = new_certificate(holder=HOLDER, scope={"sites": ENGLISH_SITES})

    cert.narrow_scope(
        reason="b",
        remove_activities=[{"address": DONGGUAN, "activity": "定制家具生产制造"}],
        approval_ref="A-1",
        effective_date=date(2026, 6, 2),
        stamp=STAMP,
    )

    assert (cert.sites[1].activities, cert.sites[1].activities_en) == (
        ("物流配送",),
        ("Logistics",),
    )


def test_extending_a_site_with_an_english_scope_without_english_is_refused() -> None:
    cert = new_certificate(holder=HOLDER, scope={"sites": ENGLISH_SITES})
    cert.collect_events()

    error = refused(
        cert,
        "extend_scope",
        InvalidInput,
        add_sites=[{"address": DONGGUAN, "activities": ["安装服务"]}],
        evaluation_ref="E-1",
        effective_date=date(2026, 6, 2),
    )
    assert error.section == "§6 g"


def test_extending_a_site_without_english_with_english_activities_is_refused(
    cert: Certificate,
) -> None:
    error = refused(
        cert,
        "extend_scope",
        InvalidInput,
        add_sites=[{"address": DONGGUAN, "activities": ["安装服务"], "activities_en": ["Fitting"]}],
        evaluation_ref="E-1",
        effective_date=date(2026, 6, 2),
    )
    assert error.field == "add_sites.activities_en"


def test_extending_a_site_with_an_english_scope_in_english_keeps_it() -> None:
    cert = new_certificate(holder=HOLDER, scope={"sites": ENGLISH_SITES})

    cert.extend_scope(
        add_sites=[{"address": DONGGUAN, "activities": ["安装服务"], "activities_en": ["Fitting"]}],
        evaluation_ref="E-1",
        effective_date=date(2026, 6, 2),
        stamp=STAMP,
    )

    assert cert.sites[1].activities_en == ("Custom manufacture", "Logistics", "Fitting")


def test_a_holder_change_records_the_english_scope_on_a_new_revision(cert: Certificate) -> None:
    cert.change_holder(
        scope_en=[{"address": DONGGUAN, "activities_en": ["Custom manufacture", "Logistics"]}],
        effective_date=date(2026, 6, 2),
        stamp=STAMP,
    )

    assert cert.sites[1].activities_en == ("Custom manufacture", "Logistics")
    assert cert.revisions[0].sites[1].activities_en == ()  # R00 was printed without it
    assert cert.certificate_no == "CESI2026EV/IMG10007R01"


def test_an_issue_without_english_stores_sites_as_before() -> None:
    (issued,) = new_certificate().collect_events()

    assert issued.sites == SITES  # type: ignore[attr-defined]


def test_a_holder_change_without_english_hashes_as_before_sites_were_recorded(
    cert: Certificate,
) -> None:
    cert.change_holder(name="深圳市新名称有限公司", effective_date=date(2026, 6, 2), stamp=STAMP)

    (changed,) = cert.collect_events()
    assert isinstance(changed, Certificate.HolderDetailsChanged)
    assert "sites" not in event_data(changed)
    assert recompute_hash(changed) == changed.hash
