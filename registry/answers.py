"""The verification answer: what the registry says of a certificate on a given day.

A certificate's facts (`facts`) are what the read model stores; the answer (`answer`)
applies a day to them, so expiry and automatic revocation show before any sweep records them.
"""

from datetime import date
from typing import Any, TypedDict, cast

from registry.aggregates.certificate import Certificate, Revision, lapse_on
from registry.errors import NotInForce
from registry.rules.levels import LEVEL_NAMES
from registry.rules.lifecycle import IN_FORCE, Status
from registry.rules.numbers import certificate_no, oid, sub_certificate_no
from registry.rules.reasons import LAPSED_SUSPENSION, REVOCATION_REASONS, SUSPENSION_REASONS
from registry.rules.values import HolderDoc, SiteDoc

STANDARD = "GB/T 42202-2022 《智能制造 大规模个性化定制 通用要求》"
RULE = "CESI-SC-OD13 《大规模个性化定制服务认证规则》"
CERTIFICATION_MODE = "服务特性测评+服务管理审核+获证后监督"
SUPERSEDED = "superseded"


class SuspensionFacts(TypedDict):
    reason: str
    since: str
    restore_deadline: str | None  # None for reason f (§6.3.1.3)


class RevocationFacts(TypedDict):
    reason: str
    date: str
    automatic: bool


class ScopeDoc(TypedDict):
    sites: list[SiteDoc]


class PrintedFacts(TypedDict):
    """The facts as printed on one revision R{RR} (§6 a–h)."""

    holder: HolderDoc
    level: int
    scope: ScopeDoc
    issue_date: str
    reissue_date: str | None  # 换证日期 (§6 e); None on R00
    valid_until: str


class SubCertificateFacts(TypedDict):
    """A sub-certificate (§6 a) as the read model stores it."""

    number: int
    sites: list[str]  # the addresses it covers
    first_revision: int
    since: str
    withdrawn_on: str | None


class SubCertificateAnswer(TypedDict):
    """A sub-certificate of the registration, as answered: its current number and sites."""

    certificate_no: str
    sites: list[str]
    since: str
    withdrawn_on: str | None  # given up at the holder's request (注销)


class Facts(TypedDict):
    """A certificate's recorded state as the read model stores it (dates as ISO text)."""

    registration_no: str
    holder: HolderDoc
    level: int
    sites: list[SiteDoc]
    issue_date: str
    valid_until: str
    revisions: list[Any]  # [RR, since, PrintedFacts] of every printed revision, in order
    status: str
    status_since: str
    suspension: SuspensionFacts | None
    revocation: RevocationFacts | None
    last_surveillance_date: str | None
    next_surveillance_due: str | None
    open_nonconformities: list["OpenNonconformity"]  # §5.5.4, earliest deadline first
    late_notifications: list["LateNotification"]  # §5.5.5, in the order recorded
    open_cases: list["OpenCase"]  # §7–§9: complaints, appeals, misuse warnings not closed
    late_steps: list["LateStepDoc"]  # §5.2, §5.7: of the latest issue or recertification
    rule_edition: str | None
    signatory: str | None
    sub_certificates: list[SubCertificateFacts]  # §6 a, in the order issued


class OpenNonconformity(TypedDict):
    id: str
    clause: str
    description: str
    deadline: str
    raised_on: str


class LateNotification(TypedDict):
    number: int
    kind: str
    what: str
    occurred_on: str
    told_on: str
    told_by: str
    special_case: bool


class OpenCase(TypedDict):
    id: str
    kind: str
    summary: str
    opened_on: str
    acknowledged_on: str | None


class LateStepDoc(TypedDict):
    step: str
    section: str
    working_days: int
    limit: int
    decision_date: str


class LateStepItem(LateStepDoc):
    registration_no: str
    certificate_no: str
    holder_name: str


class OpenCaseItem(OpenCase):
    """A line of the registrar's queue of open cases (§7–§9)."""

    registration_no: str
    certificate_no: str
    holder_name: str


class LateNotificationItem(LateNotification):
    """A line of the registrar's late-notification queue (§5.5.5)."""

    registration_no: str
    certificate_no: str
    holder_name: str


class NonconformityItem(OpenNonconformity):
    """A line of the registrar's nonconformity queue (§5.5.4)."""

    registration_no: str
    certificate_no: str
    holder_name: str
    overdue: bool


def _whose(facts: Facts) -> dict[str, str]:
    """The certificate a queue line is about: its numbers and holder."""
    registration = facts["registration_no"]
    return {
        "registration_no": registration,
        "certificate_no": certificate_no(registration, len(facts["revisions"]) - 1),
        "holder_name": facts["holder"]["name"],
    }


def late_notification_items(facts: Facts) -> list[LateNotificationItem]:
    whose = _whose(facts)
    return [cast(LateNotificationItem, {**n, **whose}) for n in facts["late_notifications"]]


def late_step_items(facts: Facts) -> list[LateStepItem]:
    whose = _whose(facts)
    return [cast(LateStepItem, {**step, **whose}) for step in facts["late_steps"]]


def case_items(facts: Facts) -> list[OpenCaseItem]:
    whose = _whose(facts)
    return [cast(OpenCaseItem, {**c, **whose}) for c in facts["open_cases"]]


def nonconformity_items(facts: Facts, today: date) -> list[NonconformityItem]:
    """The open nonconformities of one certificate, marked overdue after their deadline."""
    whose = _whose(facts)
    return [
        cast(
            NonconformityItem,
            {**n, **whose, "overdue": date.fromisoformat(n["deadline"]) < today},
        )
        for n in facts["open_nonconformities"]
    ]


class SuspensionAnswer(SuspensionFacts):
    reason_text: str


class RevocationAnswer(RevocationFacts):
    reason_text: str


class Answer(TypedDict):
    """The verification answer: the certificate as the registry answers for it on `as_of`."""

    registration_no: str
    certificate_no: str
    oid: str
    status: str  # a Status, or "superseded" for an old revision
    status_since: str
    holder: HolderDoc
    level: int
    level_name: str
    scope: ScopeDoc
    standard: str
    rule: str
    certification_mode: str
    issue_date: str
    valid_until: str
    last_surveillance_date: str | None
    next_surveillance_due: str | None
    suspension: SuspensionAnswer | None
    revocation: RevocationAnswer | None
    current_certificate_no: str
    rule_edition: str | None  # the edition of CESI-SC-OD13 of the latest decision (§6 c)
    signatory: str | None  # 签发人, when recorded (§6)
    printed: PrintedFacts  # as printed on the revision asked (`certificate_no`)
    master_certificate_no: str | None  # for a sub-certificate: the master's number (§6 a)
    sub_certificates: list[SubCertificateAnswer]  # the registration's, current numbers
    as_of: str


class Notice(TypedDict):
    """One line of the §6.3.3 public notice list: a suspension, revocation or cancellation."""

    registration_no: str
    certificate_no: str
    holder_name: str
    status: str
    since: str
    reason: str | None
    reason_text: str
    restore_deadline: str | None


NOTICE_STATUSES = (Status.SUSPENDED.value, Status.REVOKED.value, Status.CANCELLED.value)
CANCELLATION_TEXT = "获证组织申请注销认证证书"  # §6.3: at the holder's request


class Milestone(TypedDict):
    """One step of a certificate's public status history (§6.3.3): what happened, on which
    day, why (for a suspension or revocation) and the number printed with it; no actor."""

    date: str
    event: str  # issued, reissued, sub_issued, sub_withdrawn, suspended, restored, revoked, …
    certificate_no: str | None
    reason: str | None
    reason_text: str | None


# Event types of the public history; each re-issue prints a new number.
MILESTONES = {
    "Issued": "issued",
    "ScopeNarrowed": "reissued",
    "ScopeExtended": "reissued",
    "HolderDetailsChanged": "reissued",
    "LevelChanged": "reissued",
    "Recertified": "reissued",
    "SubCertificateIssued": "sub_issued",  # §6 a
    "SubCertificateWithdrawn": "sub_withdrawn",
    "Suspended": "suspended",
    "Restored": "restored",
    "Revoked": "revoked",
    "Cancelled": "cancelled",
    "Expired": "expired",
}
REASON_TABLES = {"suspended": SUSPENSION_REASONS, "revoked": REVOCATION_REASONS}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def printed(revision: Revision) -> PrintedFacts:
    return {
        "holder": revision.holder.to_dict(),
        "level": revision.level,
        "scope": {"sites": [site.to_dict() for site in revision.sites]},
        "issue_date": revision.issue_date.isoformat(),
        "reissue_date": _iso(revision.reissue_date),
        "valid_until": revision.valid_until.isoformat(),
    }


def facts(cert: Certificate) -> Facts:
    """The certificate's recorded state as JSON: everything an answer needs."""
    suspension: SuspensionFacts | None = None
    if cert.suspension is not None:
        suspension = {
            "reason": cert.suspension.reason,
            "since": cert.suspension.since.isoformat(),
            "restore_deadline": _iso(cert.suspension.restore_deadline),
        }
    revocation: RevocationFacts | None = None
    if cert.revocation is not None:
        revocation = {
            "reason": cert.revocation.reason,
            "date": cert.revocation.date.isoformat(),
            "automatic": cert.revocation.automatic,
        }
    return {
        "registration_no": cert.registration_no,
        "holder": cert.holder.to_dict(),
        "level": cert.level,
        "sites": [site.to_dict() for site in cert.sites],
        "issue_date": cert.issue_date.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "revisions": [[r.number, r.since.isoformat(), printed(r)] for r in cert.revisions],
        "status": cert.status.value,
        "status_since": cert.status_since.isoformat(),
        "suspension": suspension,
        "revocation": revocation,
        "last_surveillance_date": _iso(cert.last_surveillance_date),
        "next_surveillance_due": _iso(cert.next_surveillance_due()),
        "open_nonconformities": [
            {
                "id": n.id,
                "clause": n.clause,
                "description": n.description,
                "deadline": n.deadline.isoformat(),
                "raised_on": n.raised_on.isoformat(),
            }
            for n in sorted(cert.open_nonconformities.values(), key=lambda n: (n.deadline, n.id))
        ],
        "late_notifications": [
            {
                "number": n.number,
                "kind": n.kind,
                "what": n.what,
                "occurred_on": n.occurred_on.isoformat(),
                "told_on": n.told_on.isoformat(),
                "told_by": n.told_by.isoformat(),
                "special_case": n.special_case,
            }
            for n in cert.late_notifications()
        ],
        "open_cases": [
            {
                "id": c.id,
                "kind": c.kind,
                "summary": c.summary,
                "opened_on": c.opened_on.isoformat(),
                "acknowledged_on": _iso(c.acknowledged_on),
            }
            for c in sorted(cert.open_cases.values(), key=lambda c: (c.opened_on, c.id))
        ],
        "late_steps": [
            {
                "step": late.step,
                "section": late.section,
                "working_days": late.working_days,
                "limit": late.limit,
                "decision_date": cert.timeline.decision.isoformat(),
            }
            for late in cert.timeline.late_steps()
        ],
        "rule_edition": cert.rule_edition,
        "signatory": cert.signatory,
        "sub_certificates": [
            {
                "number": sub.number,
                "sites": list(sub.addresses),
                "first_revision": sub.first_revision,
                "since": sub.since.isoformat(),
                "withdrawn_on": _iso(sub.withdrawn_on),
            }
            for sub in cert.sub_certificates
        ],
    }


def sub_facts(facts: Facts, sub: int) -> SubCertificateFacts | None:
    """The sub-certificate `-S{sub}` of a registration, if it was issued."""
    return next((s for s in facts.get("sub_certificates", []) if s["number"] == sub), None)


def knows(facts: Facts, revision: int | None, sub: int | None) -> bool:
    """Whether the printed number (revision, sub) asked about was ever printed."""
    if revision is not None and revision >= len(facts["revisions"]):
        return False
    if sub is None:
        return True
    found = sub_facts(facts, sub)
    return found is not None and (revision is None or revision >= found["first_revision"])


def _covering(sites: list[SiteDoc], sub: SubCertificateFacts | None) -> list[SiteDoc]:
    """The sites a sub-certificate prints: its own, as the scope holds them then."""
    return sites if sub is None else [s for s in sites if s["address"] in sub["sites"]]


def answer(
    facts: Facts, as_of: date, revision: int | None = None, sub: int | None = None
) -> Answer:
    """The answer on `as_of` for the printed `revision` asked about (the current if None),
    or for its sub-certificate `sub` (§6 a: it shares the registration's status)."""
    suspension = facts["suspension"]
    deadline = _day(suspension["restore_deadline"]) if suspension else None
    valid_until = date.fromisoformat(facts["valid_until"])
    lapse = lapse_on(as_of, Status(facts["status"]), valid_until, deadline)
    status, since = (
        (lapse.status.value, lapse.since.isoformat())
        if lapse
        else (facts["status"], facts["status_since"])
    )
    registration = facts["registration_no"]
    current = len(facts["revisions"]) - 1
    asked = current if revision is None else revision
    subs = facts.get("sub_certificates", [])
    covered = sub_facts(facts, sub) if sub is not None else None
    if covered is None:
        current_no, asked_no = (
            certificate_no(registration, current),
            certificate_no(registration, asked),
        )
    else:
        current_no = sub_certificate_no(registration, current, covered["number"])
        asked_no = sub_certificate_no(registration, asked, covered["number"])
    printed_then: PrintedFacts = facts["revisions"][asked][2]
    if covered is not None:
        scope: ScopeDoc = {"sites": _covering(printed_then["scope"]["sites"], covered)}
        printed_then = {**printed_then, "scope": scope}
    withdrawn = None if covered is None else covered.get("withdrawn_on")
    if withdrawn is not None and status in IN_FORCE:
        # §6.3: a sub-certificate given up (注销) is cancelled, whatever its master does.
        status, since = Status.CANCELLED.value, withdrawn
    elif asked < current and status == Status.VALID:
        # An older revision is "superseded" only while the registration is valid; otherwise
        # it answers the registration's status, never hiding a suspension or revocation.
        status, since = SUPERSEDED, facts["revisions"][asked + 1][1]
    revocation: RevocationAnswer | None = None
    if status == Status.REVOKED:
        recorded: RevocationFacts = facts["revocation"] or {
            "reason": LAPSED_SUSPENSION,
            "date": since,
            "automatic": True,
        }
        revocation = {
            "reason": recorded["reason"],
            "date": recorded["date"],
            "automatic": recorded["automatic"],
            "reason_text": REVOCATION_REASONS[recorded["reason"]],
        }
    suspended: SuspensionAnswer | None = None
    if status == Status.SUSPENDED and suspension:
        suspended = {
            "reason": suspension["reason"],
            "since": suspension["since"],
            "restore_deadline": suspension["restore_deadline"],
            "reason_text": SUSPENSION_REASONS[suspension["reason"]],
        }
    return {
        "registration_no": registration,
        "certificate_no": asked_no,
        "oid": oid(asked_no),
        "status": status,
        "status_since": since,
        "holder": facts["holder"],
        "level": facts["level"],
        "level_name": LEVEL_NAMES[facts["level"]],
        "scope": {"sites": _covering(facts["sites"], covered)},
        "standard": STANDARD,
        "rule": RULE,
        "certification_mode": CERTIFICATION_MODE,
        "issue_date": facts["issue_date"],
        "valid_until": facts["valid_until"],
        "last_surveillance_date": facts["last_surveillance_date"],
        "next_surveillance_due": facts["next_surveillance_due"] if status in IN_FORCE else None,
        "suspension": suspended,
        "revocation": revocation,
        "current_certificate_no": current_no,
        "rule_edition": facts["rule_edition"],
        "signatory": facts["signatory"],
        "printed": printed_then,
        "master_certificate_no": (None if covered is None else certificate_no(registration, asked)),
        "sub_certificates": [
            {
                "certificate_no": sub_certificate_no(registration, current, s["number"]),
                "sites": [a for a in s["sites"] if any(a == f["address"] for f in facts["sites"])],
                "since": s["since"],
                "withdrawn_on": s.get("withdrawn_on"),
            }
            for s in subs
        ],
        "as_of": as_of.isoformat(),
    }


# The statuses in Chinese, as the certificate and the registry's messages name them.
STATUS_ZH = {
    "valid": "有效",
    "suspended": "暂停",
    "revoked": "撤销",
    "cancelled": "注销",
    "expired": "过期",
    "superseded": "已换发",
}


def printable(found: Answer) -> Answer:
    """The answer, if its certificate may be printed (document, QR code, PDF): the current
    revision of a certificate in force (valid, or suspended and marked so); otherwise
    refused naming the status and the current number."""
    status, asked = found["status"], found["certificate_no"]
    current = found["current_certificate_no"]
    if status not in IN_FORCE or asked != current:
        shown = status if status not in IN_FORCE else "superseded"
        raise NotInForce(
            f"{asked} is {shown} ({STATUS_ZH.get(shown, shown)}): nothing is printed for it; "
            f"the current certificate is {current}",
            status=shown,
            current_certificate_no=current,
        )
    return found


def notice(found: Answer) -> Notice:
    """The notice of an answer whose status is suspended, revoked or cancelled."""
    reason: str | None = None
    text, deadline = CANCELLATION_TEXT, None
    if found["suspension"] is not None:
        reason, text = found["suspension"]["reason"], found["suspension"]["reason_text"]
        deadline = found["suspension"]["restore_deadline"]
    elif found["revocation"] is not None:
        reason, text = found["revocation"]["reason"], found["revocation"]["reason_text"]
    return {
        "registration_no": found["registration_no"],
        "certificate_no": found["current_certificate_no"],
        "holder_name": found["holder"]["name"],
        "status": found["status"],
        "since": found["status_since"],
        "reason": reason,
        "reason_text": text,
        "restore_deadline": deadline,
    }


def milestones(events: list[tuple[str, str, dict[str, Any]]]) -> list[Milestone]:
    """The public history from a certificate's events as (type, effective date, data), in
    order: status changes and re-issues only, never who recorded them or their details."""
    found: list[Milestone] = []
    for kind, day, data in events:
        event = MILESTONES.get(kind)
        if event is None:
            continue
        reason = data.get("reason") if event in REASON_TABLES else None
        found.append(
            {
                "date": day,
                "event": event,
                "certificate_no": data.get("certificate_no"),
                "reason": reason,
                "reason_text": REASON_TABLES[event].get(reason or "") if reason else None,
            }
        )
    return found
