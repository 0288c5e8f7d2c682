"""Request and response models of the HTTP API (the README's "The HTTP API"; field names are
part of the published contract: never rename one). Limits come from registry/rules, the
OpenAPI examples from api/examples.py."""

import datetime as dt
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api import examples
from registry.rules.dates import EARLIEST, LATEST
from registry.rules.levels import LEVELS, MAX_CLAUSE_COUNT, MAX_PERSON_DAYS
from registry.rules.reasons import (
    NOTIFICATION_KINDS,
    REVOCATION_REASONS,
    SUSPENSION_REASONS,
    letters_pattern,
)
from registry.rules.uscc import USCC_LENGTH
from registry.rules.values import MAX_ACTIVITIES, MAX_LONG_TEXT, MAX_SITES, MAX_TEXT

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: object) -> object:
    """Only `YYYY-MM-DD` text is a date here: a number is not a Unix time, and days outside
    EARLIEST–LATEST (1900–2999) are refused before any arithmetic can overflow."""
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    else:
        raise ValueError("a date is written YYYY-MM-DD")
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is outside {EARLIEST.year}–{LATEST.year}")
    return day


def _iso_moment(value: object) -> object:
    """A day (YYYY-MM-DD) or an ISO time with its offset, within 1900–2999."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("a time is written like 2026-11-25T10:00:00+08:00") from None
        if moment.tzinfo is None:
            raise ValueError("a time needs its offset, e.g. 2026-11-25T10:00:00+08:00")
        iso_day(moment.date())
        return moment
    return iso_day(value)


Day = Annotated[date, BeforeValidator(iso_day)]
Moment = Annotated[date | dt.datetime, BeforeValidator(_iso_moment)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
LongText = Annotated[str, Field(max_length=MAX_LONG_TEXT)]
Days = Annotated[float, Field(ge=0, le=MAX_PERSON_DAYS, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_CLAUSE_COUNT)]
Level = Annotated[int, Field(ge=LEVELS.start, le=LEVELS.stop - 1)]


Signatory = Annotated[str | None, Field(max_length=MAX_TEXT, description="签发人 (§6)")]
ApplicationDay = Annotated[Day | None, Field(description="the application received (§5.2)")]
AcceptanceDay = Annotated[
    Day | None, Field(description="the application accepted; late steps are queued (§5.2, §5.7)")
]
PapersDay = Annotated[
    Day | None,
    Field(
        description="the full set of evaluation papers reached CESI; a decision more than 20 "
        "working days later is queued as a late step (§5.4)"
    ),
]


class Body(BaseModel):
    # Strict: `true` or "3" is no level, "yes" no boolean (CONTRACT.md: types are strict).
    model_config = ConfigDict(extra="forbid", strict=True)


class Holder(Body):
    name: Text
    name_en: Text = ""
    uscc: Annotated[str, Field(min_length=USCC_LENGTH, max_length=USCC_LENGTH)]
    address: Text


EnglishActivities = Annotated[
    list[Text],
    Field(
        max_length=MAX_ACTIVITIES,
        description="§6 g, for an English certificate: one English text per activity, in "
        "their order (or none)",
    ),
]
EnglishAddress = Annotated[
    str, Field(max_length=MAX_TEXT, description="§6 g: the address in English, if any")
]


class Site(Body):
    address: Text
    activities: Annotated[list[Text], Field(min_length=1, max_length=MAX_ACTIVITIES)]
    address_en: EnglishAddress = ""
    activities_en: EnglishActivities = []


class SiteEnglish(Body):
    """The English of a site of the scope (§6 g), named by its address."""

    address: Text
    address_en: EnglishAddress = ""
    activities_en: EnglishActivities = []


class Scope(Body):
    sites: Annotated[list[Site], Field(min_length=1, max_length=MAX_SITES)]


class Evaluation(Body):
    """§5.3.5 Table 1: the function modules and platform met, and the clause counts
    (level 1 has none; together at most the 104 clauses of the catalogue)."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.EVALUATION_3))

    functions_met: Annotated[
        list[Literal["1", "2", "3", "4", "5", "6", "7", "8"]],
        Field(max_length=8, description="the function modules met, ① to ⑧ as 1 to 8"),
    ]
    platform_met: Annotated[bool, Field(description="the interactive platform (交互平台) is met")]
    not_met: Count | None = None
    partially_met: Count | None = None
    fully_met: Count | None = None
    report_ref: Text = ""


class IssueRequest(Body):
    model_config = ConfigDict(json_schema_extra=examples.schema(examples.ISSUE))

    holder: Holder
    level: Level
    scope: Scope
    decision_date: Day
    issue_date: Day | None = None
    person_days: Days
    evaluation: Evaluation | None = None
    application_date: ApplicationDay = None
    acceptance_date: AcceptanceDay = None
    papers_received_date: PapersDay = None
    signatory: Signatory = None


class NonconformityIn(Body):
    """A nonconformity found by a surveillance, corrected by the deadline the certification
    body sets (§5.5.4)."""

    id: Annotated[str, Field(min_length=1, max_length=40, examples=["NC-2027-014-1"])]
    clause: Annotated[str, Field(max_length=20, examples=["B.8.03"])]
    description: LongText
    deadline: Day


class Auditor(Body):
    name: Text
    days: Annotated[float, Field(ge=0.5, le=MAX_PERSON_DAYS)]


class Team(Body):
    """The surveillance team (§5.3.2): only the auditors' days are on-site person-days."""

    auditors: Annotated[list[Auditor], Field(min_length=1, max_length=20)]
    technical_experts: Annotated[list[Text], Field(max_length=20)] = []
    observers: Annotated[list[Text], Field(max_length=20)] = []


class SurveillanceRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [examples.SURVEILLANCE, examples.NONCONFORMING]},
    )

    date: Day
    person_days: Days
    management_audit: bool
    characteristic_evaluation: bool
    clauses: Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=200)]
    outcome: Literal["conforming", "nonconforming"]
    corrective_deadline: Day | None = None
    report_ref: Text
    evaluation: Annotated[
        Evaluation | None,
        Field(description="the characteristic evaluation's result, when it had one (§5.5.3 (3))"),
    ] = None
    nonconformities: Annotated[list[NonconformityIn], Field(max_length=200)] = []
    team: Annotated[
        Team | None, Field(description="who surveyed; person_days are the auditors' days")
    ] = None
    sites_sampled: Annotated[
        list[Text] | None,
        Field(max_length=MAX_SITES, description="the sites of the scope visited (§5.5.3)"),
    ] = None
    content_items: Annotated[
        list[Literal["1", "2", "3", "4", "5", "6", "7"]] | None,
        Field(max_length=7, description="the items (1)–(7) of §5.5.3 evaluated: all seven"),
    ] = None


class ActivityRef(Body):
    address: Text
    activity: Text


class ScopeNarrowingRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.SCOPE_NARROWING)
    )

    reason: Literal["a", "b"]
    remove_sites: Annotated[list[Text], Field(max_length=MAX_SITES)] = []
    remove_activities: Annotated[list[ActivityRef], Field(max_length=MAX_ACTIVITIES)] = []
    approval_ref: Text
    effective_date: Day


class ScopeExtensionRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.SCOPE_EXTENSION)
    )

    add_sites: Annotated[list[Site], Field(min_length=1, max_length=MAX_SITES)]
    evaluation_ref: Text
    effective_date: Day


class HolderChangeRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.HOLDER_CHANGE)
    )

    name: Text | None = None
    name_en: Text | None = None
    address: Text | None = None
    scope_en: Annotated[
        list[SiteEnglish] | None,
        Field(
            max_length=MAX_SITES,
            description="§6 g: the English of some sites of the scope, for an English "
            "certificate (holder.name_en needed)",
        ),
    ] = None
    effective_date: Day


class LevelChangeRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.LEVEL_CHANGE)
    )

    level: Level
    evaluation: Evaluation | None = None
    person_days: Days | None = None
    decision_date: Day


class SuspensionRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.SUSPENSION)
    )

    reason: Annotated[str, Field(pattern=letters_pattern(SUSPENSION_REASONS))]
    details: LongText
    effective_date: Day
    restore_deadline: Annotated[
        Day | None,
        Field(
            description="the last day to restore, set by the certification body: after the "
            "effective date, at most six months on (§6.3.1.3); six months when absent; "
            "never with reason f"
        ),
    ] = None


class CorrectiveActionRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.CORRECTIVE_ACTION)
    )

    nonconformity_id: Annotated[str, Field(min_length=1, max_length=40)]
    effective_date: Day
    evidence_ref: Text


class NotificationRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.NOTIFICATION)
    )

    kind: Annotated[
        str, Field(pattern=letters_pattern(NOTIFICATION_KINDS), description="§5.5.5 a–d")
    ]
    what: LongText
    occurred_on: Day
    effective_date: Annotated[Day, Field(description="the day CESI was told")]
    special_case: Annotated[
        bool, Field(description="a or b told within a week, as a special case (§5.5.5)")
    ] = False


CaseId = Annotated[str, Field(min_length=1, max_length=40, examples=["TS-2027-003"])]


class CaseRequest(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples.schema(examples.CASE))

    case_id: CaseId
    kind: Literal["complaint", "appeal", "misuse_certificate", "misuse_mark"]
    summary: LongText
    effective_date: Annotated[Day, Field(description="received, or the warning issued")]


class CaseAcknowledgementRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.CASE_ACKNOWLEDGEMENT)
    )

    case_id: CaseId
    effective_date: Day


class CaseClosureRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.CASE_CLOSURE)
    )

    case_id: CaseId
    decision: LongText
    effective_date: Day


class RestorationRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.RESTORATION)
    )

    effective_date: Day
    verification_ref: Text


class RevocationRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples.schema(examples.REVOCATION, examples.REVOCATION_UNCORRECTED),
    )

    reason: Annotated[str, Field(pattern=letters_pattern(REVOCATION_REASONS))]
    details: LongText
    effective_date: Day
    demand_date: Annotated[
        Day | None,
        Field(
            description="reason h: the day the correction was demanded; revocation from two "
            "months after it (§6.3.2.1 h)"
        ),
    ] = None


class CancellationRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.CANCELLATION)
    )

    effective_date: Day
    request_ref: Text


class SubCertificateRequest(Body):
    """A sub-certificate (子证书, §6 a) for some of the scope's sites: numbered after the
    master certificate, `-S01`, `-S02`, …, never reused; it shares the registration's status."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.SUB_CERTIFICATE)
    )

    sites: Annotated[
        list[Text],
        Field(
            min_length=1,
            max_length=MAX_SITES,
            description="addresses of scope sites, not all of them, none on another "
            "sub-certificate",
        ),
    ]
    effective_date: Day


class SubCertificateWithdrawalRequest(Body):
    """A sub-certificate given up at the holder's request (注销, §6.3): its number answers
    `cancelled` from then on and is never issued again; the master is unchanged."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.SUB_CERTIFICATE_WITHDRAWAL)
    )

    certificate_no: Annotated[str, Field(max_length=40, description="the sub-certificate's")]
    request_ref: Text
    effective_date: Day


class RecertificationRequest(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples.schema(examples.RECERTIFICATION)
    )

    decision_date: Day
    person_days: Days
    evaluation: Evaluation | None = None
    application_date: ApplicationDay = None
    acceptance_date: AcceptanceDay = None
    papers_received_date: PapersDay = None
    signatory: Signatory = None


class HolderOut(BaseModel):
    name: str
    name_en: str
    uscc: str
    address: str


class SiteOut(BaseModel):
    address: str
    activities: list[str]
    address_en: Annotated[str, Field(description="§6 g; absent or empty when none")] = ""
    activities_en: Annotated[
        list[str], Field(description="§6 g, one per activity; absent or empty when none")
    ] = []


class ScopeOut(BaseModel):
    sites: list[SiteOut]


class SuspensionOut(BaseModel):
    reason: str
    reason_text: str
    since: date
    restore_deadline: date | None


class RevocationOut(BaseModel):
    reason: str
    reason_text: str
    date: date
    automatic: bool


class PrintedOut(BaseModel):
    """The facts as printed on the revision asked (§6 a–h)."""

    holder: HolderOut
    level: int
    scope: ScopeOut
    issue_date: date
    reissue_date: Annotated[
        date | None, Field(description="换证日期, the day this revision was printed; null on R00")
    ]
    valid_until: date


class SubCertificateOut(BaseModel):
    """A sub-certificate of the registration (§6 a), by its current number."""

    certificate_no: Annotated[str, Field(description="the master's number and -S{NN}")]
    sites: Annotated[list[str], Field(description="the addresses it covers")]
    since: date
    withdrawn_on: Annotated[
        date | None, Field(description="given up at the holder's request (注销); null if not")
    ] = None


class CertificateOut(BaseModel):
    """A certificate as the registry answers for it on `as_of`."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.CERTIFICATE))

    registration_no: str
    certificate_no: str
    oid: str
    status: Literal["valid", "suspended", "revoked", "cancelled", "expired", "superseded"]
    status_since: date
    holder: HolderOut
    level: int
    level_name: str
    scope: ScopeOut
    standard: str
    rule: str
    certification_mode: str
    issue_date: date
    valid_until: date
    last_surveillance_date: date | None
    next_surveillance_due: date | None
    suspension: SuspensionOut | None
    revocation: RevocationOut | None
    current_certificate_no: str
    rule_edition: Annotated[
        str | None,
        Field(description="the edition of CESI-SC-OD13 the latest decision was made under"),
    ] = None
    signatory: Annotated[str | None, Field(description="签发人, when recorded (§6)")] = None
    printed: Annotated[
        PrintedOut,
        Field(description="the facts as printed on the revision asked (`certificate_no`)"),
    ]
    master_certificate_no: Annotated[
        str | None,
        Field(
            description="总证书号: for a sub-certificate (a number with -S{NN}), the master "
            "certificate's number at the same revision; null otherwise (§6 a)"
        ),
    ] = None
    sub_certificates: Annotated[
        list[SubCertificateOut],
        Field(description="子证书: the registration's sub-certificates, current numbers (§6 a)"),
    ] = []
    as_of: date


DirectoryStatus = Literal["valid", "suspended", "revoked", "cancelled", "expired", "in_force"]


class LateNotificationOut(BaseModel):
    """A notification told later than §5.5.5 allows, in the registrar's queue."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.LATE_NOTIFICATION))

    registration_no: str
    certificate_no: str
    holder_name: str
    number: int
    kind: str
    what: str
    occurred_on: date
    told_on: date
    told_by: Annotated[date, Field(description="the last day the rule allowed")]
    special_case: bool


class LateStepOut(BaseModel):
    """A certification step that took longer than the rule allows (§5.2, §5.4, §5.7)."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.LATE_STEP))

    registration_no: str
    certificate_no: str
    holder_name: str
    step: Literal["acceptance", "review", "decision"]
    section: str
    working_days: int
    limit: int
    decision_date: date


class OpenCaseOut(BaseModel):
    """An open complaint, appeal or misuse warning in the registrar's queue (§7–§9)."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.OPEN_CASE))

    registration_no: str
    certificate_no: str
    holder_name: str
    id: str
    kind: str
    summary: str
    opened_on: date
    acknowledged_on: date | None


class NonconformityOut(BaseModel):
    """An open nonconformity in the registrar's queue (§5.5.4)."""

    model_config = ConfigDict(json_schema_extra=examples.schema(examples.NONCONFORMITY))

    registration_no: str
    certificate_no: str
    holder_name: str
    id: str
    clause: str
    description: str
    deadline: date
    raised_on: date
    overdue: Annotated[bool, Field(description="the deadline has passed (§6.3.1.1 h)")]


class DirectoryOut(BaseModel):
    items: list[CertificateOut]
    page: int
    page_size: int
    total: int


NoticeStatus = Literal["suspended", "revoked", "cancelled"]


class NoticeOut(BaseModel):
    registration_no: str
    certificate_no: str
    holder_name: str
    status: NoticeStatus
    since: date
    reason: str | None
    reason_text: str
    restore_deadline: date | None


class NoticesOut(BaseModel):
    items: list[NoticeOut]
    page: int
    page_size: int
    total: int


class ClauseOut(BaseModel):
    id: str
    appendix: Literal["A", "B"]
    function: str
    text: str


class EventOut(BaseModel):
    position: int
    registration_no: str | None
    type: str
    version: int
    recorded_at: str
    effective_date: date | None
    actor: str
    data: dict[str, Any]
    hash: str
    prev_hash: str | None


class CheckpointOut(BaseModel):
    size: int
    root: str
    timestamp: str
    kid: str
    signature: str


class InclusionOut(BaseModel):
    position: int
    leaf_index: int
    leaf_hash: str
    size: int
    root: str
    proof: list[str]


class ReceiptOut(BaseModel):
    answer: CertificateOut
    checkpoint: CheckpointOut
    inclusion: InclusionOut
    kid: str
    signature: str


class FeedItemOut(BaseModel):
    position: int
    registration_no: str
    certificate_no: str
    type: str
    reason: str | None
    reason_text: str | None
    effective_date: date
    recorded_at: str
    holder_name: str
    uscc: str
    details: dict[str, Any]
    checkpoint: CheckpointOut | None = None


class FeedOut(BaseModel):
    items: list[FeedItemOut]
    next: int
