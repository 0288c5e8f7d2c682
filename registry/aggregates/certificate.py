"""The Certificate aggregate: one registration's whole lifecycle under CESI-SC-OD13."""

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypedDict
from uuid import NAMESPACE_URL, UUID, uuid5

from registry.aggregates.chain import Chained, Stamp
from registry.errors import InvalidInput, LifecycleConflict, RuleViolation
from registry.rules import levels, reasons, workdays
from registry.rules.clauses import appendix_a_ids, check_clauses, clause_ids
from registry.rules.dates import EARLIEST, ONE_DAY, last_day_of_period, local_date
from registry.rules.levels import EvaluationDoc
from registry.rules.lifecycle import (
    COMMAND_NAMES,
    FIRST_SURVEILLANCE_MONTHS,
    LIFECYCLE,
    RULE_EFFECTIVE,
    TERMINAL,
    VALIDITY_MONTHS,
    CommandName,
    Status,
    recertification_opens,
    rule_edition_on,
)
from registry.rules.numbers import MAX_SUBS, certificate_no, parse_number, sub_certificate_no
from registry.rules.values import (
    MAX_LONG_TEXT,
    Holder,
    HolderDoc,
    Site,
    SiteDoc,
    check_text,
    parse_english,
    parse_holder,
    parse_sites,
)


@dataclass(frozen=True)
class Suspension:
    reason: str
    details: str
    since: date
    restore_deadline: date | None  # None for reason f (§6.3.1.3)


@dataclass(frozen=True)
class Revocation:
    reason: str
    details: str
    date: date
    automatic: bool


@dataclass(frozen=True)
class Surveillance:
    date: date
    clauses: frozenset[str]
    characteristic_evaluation: bool
    sites: frozenset[str] | None = None  # the sites sampled, when recorded


class AuditorDoc(TypedDict):
    name: str
    days: float


class TeamDoc(TypedDict):
    """Who surveyed (§5.3.2): only auditors' days are on-site person-days."""

    auditors: list[AuditorDoc]
    technical_experts: list[str]
    observers: list[str]


CONTENT_ITEMS = ("1", "2", "3", "4", "5", "6", "7")  # §5.5.3 (1)–(7)


class NonconformityDoc(TypedDict):
    """A nonconformity as a surveillance event records it (§5.5.4)."""

    id: str
    clause: str
    description: str
    deadline: str  # ISO date set by the certification body


@dataclass(frozen=True)
class Nonconformity:
    id: str
    clause: str
    description: str
    deadline: date
    raised_on: date

    def overdue_on(self, day: date) -> bool:
        return self.deadline < day


@dataclass(frozen=True)
class Notification:
    """A holder's notification (§5.5.5): what happened when, and when CESI was told."""

    number: int  # 1, 2, … on this certificate
    kind: str
    what: str
    occurred_on: date
    told_on: date
    told_by: date  # the last day the rule allowed
    special_case: bool

    @property
    def late(self) -> bool:
        return self.told_on > self.told_by


CASE_KINDS = {  # §9 complaints and appeals; §7, §8 misuse of the certificate or the mark
    "complaint": "§9",
    "appeal": "§9",
    "misuse_certificate": "§8",
    "misuse_mark": "§7",
}


@dataclass(frozen=True)
class Case:
    """A complaint, an appeal or a misuse warning about the certificate, open until closed."""

    id: str
    kind: str
    summary: str
    opened_on: date
    acknowledged_on: date | None = None


class Timeline(NamedTuple):
    """The dates of a certification (§5.2, §5.4, §5.7): applied, accepted, decided, and
    when the full set of evaluation papers reached the certification body."""

    application: date | None
    acceptance: date | None
    decision: date
    papers_received: date | None = None

    def late_steps(self) -> list[workdays.LateStep]:
        return workdays.late_steps(
            self.application, self.acceptance, self.decision, self.papers_received
        )


@dataclass(frozen=True)
class SubCertificate:
    """A sub-certificate (子证书, §6 a): some sites of the scope printed on a certificate of
    their own, numbered after the master's, `-S{NN}`; it shares the registration's status."""

    number: int  # NN
    addresses: tuple[str, ...]
    first_revision: int  # the master's revision it was first printed with
    since: date
    withdrawn_on: date | None = None  # given up at the holder's request (注销), never reissued


class Revision(NamedTuple):
    """A printed certificate R{RR} and the facts printed on it (§6 a–h), folded from the
    events: the state right after the event that printed it."""

    number: int  # RR of the printed certificate
    since: date
    holder: Holder
    level: int
    sites: tuple[Site, ...]
    issue_date: date
    reissue_date: date | None  # 换证日期 (§6 e), None on R00
    valid_until: date


# The fields an issue or recertification gained after the first events were stored (§5.2,
# §5.4, §5.7, §6): hashed only when they hold a value, so older events keep their hashes.
DECISION_FIELDS = frozenset(
    {"application_date", "acceptance_date", "papers_received_date", "rule_edition", "signatory"}
)


class Lapse(NamedTuple):
    """A time-driven ending: due by the calendar, recorded later by the sweeper."""

    status: Status  # EXPIRED or REVOKED
    since: date


class Certificate(Chained):
    """A registration (CESI{YYYY}EV/IMG1{NNNN}) and every printed revision of it."""

    if TYPE_CHECKING:  # state set by the events; annotations here would make a dataclass
        registration_no: str
        holder: Holder
        level: int
        sites: tuple[Site, ...]
        decision_date: date
        issue_date: date
        valid_until: date
        revisions: list[Revision]
        status: Status
        status_since: date
        suspension: Suspension | None
        revocation: Revocation | None
        cycle_start: date
        cycle_surveillances: list[Surveillance]
        last_surveillance_date: date | None
        corrective_deadline: date | None
        open_nonconformities: dict[str, Nonconformity]  # §5.5.4, until verified closed
        raised_nonconformities: set[str]  # every id ever raised: ids are never reused
        notifications: list[Notification]
        timeline: Timeline  # of the latest issue or recertification
        rule_edition: str | None  # §6 c, of the latest decision; None for a legacy one
        signatory: str | None  # §6: 签发人 of the latest decision, when recorded
        open_cases: dict[str, Case]  # §7–§9, until decided or resolved
        case_ids: set[str]  # every case id ever used: never reused
        sub_certificates: list[SubCertificate]  # §6 a, in the order issued (S01, S02, …)
        last_effective_date: date

    @staticmethod
    def create_id(registration_no: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/certregistry/certificates/{registration_no}")

    # Commands: guard, then record. ------------------------------------------------------

    def run(self, name: CommandName, arguments: Mapping[str, Any], stamp: Stamp) -> None:
        """Run the command `name` with its keyword arguments; a missing or unknown one is
        invalid input, named, before anything is checked or recorded."""
        method = COMMANDS[name]
        try:
            inspect.signature(method).bind(self, **arguments, stamp=stamp)
        except TypeError as error:
            raise InvalidInput(f"{name}: {error}") from None
        method(self, **arguments, stamp=stamp)

    @classmethod
    def issue(
        cls,
        *,
        registration_no: str,
        holder: Mapping[str, Any],
        level: int,
        sites: Sequence[Mapping[str, Any]],
        decision_date: date,
        issue_date: date | None,
        person_days: float,
        evaluation: Mapping[str, Any] | None,
        stamp: Stamp,
        legacy: bool = False,
        application_date: date | None = None,
        acceptance_date: date | None = None,
        signatory: str | None = None,
        papers_received_date: date | None = None,
    ) -> "Certificate":
        """`legacy` admits a decision before the rule took effect (a legacy import only)."""
        level = levels.check_level(level)
        checked_holder = parse_holder(holder)
        checked_sites = parse_sites(sites)
        checked_evaluation = levels.parse_evaluation(evaluation)
        issue_date = decision_date if issue_date is None else issue_date
        today = local_date(stamp.at)
        _check_not_future(decision_date, today, "decision_date")
        _check_not_future(issue_date, today, "issue_date")
        if decision_date < RULE_EFFECTIVE and not legacy:
            raise InvalidInput(
                f"decision_date {decision_date.isoformat()} is before CESI-SC-OD13 took effect "
                f"({RULE_EFFECTIVE.isoformat()}); older certificates come by a legacy import",
                field="decision_date",
            )
        if issue_date < decision_date:
            raise InvalidInput(
                "the certificate cannot be issued before the certification decision",
                section="§5.4",
                field="issue_date",
            )
        levels.check_evaluation_supports(level, checked_evaluation)
        person_days = levels.check_initial_person_days(level, person_days)
        _check_english(checked_holder, checked_sites)
        _check_timeline(application_date, acceptance_date, decision_date, papers_received_date)
        return cls._begin(
            cls.Issued,
            id=cls.create_id(registration_no),
            stamp=stamp,
            effective_date=issue_date,
            registration_no=registration_no,
            certificate_no=certificate_no(registration_no, 0),
            holder=checked_holder.to_dict(),
            level=level,
            sites=[s.to_dict() for s in checked_sites],
            decision_date=decision_date,
            issue_date=issue_date,
            valid_until=last_day_of_period(issue_date, months=VALIDITY_MONTHS),
            person_days=person_days,
            evaluation=checked_evaluation.to_dict() if checked_evaluation else None,
            application_date=application_date,
            acceptance_date=acceptance_date,
            papers_received_date=papers_received_date,
            rule_edition=rule_edition_on(decision_date),
            signatory=None if signatory is None else check_text(signatory, "signatory"),
        )

    def surveil(
        self,
        *,
        date: date,
        person_days: float,
        management_audit: bool,
        characteristic_evaluation: bool,
        clauses: list[str],
        outcome: str,
        report_ref: str,
        stamp: Stamp,
        corrective_deadline: date | None = None,
        evaluation: Mapping[str, Any] | None = None,
        nonconformities: Sequence[Mapping[str, Any]] = (),
        team: Mapping[str, Any] | None = None,
        sites_sampled: Sequence[str] | None = None,
        content_items: Sequence[str] | None = None,
    ) -> None:
        self._check_effective("surveil", date, stamp)
        for name, flag in (
            ("management_audit", management_audit),
            ("characteristic_evaluation", characteristic_evaluation),
        ):
            if not isinstance(flag, bool):
                raise InvalidInput(f"{name} must be true or false", field=name)
        person_days = levels.check_surveillance_person_days(self.level, person_days)
        if not management_audit:
            raise RuleViolation(
                "every surveillance includes a service management audit",
                section="§5.5.3",
                field="management_audit",
            )
        sampled = check_clauses(clauses)
        basis = clause_ids()
        if 2 * len(sampled) < len(basis):
            raise RuleViolation(
                f"a surveillance samples at least half of the {len(basis)} basis clauses, "
                f"not {len(sampled)}",
                section="§5.5.3",
                field="clauses",
            )
        if len(self.cycle_surveillances) == 1:  # the second of the cycle completes it
            first = self.cycle_surveillances[0]
            if not (first.characteristic_evaluation or characteristic_evaluation):
                raise RuleViolation(
                    "a certification cycle includes at least one characteristic evaluation",
                    section="§5.5.3",
                    field="characteristic_evaluation",
                )
            missing = basis - first.clauses - credited(sampled, characteristic_evaluation)
            if missing:
                raise RuleViolation(
                    f"the two surveillances of a cycle cover every basis clause (Appendix A "
                    f"ones only with a characteristic evaluation, §5.3.5); "
                    f"{len(missing)} not covered, e.g. {min(missing)}",
                    section="§5.5.3",
                    field="clauses",
                )
        if outcome not in ("conforming", "nonconforming"):
            raise InvalidInput(
                "outcome is 'conforming' or 'nonconforming'", section="§5.5.4", field="outcome"
            )
        if outcome == "nonconforming":
            if corrective_deadline is None or corrective_deadline <= date:
                raise InvalidInput(
                    "nonconformities need a corrective deadline after the surveillance",
                    section="§5.5.4",
                    field="corrective_deadline",
                )
        elif corrective_deadline is not None:
            raise InvalidInput(
                "a conforming surveillance has no corrective deadline",
                field="corrective_deadline",
            )
        checked = self._check_surveillance_evaluation(
            evaluation, characteristic_evaluation, outcome
        )
        found = self._check_nonconformities(nonconformities, date, outcome)
        checked_team = _check_team(team, person_days)
        sites = self._check_sites_sampled(sites_sampled)
        items = _check_content_items(content_items)
        self._record(
            self.Surveilled,
            stamp=stamp,
            effective_date=date,
            person_days=person_days,
            management_audit=True,
            characteristic_evaluation=characteristic_evaluation,
            clauses=sorted(sampled),
            outcome=outcome,
            corrective_deadline=corrective_deadline,
            report_ref=check_text(report_ref, "report_ref"),
            evaluation=None if checked is None else checked.to_dict(),
            nonconformities=found or None,
            team=checked_team,
            sites_sampled=None if sites is None else sorted(sites),
            content_items=items,
        )

    def _check_sites_sampled(self, sites: object) -> frozenset[str] | None:
        """§5.5.3 (choice): the sites sampled are sites of the scope, and the two
        surveillances of a cycle, when both record theirs, visit every site."""
        if sites is None:
            return None
        if not isinstance(sites, list | tuple) or not all(isinstance(a, str) for a in sites):
            raise InvalidInput("sites_sampled must list site addresses", field="sites_sampled")
        scope = {site.address for site in self.sites}
        unknown = sorted(set(sites) - scope)
        if unknown or not sites:
            raise InvalidInput(
                f"sites_sampled names sites of the scope, not {unknown[:1] or 'none'}",
                field="sites_sampled",
            )
        sampled = frozenset(sites)
        if len(self.cycle_surveillances) == 1 and self.cycle_surveillances[0].sites is not None:
            missed = scope - self.cycle_surveillances[0].sites - sampled
            if missed:
                raise RuleViolation(
                    f"the surveillances of a cycle visit every site of the scope; "
                    f"not visited: {min(missed)}",
                    section="§5.5.3",
                    field="sites_sampled",
                )
        return sampled

    def _check_nonconformities(
        self, items: object, surveyed: date, outcome: str
    ) -> list[NonconformityDoc]:
        """§5.5.4: each nonconformity names a catalogue clause and a deadline after the
        surveillance; its id is new to this certificate."""
        if not isinstance(items, list | tuple) or not all(isinstance(i, Mapping) for i in items):
            raise InvalidInput(
                "nonconformities must be a list of {id, clause, description, deadline}",
                field="nonconformities",
            )
        if items and outcome != "nonconforming":
            raise InvalidInput(
                "a surveillance with nonconformities has the outcome 'nonconforming'",
                section="§5.5.4",
                field="outcome",
            )
        found: list[NonconformityDoc] = []
        for item in items:
            ident = check_text(item.get("id"), "nonconformities.id", limit=40)
            if ident in self.raised_nonconformities or ident in (f["id"] for f in found):
                raise InvalidInput(
                    f"nonconformity {ident!r} is already recorded", field="nonconformities.id"
                )
            (clause,) = check_clauses([item.get("clause")])
            deadline = item.get("deadline")
            if not isinstance(deadline, date) or deadline <= surveyed:
                raise InvalidInput(
                    "a nonconformity's deadline is a date after the surveillance",
                    section="§5.5.4",
                    field="nonconformities.deadline",
                )
            description = item.get("description")
            found.append(
                {
                    "id": ident,
                    "clause": clause,
                    "description": check_text(
                        description, "nonconformities.description", limit=MAX_LONG_TEXT
                    ),
                    "deadline": deadline.isoformat(),
                }
            )
        return found

    def verify_corrective_action(
        self, *, nonconformity_id: str, effective_date: date, evidence_ref: str, stamp: Stamp
    ) -> None:
        """§5.5.4, §6.3.1.4: the corrective action of an open nonconformity is verified."""
        self._check_effective("verify_corrective_action", effective_date, stamp)
        if nonconformity_id not in self.open_nonconformities:
            raise LifecycleConflict(
                f"no open nonconformity {str(nonconformity_id)[:40]!r} on {self.registration_no}",
                section="§5.5.4",
                field="nonconformity_id",
            )
        self._record(
            self.CorrectiveActionVerified,
            stamp=stamp,
            effective_date=effective_date,
            nonconformity_id=nonconformity_id,
            evidence_ref=check_text(evidence_ref, "evidence_ref"),
        )

    def record_notification(
        self,
        *,
        kind: str,
        what: str,
        occurred_on: date,
        effective_date: date,
        stamp: Stamp,
        special_case: bool = False,
    ) -> None:
        """§5.5.5: the holder told CESI on `effective_date` of what happened on
        `occurred_on`; recorded late when told after the rule's limit."""
        self._check_effective("record_notification", effective_date, stamp)
        kind = reasons.check_notification_kind(kind)
        if not isinstance(occurred_on, date) or occurred_on > effective_date:
            raise InvalidInput(
                "occurred_on is a date on or before the day CESI was told (effective_date)",
                field="occurred_on",
            )
        if not isinstance(special_case, bool):
            raise InvalidInput("special_case must be true or false", field="special_case")
        if special_case and kind not in reasons.URGENT_NOTIFICATIONS:
            raise InvalidInput(
                "only an accident or a failed inspection (a, b) may be a special case",
                section="§5.5.5",
                field="special_case",
            )
        self._record(
            self.HolderNotified,
            stamp=stamp,
            effective_date=effective_date,
            number=len(self.notifications) + 1,
            kind=kind,
            what=check_text(what, "what", limit=MAX_LONG_TEXT),
            occurred_on=occurred_on,
            special_case=special_case,
            told_by=notification_due(kind, occurred_on, special_case),
        )

    def record_case(
        self, *, case_id: str, kind: str, summary: str, effective_date: date, stamp: Stamp
    ) -> None:
        """A complaint or appeal received (§9), or a misuse warning issued (§7, §8)."""
        self._check_effective("record_case", effective_date, stamp)
        if kind not in CASE_KINDS:
            raise InvalidInput(
                f"kind is one of {', '.join(CASE_KINDS)}, not {str(kind)[:30]!r}", field="kind"
            )
        case_id = check_text(case_id, "case_id", limit=40)
        if case_id in self.case_ids:
            raise InvalidInput(f"case {case_id!r} is already recorded", field="case_id")
        self._record(
            self.CaseOpened,
            stamp=stamp,
            effective_date=effective_date,
            case_id=case_id,
            kind=kind,
            summary=check_text(summary, "summary", limit=MAX_LONG_TEXT),
        )

    def acknowledge_case(self, *, case_id: str, effective_date: date, stamp: Stamp) -> None:
        """§9: the receipt of a complaint or appeal acknowledged to whoever made it."""
        self._check_effective("acknowledge_case", effective_date, stamp)
        case = self._open_case(case_id)
        if case.acknowledged_on is not None:
            raise LifecycleConflict(
                f"case {case.id!r} was acknowledged on {case.acknowledged_on.isoformat()}",
                section=CASE_KINDS[case.kind],
                field="case_id",
            )
        self._record(
            self.CaseAcknowledged, stamp=stamp, effective_date=effective_date, case_id=case.id
        )

    def close_case(
        self, *, case_id: str, decision: str, effective_date: date, stamp: Stamp
    ) -> None:
        """The decision on a complaint or appeal, or the misuse corrected."""
        self._check_effective("close_case", effective_date, stamp)
        case = self._open_case(case_id)
        self._record(
            self.CaseClosed,
            stamp=stamp,
            effective_date=effective_date,
            case_id=case.id,
            decision=check_text(decision, "decision", limit=MAX_LONG_TEXT),
        )

    def issue_sub_certificate(
        self, *, sites: Sequence[str], effective_date: date, stamp: Stamp
    ) -> None:
        """§6 a: a sub-certificate (子证书) for some of the scope's sites, certified together
        under this registration (the master certificate, 总证书) and printed separately."""
        self._check_effective("issue_sub_certificate", effective_date, stamp)
        if isinstance(sites, str) or not isinstance(sites, Sequence) or not sites:
            raise InvalidInput("sites lists the addresses of scope sites", field="sites")
        addresses = [check_text(a, "sites") for a in sites]
        scope = [site.address for site in self.sites]
        unknown = [a for a in addresses if a not in scope]
        if unknown or len(set(addresses)) != len(addresses):
            raise InvalidInput(
                f"sites names each site of the scope once, not {(unknown or addresses)[0]!r}",
                field="sites",
            )
        if set(addresses) == set(scope):
            raise RuleViolation(
                "a sub-certificate covers part of the scope; the master certificate covers it all",
                section="§6 a",
                field="sites",
            )
        for sub in self.active_sub_certificates():
            shared = sorted(set(sub.addresses) & set(addresses))
            if shared:
                raise RuleViolation(
                    f"{shared[0]!r} is already on sub-certificate "
                    f"{sub_certificate_no(self.registration_no, self.revision, sub.number)}",
                    section="§6 a",
                    field="sites",
                )
        number = len(self.sub_certificates) + 1  # never reused
        if number > MAX_SUBS:
            raise RuleViolation(
                f"a registration has at most {MAX_SUBS} sub-certificates", section="§6 a"
            )
        self._record(
            self.SubCertificateIssued,
            stamp=stamp,
            effective_date=effective_date,
            sub=number,
            certificate_no=sub_certificate_no(self.registration_no, self.revision, number),
            sites=addresses,
        )

    def withdraw_sub_certificate(
        self, *, certificate_no: str, request_ref: str, effective_date: date, stamp: Stamp
    ) -> None:
        """§6.3: a sub-certificate given up at the holder's request (注销); its number is
        never issued again, the master and the other sub-certificates stay."""
        self._check_effective("withdraw_sub_certificate", effective_date, stamp)
        ref = parse_number(certificate_no) if isinstance(certificate_no, str) else None
        active = {sub.number: sub for sub in self.active_sub_certificates()}
        if ref is None or ref.registration_no != self.registration_no or ref.sub not in active:
            raise LifecycleConflict(
                f"{str(certificate_no)[:60]!r} is no sub-certificate in force of "
                f"{self.registration_no}",
                section="§6 a",
                field="certificate_no",
            )
        self._record(
            self.SubCertificateWithdrawn,
            stamp=stamp,
            effective_date=effective_date,
            sub=ref.sub,
            certificate_no=sub_certificate_no(self.registration_no, self.revision, ref.sub),
            request_ref=check_text(request_ref, "request_ref"),
        )

    def active_sub_certificates(self) -> list[SubCertificate]:
        return [sub for sub in self.sub_certificates if sub.withdrawn_on is None]

    def _open_case(self, case_id: object) -> Case:
        if not isinstance(case_id, str) or case_id not in self.open_cases:
            raise LifecycleConflict(
                f"no open case {str(case_id)[:40]!r} on {self.registration_no}",
                section="§9",
                field="case_id",
            )
        return self.open_cases[case_id]

    def late_notifications(self) -> list[Notification]:
        return [n for n in self.notifications if n.late]

    def overdue_nonconformities(self, day: date) -> list[Nonconformity]:
        """Open nonconformities whose deadline has passed by `day`, earliest first."""
        overdue = [n for n in self.open_nonconformities.values() if n.overdue_on(day)]
        return sorted(overdue, key=lambda n: (n.deadline, n.id))

    def _check_surveillance_evaluation(
        self, evaluation: Mapping[str, Any] | None, characteristic: bool, outcome: str
    ) -> levels.Evaluation | None:
        """§5.3.5: only a characteristic evaluation assesses the Appendix A clauses and the
        function modules; §5.5.3 (3): a conforming surveillance still supports the level."""
        checked = levels.parse_evaluation(evaluation)
        if checked is None:
            return None
        if not characteristic:
            raise InvalidInput(
                "a surveillance without a characteristic evaluation has no evaluation counts",
                section="§5.3.5",
                field="evaluation",
            )
        if outcome == "conforming":
            levels.check_evaluation_supports(self.level, checked, section="§5.5.3 (3)")
        return checked

    def narrow_scope(
        self,
        *,
        reason: str,
        approval_ref: str,
        effective_date: date,
        stamp: Stamp,
        remove_sites: Sequence[str] = (),
        remove_activities: Sequence[Mapping[str, str]] = (),
    ) -> None:
        self._check_effective("narrow_scope", effective_date, stamp)
        reason = reasons.check_narrowing_reason(reason)
        remaining = narrowed(self.sites, remove_sites, remove_activities)
        kept = {site.address for site in remaining}
        for sub in self.active_sub_certificates():
            if not kept & set(sub.addresses):
                raise LifecycleConflict(
                    f"the narrowing leaves sub-certificate "
                    f"{sub_certificate_no(self.registration_no, self.revision, sub.number)} "
                    "without a site; withdraw it first",
                    section="§6 a",
                    field="remove_sites",
                )
        self._record(
            self.ScopeNarrowed,
            stamp=stamp,
            effective_date=effective_date,
            certificate_no=self._next_certificate_no(),
            reason=reason,
            remove_sites=list(remove_sites),
            remove_activities=[dict(r) for r in remove_activities],
            approval_ref=check_text(approval_ref, "approval_ref"),
            sites=[s.to_dict() for s in remaining],
        )

    def extend_scope(
        self,
        *,
        add_sites: Sequence[Mapping[str, Any]],
        evaluation_ref: str,
        effective_date: date,
        stamp: Stamp,
    ) -> None:
        self._check_effective("extend_scope", effective_date, stamp)
        additions = parse_sites(add_sites, "add_sites")
        extended_sites = extended(self.sites, additions)
        _check_english(self.holder, extended_sites)
        self._record(
            self.ScopeExtended,
            stamp=stamp,
            effective_date=effective_date,
            certificate_no=self._next_certificate_no(),
            add_sites=[s.to_dict() for s in additions],
            evaluation_ref=check_text(evaluation_ref, "evaluation_ref"),
            sites=[s.to_dict() for s in extended_sites],
        )

    def change_holder(
        self,
        *,
        effective_date: date,
        stamp: Stamp,
        name: str | None = None,
        name_en: str | None = None,
        address: str | None = None,
        scope_en: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """§6.2: new details of the holder, and (§6 g) the English of its name and of the
        scope's sites for an English certificate."""
        self._check_effective("change_holder", effective_date, stamp)
        current = self.holder
        changed = parse_holder(
            {
                "name": current.name if name is None else name,
                "name_en": current.name_en if name_en is None else name_en,
                "address": current.address if address is None else address,
                "uscc": current.uscc,
            }
        )
        sites = self.sites if scope_en is None else english_scope(self.sites, scope_en)
        _check_english(changed, sites)
        if changed == current and sites == self.sites:
            raise InvalidInput("the holder's details are unchanged", section="§6.2")
        self._record(
            self.HolderDetailsChanged,
            stamp=stamp,
            effective_date=effective_date,
            certificate_no=self._next_certificate_no(),
            holder=changed.to_dict(),
            sites=None if sites == self.sites else [s.to_dict() for s in sites],
        )

    def change_level(
        self,
        *,
        level: int,
        decision_date: date,
        stamp: Stamp,
        evaluation: Mapping[str, Any] | None = None,
        person_days: float | None = None,
    ) -> None:
        self._check_effective("change_level", decision_date, stamp)
        level = levels.check_level(level)
        checked = levels.parse_evaluation(evaluation)
        if level == self.level:
            raise InvalidInput(f"the certificate is already level {level}", field="level")
        raising = level > self.level
        if raising or checked is not None:
            levels.check_evaluation_supports(level, checked)
        if raising:  # §5.5.6: raising a level follows the initial certification
            person_days = levels.check_initial_person_days(level, person_days)
        elif person_days is not None:
            person_days = levels.check_person_days(
                person_days, minimum=0.0, what="lowering a level", section="§5.3.1"
            )
        self._record(
            self.LevelChanged,
            stamp=stamp,
            effective_date=decision_date,
            certificate_no=self._next_certificate_no(),
            level=level,
            evaluation=None if checked is None else checked.to_dict(),
            person_days=person_days,
            issue_date=decision_date if raising else self.issue_date,
            valid_until=(
                last_day_of_period(decision_date, months=VALIDITY_MONTHS)
                if raising
                else self.valid_until
            ),
            new_cycle=raising,
        )

    def suspend(
        self,
        *,
        reason: str,
        details: str,
        effective_date: date,
        stamp: Stamp,
        restore_deadline: date | None = None,
    ) -> None:
        self._check_effective("suspend", effective_date, stamp)
        reason = reasons.check_suspension_reason(reason)
        deadline = _restore_deadline(reason, effective_date, restore_deadline)
        if reason == reasons.UNCORRECTED and not self.overdue_nonconformities(effective_date):
            raise RuleViolation(
                "reason h suspends for a nonconformity not corrected by its deadline; "
                f"{self.registration_no} has none overdue on {effective_date.isoformat()}",
                section="§6.3.1.1 h",
                field="reason",
            )
        cited = [n.number for n in self.late_notifications()]
        self._record(
            self.Suspended,
            stamp=stamp,
            effective_date=effective_date,
            reason=reason,
            details=check_text(details, "details", limit=MAX_LONG_TEXT),
            restore_deadline=deadline,
            late_notifications=cited if reason == reasons.UNNOTIFIED_CHANGE and cited else None,
        )

    def restore(self, *, effective_date: date, verification_ref: str, stamp: Stamp) -> None:
        self._check_effective("restore", effective_date, stamp)
        self._record(
            self.Restored,
            stamp=stamp,
            effective_date=effective_date,
            verification_ref=check_text(verification_ref, "verification_ref"),
        )

    def revoke(
        self,
        *,
        reason: str,
        details: str,
        effective_date: date,
        stamp: Stamp,
        demand_date: date | None = None,
    ) -> None:
        self._check_effective("revoke", effective_date, stamp)
        reason = reasons.check_revocation_reason(reason)
        if reason == reasons.LAPSED_SUSPENSION and self.status != Status.SUSPENDED:
            raise LifecycleConflict(
                "reason d revokes a suspended certificate; this one is not suspended",
                section="§6.3.2.1 d",
            )
        _check_correction_demand(reason, demand_date, effective_date)
        self._record(
            self.Revoked,
            stamp=stamp,
            effective_date=effective_date,
            reason=reason,
            details=check_text(details, "details", limit=MAX_LONG_TEXT),
            automatic=False,
            demand_date=demand_date,
        )

    def cancel(self, *, effective_date: date, request_ref: str, stamp: Stamp) -> None:
        self._check_effective("cancel", effective_date, stamp)
        self._record(
            self.Cancelled,
            stamp=stamp,
            effective_date=effective_date,
            request_ref=check_text(request_ref, "request_ref"),
        )

    def recertify(
        self,
        *,
        decision_date: date,
        person_days: float,
        evaluation: Mapping[str, Any] | None,
        stamp: Stamp,
        application_date: date | None = None,
        acceptance_date: date | None = None,
        signatory: str | None = None,
        papers_received_date: date | None = None,
    ) -> None:
        self._check_effective("recertify", decision_date, stamp)
        _check_timeline(application_date, acceptance_date, decision_date, papers_received_date)
        opens = recertification_opens(self.valid_until)
        if decision_date < opens:
            raise LifecycleConflict(
                f"recertification opens 6 months before expiry, on {opens.isoformat()}",
                section="§6.1",
            )
        due = self.next_surveillance_due()
        if due is not None and due < decision_date:
            raise LifecycleConflict(
                f"the surveillance due by {due.isoformat()} was never recorded; record it "
                "before recertifying",
                section="§5.5.1 b, §5.6",
            )
        checked = levels.parse_evaluation(evaluation)
        levels.check_evaluation_supports(self.level, checked)
        person_days = levels.check_initial_person_days(self.level, person_days)
        self._record(
            self.Recertified,
            stamp=stamp,
            effective_date=decision_date,
            certificate_no=self._next_certificate_no(),
            person_days=person_days,
            evaluation=checked.to_dict() if checked else None,
            issue_date=decision_date,
            application_date=application_date,
            acceptance_date=acceptance_date,
            papers_received_date=papers_received_date,
            rule_edition=rule_edition_on(decision_date),
            signatory=None if signatory is None else check_text(signatory, "signatory"),
            # §5.6: the new cycle continues the old one without a gap.
            valid_until=last_day_of_period(self.valid_until + ONE_DAY, months=VALIDITY_MONTHS),
        )

    def record_lapse(self, *, as_of: date, stamp: Stamp) -> bool:
        """Record the expiry or automatic revocation due by `as_of`; False when none is due."""
        lapse = self.lapse_on(as_of)
        if lapse is None:
            return False
        if lapse.status == Status.EXPIRED:
            self._record(self.Expired, stamp=stamp, effective_date=lapse.since)
        else:  # §6.3.1.5: a suspension past its deadline ends in revocation, reason d
            self._record(
                self.Revoked,
                stamp=stamp,
                effective_date=lapse.since,
                reason=reasons.LAPSED_SUSPENSION,
                details="暂停期满仍未恢复认证资格，认证证书自动撤销 (§6.3.1.5)",
                automatic=True,
            )
        return True

    # Queries: pure functions of the state and a date. ----------------------------------

    @property
    def revision(self) -> int:
        return self.revisions[-1].number

    @property
    def certificate_no(self) -> str:
        return certificate_no(self.registration_no, self.revision)

    def printed(self, number: int, since: date, reissue_date: date | None) -> Revision:
        """The revision `number` as it is printed from the present state."""
        return Revision(
            number,
            since,
            self.holder,
            self.level,
            self.sites,
            self.issue_date,
            reissue_date,
            self.valid_until,
        )

    def lapse_on(self, day: date) -> Lapse | None:
        """The time-driven ending that has come by `day` and is not yet recorded."""
        deadline = None if self.suspension is None else self.suspension.restore_deadline
        return lapse_on(day, self.status, self.valid_until, deadline)

    def status_on(self, day: date) -> tuple[Status, date]:
        """The status on `day` and the date it began, counting lapses not yet recorded."""
        lapse = self.lapse_on(day)
        return (lapse.status, lapse.since) if lapse else (self.status, self.status_since)

    def next_surveillance_due(self) -> date | None:
        """§5.5.2: first within 12 months of the decision, then once every calendar year."""
        if self.status in TERMINAL:
            return None
        if self.last_surveillance_date is None or self.last_surveillance_date < self.cycle_start:
            due = last_day_of_period(self.cycle_start, months=FIRST_SURVEILLANCE_MONTHS)
        else:
            due = date(self.last_surveillance_date.year + 1, 12, 31)
        return due if due <= self.valid_until else None

    def _check_effective(self, command: CommandName, effective: object, stamp: Stamp) -> None:
        """The date follows the history and the status allows `command` (`LIFECYCLE`)."""
        if not isinstance(effective, date):
            raise InvalidInput("the effective date must be a date", field="effective_date")
        _check_not_future(effective, local_date(stamp.at), "effective_date")
        if effective < self.last_effective_date:
            raise LifecycleConflict(
                f"dates must follow the history: the last event of {self.registration_no} "
                f"is effective {self.last_effective_date.isoformat()}",
                field="effective_date",
            )
        status, since = self.status_on(effective)
        transition = LIFECYCLE[command]
        if status not in transition.allowed_from:
            raise LifecycleConflict(
                f"cannot {transition.action}: {self.registration_no} is {status} "
                f"since {since.isoformat()}",
                section=status.section,
            )

    def _next_certificate_no(self) -> str:
        return certificate_no(self.registration_no, self.revision + 1)

    # Events: each applies its facts to the state. ---------------------------------------

    class Issued(Chained.Created):
        registration_no: str
        certificate_no: str
        holder: HolderDoc
        level: int
        sites: list[SiteDoc]
        decision_date: date
        issue_date: date
        valid_until: date
        person_days: float
        evaluation: EvaluationDoc | None
        application_date: date | None = None  # §5.2, §5.7: recorded since issue 13
        acceptance_date: date | None = None
        papers_received_date: date | None = None  # §5.4: the evaluation papers arrived
        rule_edition: str | None = None  # §6 c: the edition the decision was made under
        signatory: str | None = None  # §6: 签发人
        added_fields: ClassVar[frozenset[str]] = DECISION_FIELDS

        def apply(self, cert: "Certificate") -> None:
            # Events before editions were recorded: the edition in force on the decision day.
            cert.rule_edition = self.rule_edition or rule_edition_on(self.decision_date)
            cert.signatory = self.signatory
            cert.timeline = Timeline(
                self.application_date,
                self.acceptance_date,
                self.decision_date,
                self.papers_received_date,
            )
            cert.registration_no = self.registration_no
            cert.holder = Holder.from_dict(self.holder)
            cert.level = self.level
            cert.sites = tuple(Site.from_dict(s) for s in self.sites)
            cert.decision_date = self.decision_date
            cert.issue_date = self.issue_date
            cert.valid_until = self.valid_until
            cert.revisions = []
            cert.revisions.append(cert.printed(0, self.issue_date, reissue_date=None))
            cert.status, cert.status_since = Status.VALID, self.issue_date
            cert.suspension = cert.revocation = None
            cert.cycle_start = self.decision_date
            cert.cycle_surveillances = []
            cert.last_surveillance_date = cert.corrective_deadline = None
            cert.open_nonconformities, cert.raised_nonconformities = {}, set()
            cert.notifications = []
            cert.open_cases, cert.case_ids = {}, set()
            cert.sub_certificates = []
            cert.last_effective_date = self.issue_date

    class Event(Chained.Event):
        effective_date: date  # every certificate event takes effect on a business date

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.last_effective_date = self.effective_date
            return aggregate

    class Reissued(Event):
        """An event after which a new paper certificate is printed (RR + 1)."""

        certificate_no: str

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            number, day = aggregate.revision + 1, self.effective_date
            aggregate.revisions.append(aggregate.printed(number, day, reissue_date=day))
            return aggregate

    class Surveilled(Event):
        person_days: float
        management_audit: bool
        characteristic_evaluation: bool
        clauses: list[str]
        outcome: str
        corrective_deadline: date | None
        report_ref: str
        evaluation: EvaluationDoc | None = None
        nonconformities: list[NonconformityDoc] | None = None
        team: TeamDoc | None = None
        sites_sampled: list[str] | None = None
        content_items: list[str] | None = None
        added_fields: ClassVar[frozenset[str]] = frozenset(
            {"evaluation", "nonconformities", "team", "sites_sampled", "content_items"}
        )

        def apply(self, cert: "Certificate") -> None:
            clauses = credited(frozenset(self.clauses), self.characteristic_evaluation)
            sites = None if self.sites_sampled is None else frozenset(self.sites_sampled)
            cert.cycle_surveillances.append(
                Surveillance(self.effective_date, clauses, self.characteristic_evaluation, sites)
            )
            cert.last_surveillance_date = self.effective_date
            cert.corrective_deadline = self.corrective_deadline
            for found in self.nonconformities or ():
                cert.raised_nonconformities.add(found["id"])
                cert.open_nonconformities[found["id"]] = Nonconformity(
                    found["id"],
                    found["clause"],
                    found["description"],
                    date.fromisoformat(found["deadline"]),
                    self.effective_date,
                )

    class HolderNotified(Event):
        number: int
        kind: str
        what: str
        occurred_on: date
        special_case: bool
        told_by: date  # the rule's limit, kept with the fact: a later edition may differ

        def apply(self, cert: "Certificate") -> None:
            cert.notifications.append(
                Notification(
                    self.number,
                    self.kind,
                    self.what,
                    self.occurred_on,
                    self.effective_date,
                    self.told_by,
                    self.special_case,
                )
            )

    class SubCertificateIssued(Event):
        sub: int  # NN of -S{NN}
        certificate_no: str  # as first printed
        sites: list[str]  # the addresses it covers

        def apply(self, cert: "Certificate") -> None:
            cert.sub_certificates.append(
                SubCertificate(self.sub, tuple(self.sites), cert.revision, self.effective_date)
            )

    class SubCertificateWithdrawn(Event):
        sub: int
        certificate_no: str  # its number then
        request_ref: str

        def apply(self, cert: "Certificate") -> None:
            cert.sub_certificates = [
                replace(sub, withdrawn_on=self.effective_date) if sub.number == self.sub else sub
                for sub in cert.sub_certificates
            ]

    class CaseOpened(Event):
        case_id: str
        kind: str
        summary: str

        def apply(self, cert: "Certificate") -> None:
            cert.case_ids.add(self.case_id)
            cert.open_cases[self.case_id] = Case(
                self.case_id, self.kind, self.summary, self.effective_date
            )

    class CaseAcknowledged(Event):
        case_id: str

        def apply(self, cert: "Certificate") -> None:
            case = cert.open_cases[self.case_id]
            cert.open_cases[self.case_id] = replace(case, acknowledged_on=self.effective_date)

    class CaseClosed(Event):
        case_id: str
        decision: str

        def apply(self, cert: "Certificate") -> None:
            del cert.open_cases[self.case_id]

    class CorrectiveActionVerified(Event):
        nonconformity_id: str
        evidence_ref: str

        def apply(self, cert: "Certificate") -> None:
            del cert.open_nonconformities[self.nonconformity_id]

    class ScopeNarrowed(Reissued):
        reason: str
        remove_sites: list[str]
        remove_activities: list[dict[str, str]]
        approval_ref: str
        sites: list[SiteDoc]

        def apply(self, cert: "Certificate") -> None:
            cert.sites = tuple(Site.from_dict(s) for s in self.sites)

    class ScopeExtended(Reissued):
        add_sites: list[SiteDoc]
        evaluation_ref: str
        sites: list[SiteDoc]

        def apply(self, cert: "Certificate") -> None:
            cert.sites = tuple(Site.from_dict(s) for s in self.sites)

    class HolderDetailsChanged(Reissued):
        holder: HolderDoc
        sites: list[SiteDoc] | None = None  # §6 g: the scope with its English, when it changed
        added_fields: ClassVar[frozenset[str]] = frozenset({"sites"})

        def apply(self, cert: "Certificate") -> None:
            cert.holder = Holder.from_dict(self.holder)
            if self.sites is not None:
                cert.sites = tuple(Site.from_dict(s) for s in self.sites)

    class LevelChanged(Reissued):
        level: int
        evaluation: EvaluationDoc | None
        person_days: float | None
        issue_date: date
        valid_until: date
        new_cycle: bool

        def apply(self, cert: "Certificate") -> None:
            cert.level = self.level
            cert.issue_date, cert.valid_until = self.issue_date, self.valid_until
            if self.new_cycle:
                cert.cycle_start, cert.cycle_surveillances = self.effective_date, []

    class Suspended(Event):
        reason: str
        details: str
        restore_deadline: date | None
        late_notifications: list[int] | None = None  # reason k: the late ones it cites
        added_fields: ClassVar[frozenset[str]] = frozenset({"late_notifications"})

        def apply(self, cert: "Certificate") -> None:
            cert.status, cert.status_since = Status.SUSPENDED, self.effective_date
            cert.suspension = Suspension(
                self.reason, self.details, self.effective_date, self.restore_deadline
            )

    class Restored(Event):
        verification_ref: str

        def apply(self, cert: "Certificate") -> None:
            cert.status, cert.status_since = Status.VALID, self.effective_date
            cert.suspension = None

    class Revoked(Event):
        reason: str
        details: str
        automatic: bool
        demand_date: date | None = None  # §6.3.2.1 h: the correction demand's date
        added_fields: ClassVar[frozenset[str]] = frozenset({"demand_date"})

        def apply(self, cert: "Certificate") -> None:
            cert.status, cert.status_since = Status.REVOKED, self.effective_date
            cert.revocation = Revocation(
                self.reason, self.details, self.effective_date, self.automatic
            )

    class Cancelled(Event):
        request_ref: str

        def apply(self, cert: "Certificate") -> None:
            cert.status, cert.status_since = Status.CANCELLED, self.effective_date

    class Recertified(Reissued):
        person_days: float
        evaluation: EvaluationDoc | None
        issue_date: date
        valid_until: date
        application_date: date | None = None
        acceptance_date: date | None = None
        papers_received_date: date | None = None
        rule_edition: str | None = None
        signatory: str | None = None
        added_fields: ClassVar[frozenset[str]] = DECISION_FIELDS

        def apply(self, cert: "Certificate") -> None:
            cert.rule_edition = self.rule_edition or rule_edition_on(self.effective_date)
            cert.signatory = self.signatory
            cert.timeline = Timeline(
                self.application_date,
                self.acceptance_date,
                self.effective_date,
                self.papers_received_date,
            )
            cert.issue_date, cert.valid_until = self.issue_date, self.valid_until
            cert.cycle_start, cert.cycle_surveillances = self.effective_date, []

    class Expired(Event):
        def apply(self, cert: "Certificate") -> None:
            cert.status, cert.status_since = Status.EXPIRED, self.effective_date


# The aggregate method of each command of the lifecycle table (names checked on import).
COMMANDS: dict[CommandName, Callable[..., None]] = {
    name: getattr(Certificate, name) for name in COMMAND_NAMES
}


def lapse_on(
    day: date, status: Status, valid_until: date, restore_deadline: date | None
) -> Lapse | None:
    """Expiry the day after validity (§6.1), or automatic revocation the day after the
    suspension deadline (§6.3.1.5): whichever comes first, once `day` has reached it."""
    if status in TERMINAL:
        return None
    due = Lapse(Status.EXPIRED, valid_until + ONE_DAY)
    if restore_deadline is not None and restore_deadline + ONE_DAY < due.since:
        due = Lapse(Status.REVOKED, restore_deadline + ONE_DAY)
    return due if due.since <= day else None


def _check_team(team: object, person_days: float) -> TeamDoc | None:
    """§5.3.2: at least one auditor; technical experts and observers do not count toward
    the on-site person-days, which are the auditors' days together."""
    if team is None:
        return None
    field = "team"
    if not isinstance(team, Mapping) or not isinstance(team.get("auditors"), list):
        raise InvalidInput(
            "team is {auditors: [{name, days}], technical_experts: [...], observers: [...]}",
            field=field,
        )
    auditors: list[AuditorDoc] = []
    for auditor in team["auditors"]:
        if not isinstance(auditor, Mapping):
            raise InvalidInput("an auditor is {name, days}", field="team.auditors")
        days = levels.check_person_days(
            auditor.get("days"), minimum=0.5, what="an auditor", section="§5.3.1"
        )
        auditors.append(
            {"name": check_text(auditor.get("name"), "team.auditors.name"), "days": days}
        )
    if not auditors:
        raise RuleViolation(
            "a surveillance team has at least one auditor", section="§5.3.2", field="team.auditors"
        )
    if abs(sum(a["days"] for a in auditors) - person_days) > 1e-9:
        raise RuleViolation(
            f"person_days {person_days:g} are the auditors' days together, "
            f"{sum(a['days'] for a in auditors):g}; experts and observers do not count",
            section="§5.3.2",
            field="person_days",
        )
    others = {}
    for role in ("technical_experts", "observers"):
        names = team.get(role) or []
        if not isinstance(names, list):
            raise InvalidInput(f"team.{role} lists names", field=f"team.{role}")
        others[role] = [check_text(n, f"team.{role}") for n in names]
    return {
        "auditors": auditors,
        "technical_experts": others["technical_experts"],
        "observers": others["observers"],
    }


def _check_content_items(items: object) -> list[str] | None:
    """§5.5.3: every surveillance evaluates at least the content items (1)–(7)."""
    if items is None:
        return None
    if not isinstance(items, list | tuple) or not set(items) <= set(CONTENT_ITEMS):
        raise InvalidInput(
            'content_items lists the items of §5.5.3 covered, "1" to "7"',
            field="content_items",
        )
    missing = sorted(set(CONTENT_ITEMS) - set(items))
    if missing:
        raise RuleViolation(
            "a surveillance evaluates at least the items (1)–(7); not covered: "
            + ", ".join(f"({m})" for m in missing),
            section="§5.5.3",
            field="content_items",
        )
    return sorted(set(items))


def _check_timeline(
    application: object, acceptance: object, decision: date, papers: object = None
) -> None:
    """Applied, accepted, the evaluation papers received and decided in that order (§5.2,
    §5.4); the working-day limits are reported as late steps, never refused (§5.7 says
    "in general")."""
    if papers is not None:
        if not isinstance(papers, date) or papers > decision:
            raise InvalidInput(
                "papers_received_date is a date on or before the decision",
                section="§5.4",
                field="papers_received_date",
            )
        if isinstance(acceptance, date) and papers < acceptance:
            raise InvalidInput(
                "the evaluation papers arrive after the acceptance",
                section="§5.4",
                field="papers_received_date",
            )
    if application is None and acceptance is None:
        return
    if not isinstance(acceptance, date):
        raise InvalidInput(
            "an application date goes with its acceptance date, a date",
            field="acceptance_date",
        )
    if application is not None and not isinstance(application, date):
        raise InvalidInput("application_date must be a date", field="application_date")
    if application is not None and application > acceptance:
        raise InvalidInput("accepted before the application", field="acceptance_date")
    if acceptance > decision:
        raise InvalidInput("decided before the acceptance", field="acceptance_date")


def notification_due(kind: str, occurred: date, special_case: bool) -> date:
    """§5.5.5: the last day to tell CESI: 48 hours (2 days) after an accident or a failed
    inspection (a, b), a week in special cases; a month after any other change (c, d)."""
    if kind in reasons.URGENT_NOTIFICATIONS:
        days = reasons.SPECIAL_CASE_NOTICE_DAYS if special_case else reasons.URGENT_NOTICE_DAYS
        return occurred + timedelta(days=days)
    return last_day_of_period(occurred + ONE_DAY, months=reasons.NOTICE_MONTHS)


def _check_correction_demand(reason: str, demand: object, effective: date) -> None:
    """§6.3.2.1 h: revoked when a correction demanded has not been made after 2 months."""
    if reason != reasons.UNCORRECTED:
        if demand is not None:
            raise InvalidInput(
                "demand_date belongs to a revocation for reason h", field="demand_date"
            )
        return
    if not isinstance(demand, date):
        raise InvalidInput(
            "reason h records the date the correction was demanded",
            section="§6.3.2.1 h",
            field="demand_date",
        )
    passed = last_day_of_period(demand, months=reasons.CORRECTION_DEMAND_MONTHS)
    if effective <= passed:
        raise RuleViolation(
            f"two months from the correction demand of {demand.isoformat()} pass on "
            f"{passed.isoformat()}; revoke from {(passed + ONE_DAY).isoformat()}",
            section="§6.3.2.1 h",
            field="effective_date",
        )


def _restore_deadline(reason: str, effective: date, given: date | None) -> date | None:
    """§6.3.1.3: the deadline the certification body sets, after the effective date and at
    most six months on (six months when it sets none); none for reason f (§6.3.1.4)."""
    longest = last_day_of_period(effective, months=reasons.SUSPENSION_MONTHS)
    if reason == reasons.OPEN_ENDED_SUSPENSION:
        if given is not None:
            raise InvalidInput(
                "a suspension for reason f lasts until the licensing decision; no deadline",
                section="§6.3.1.3",
                field="restore_deadline",
            )
        return None
    if given is None:
        return longest
    if not isinstance(given, date):
        raise InvalidInput("restore_deadline must be a date", field="restore_deadline")
    if not effective < given <= longest:
        raise RuleViolation(
            f"the restore deadline lies after the suspension ({effective.isoformat()}) and "
            f"at most six months on ({longest.isoformat()}), not {given.isoformat()}",
            section="§6.3.1.3",
            field="restore_deadline",
        )
    return given


def credited(sampled: frozenset[str], characteristic_evaluation: bool) -> frozenset[str]:
    """The clauses a surveillance covers for §5.5.3: Appendix A clauses are assessed only by
    a characteristic evaluation (§5.3.5), Appendix B ones by the management audit (§5.3.6)."""
    if characteristic_evaluation:
        return sampled
    return frozenset(c for c in sampled if c not in appendix_a_ids())


def _check_not_future(day: object, today: date, field: str) -> None:
    if not isinstance(day, date):
        raise InvalidInput(f"{field} must be a date", field=field)
    if day < EARLIEST:
        raise InvalidInput(f"{field} {day.isoformat()} is before {EARLIEST.year}", field=field)
    if day > today:
        raise InvalidInput(
            f"{field} {day.isoformat()} is in the future (today is {today.isoformat()})",
            field=field,
        )


def _check_english(holder: Holder, sites: tuple[Site, ...]) -> None:
    """§6 g: an English scope belongs to an English certificate, which names the holder in
    English."""
    if not holder.name_en and any(site.english for site in sites):
        raise InvalidInput(
            "an English scope is printed on an English certificate: give holder.name_en too",
            section="§6 g",
            field="holder.name_en",
        )


def english_scope(sites: tuple[Site, ...], given: Sequence[Mapping[str, Any]]) -> tuple[Site, ...]:
    """The scope with the English given for some of its sites (§6 g): each item names a
    site by its address and gives its `address_en` and `activities_en`."""
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise InvalidInput("scope_en lists {address, address_en, activities_en}", field="scope_en")
    by_address = {site.address: site for site in sites}
    for item in given:
        address = item.get("address") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or address not in by_address:
            raise InvalidInput(
                f"scope_en names sites of the scope, not {str(address)[:60]!r}",
                field="scope_en.address",
            )
        site = by_address[address]
        address_en, activities_en = parse_english(item, "scope_en", len(site.activities))
        by_address[address] = replace(site, address_en=address_en, activities_en=activities_en)
    return tuple(by_address.values())


def narrowed(
    sites: tuple[Site, ...],
    remove_sites: Sequence[str],
    remove_activities: Sequence[Mapping[str, str]],
) -> tuple[Site, ...]:
    """The scope left after §5.5.8; a site whose last activity goes, goes with it."""
    if not remove_sites and not remove_activities:
        raise InvalidInput("a narrowing removes at least one site or activity", section="§5.5.8")
    by_address = {s.address: s.pairs() for s in sites}
    english = {s.address: s.address_en for s in sites}
    for address in remove_sites:
        if by_address.pop(address, None) is None:
            raise InvalidInput(f"no site at {address!r} in the scope", field="remove_sites")
    for item in remove_activities:
        address, activity = item.get("address", ""), item.get("activity", "")
        kept = [pair for pair in by_address.get(address, []) if pair[0] != activity]
        if address not in by_address or len(kept) == len(by_address[address]):
            raise InvalidInput(
                f"no activity {activity!r} at {address!r} in the scope", field="remove_activities"
            )
        by_address[address] = kept
    remaining = tuple(
        Site.from_pairs(a, pairs, english[a]) for a, pairs in by_address.items() if pairs
    )
    if not remaining:
        raise LifecycleConflict(
            "a narrowing cannot remove the whole scope; cancel or revoke instead",
            section="§5.5.8",
        )
    return remaining


def extended(sites: tuple[Site, ...], additions: tuple[Site, ...]) -> tuple[Site, ...]:
    """The scope after §5.5.7: new sites, and new activities at existing ones."""
    by_address = {s.address: s.pairs() for s in sites}
    english = {s.address: s.address_en for s in sites}
    for site in additions:
        current = by_address.setdefault(site.address, [])
        if current and all(en for _, en in current) != bool(site.activities_en):
            raise InvalidInput(
                f"activities_en goes with the English of the site {site.address!r}: both or "
                "neither (a holder change gives the English of a site already in the scope)",
                section="§6 g",
                field="add_sites.activities_en",
            )
        english[site.address] = english.get(site.address) or site.address_en
        new = [pair for pair in site.pairs() if pair[0] not in (a for a, _ in current)]
        if not new:
            raise InvalidInput(
                f"{site.address!r} already has every activity given", field="add_sites"
            )
        current.extend(new)
    return tuple(Site.from_pairs(a, pairs, english[a]) for a, pairs in by_address.items())
