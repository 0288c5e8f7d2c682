"""Request and response models of the HTTP API (CONTRACT.md's field names, exactly)."""

import datetime as dt
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: object) -> object:
    """Only `YYYY-MM-DD` text is a date here: a number is not a Unix time, and days outside
    1900–2999 are refused before any arithmetic can overflow."""
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
Text = Annotated[str, Field(max_length=300)]
LongText = Annotated[str, Field(max_length=2000)]
Days = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=1000)]


class Body(BaseModel):
    # Strict: `true` or "3" is no level, "yes" no boolean (CONTRACT.md: types are strict).
    model_config = ConfigDict(extra="forbid", strict=True)


class Holder(Body):
    name: Text
    name_en: Text = ""
    uscc: Annotated[str, Field(min_length=18, max_length=18)]
    address: Text


class Site(Body):
    address: Text
    activities: Annotated[list[Text], Field(min_length=1, max_length=200)]


class Scope(Body):
    sites: Annotated[list[Site], Field(min_length=1, max_length=200)]


class Evaluation(Body):
    not_met: Count
    partially_met: Count
    fully_met: Count
    report_ref: Text = ""


class IssueRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "holder": {
                        "name": "深圳市定制家居科技有限公司",
                        "name_en": "Shenzhen Custom Home Technology Co., Ltd.",
                        "uscc": "91440300708461136T",
                        "address": "广东省深圳市南山区科技园南区 1 号",
                    },
                    "level": 3,
                    "scope": {
                        "sites": [
                            {
                                "address": "广东省深圳市南山区科技园南区 1 号",
                                "activities": ["全屋定制家具的设计与交付"],
                            }
                        ]
                    },
                    "decision_date": "2026-05-11",
                    "person_days": 5,
                    "evaluation": {
                        "not_met": 1,
                        "partially_met": 20,
                        "fully_met": 84,
                        "report_ref": "TR-2026-031",
                    },
                }
            ]
        },
    )

    holder: Holder
    level: Annotated[int, Field(ge=1, le=5)]
    scope: Scope
    decision_date: Day
    issue_date: Day | None = None
    person_days: Days
    evaluation: Evaluation | None = None


class SurveillanceRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "date": "2027-03-02",
                    "person_days": 2.5,
                    "management_audit": True,
                    "characteristic_evaluation": True,
                    "clauses": ["A.1.01", "A.1.02", "B.1.01"],
                    "outcome": "conforming",
                    "report_ref": "SR-2027-014",
                }
            ]
        },
    )

    date: Day
    person_days: Days
    management_audit: bool
    characteristic_evaluation: bool
    clauses: Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=200)]
    outcome: Literal["conforming", "nonconforming"]
    corrective_deadline: Day | None = None
    report_ref: Text


class ActivityRef(Body):
    address: Text
    activity: Text


class ScopeNarrowingRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "b",
                    "remove_sites": ["广东省东莞市松山湖 8 号"],
                    "approval_ref": "技委〔2027〕9号",
                    "effective_date": "2027-04-01",
                }
            ]
        },
    )

    reason: Literal["a", "b"]
    remove_sites: Annotated[list[Text], Field(max_length=200)] = []
    remove_activities: Annotated[list[ActivityRef], Field(max_length=200)] = []
    approval_ref: Text
    effective_date: Day


class ScopeExtensionRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "add_sites": [
                        {
                            "address": "江苏省苏州市工业园区 18 号",
                            "activities": ["定制家具生产制造"],
                        }
                    ],
                    "evaluation_ref": "EXT-2027-3",
                    "effective_date": "2027-05-01",
                }
            ]
        },
    )

    add_sites: Annotated[list[Site], Field(min_length=1, max_length=200)]
    evaluation_ref: Text
    effective_date: Day


class HolderChangeRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "深圳市新定制家居科技有限公司", "effective_date": "2027-06-01"}]
        },
    )

    name: Text | None = None
    name_en: Text | None = None
    address: Text | None = None
    effective_date: Day


class LevelChangeRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "level": 4,
                    "evaluation": {
                        "not_met": 0,
                        "partially_met": 16,
                        "fully_met": 89,
                        "report_ref": "TR-2027-8",
                    },
                    "person_days": 5,
                    "decision_date": "2027-07-01",
                }
            ]
        },
    )

    level: Annotated[int, Field(ge=1, le=5)]
    evaluation: Evaluation | None = None
    person_days: Days | None = None
    decision_date: Day


class SuspensionRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "b",
                    "details": "监督发现服务持续不满足认证要求",
                    "effective_date": "2027-08-01",
                }
            ]
        },
    )

    reason: Annotated[str, Field(pattern="^[a-m]$")]
    details: LongText
    effective_date: Day


class RestorationRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"effective_date": "2027-09-15", "verification_ref": "VR-2027-22"}]
        },
    )

    effective_date: Day
    verification_ref: Text


class RevocationRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "k",
                    "details": "获证组织主动要求撤销证书",
                    "effective_date": "2027-10-01",
                }
            ]
        },
    )

    reason: Annotated[str, Field(pattern="^[a-k]$")]
    details: LongText
    effective_date: Day


class CancellationRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"effective_date": "2027-10-01", "request_ref": "注销申请-2027-5"}]
        },
    )

    effective_date: Day
    request_ref: Text


class RecertificationRequest(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision_date": "2029-02-01",
                    "person_days": 5,
                    "evaluation": {
                        "not_met": 1,
                        "partially_met": 20,
                        "fully_met": 84,
                        "report_ref": "TR-2029-2",
                    },
                }
            ]
        },
    )

    decision_date: Day
    person_days: Days
    evaluation: Evaluation | None = None


class HolderOut(BaseModel):
    name: str
    name_en: str
    uscc: str
    address: str


class SiteOut(BaseModel):
    address: str
    activities: list[str]


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


class CertificateOut(BaseModel):
    """A certificate as the registry answers for it on `as_of`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "registration_no": "CESI2026EV/IMG10001",
                    "certificate_no": "CESI2026EV/IMG10001R00",
                    "oid": "1.2.156.1.2.CESI2026EV/IMG10001R00",
                    "status": "suspended",
                    "status_since": "2026-06-01",
                    "holder": {
                        "name": "深圳市定制家居科技有限公司",
                        "name_en": "",
                        "uscc": "91440300708461136T",
                        "address": "广东省深圳市南山区科技园南区 1 号",
                    },
                    "level": 3,
                    "level_name": "集成级",
                    "scope": {
                        "sites": [
                            {
                                "address": "广东省深圳市南山区科技园南区 1 号",
                                "activities": ["全屋定制家具的设计与交付"],
                            }
                        ]
                    },
                    "standard": "GB/T 42202-2022 《智能制造 大规模个性化定制 通用要求》",
                    "rule": "CESI-SC-OD13 《大规模个性化定制服务认证规则》",
                    "certification_mode": "服务特性测评+服务管理审核+获证后监督",
                    "issue_date": "2026-05-11",
                    "valid_until": "2029-05-10",
                    "last_surveillance_date": None,
                    "next_surveillance_due": "2027-05-10",
                    "suspension": {
                        "reason": "b",
                        "reason_text": "发现获证组织服务持续地或严重地不满足认证要求",
                        "since": "2026-06-01",
                        "restore_deadline": "2026-11-30",
                    },
                    "revocation": None,
                    "current_certificate_no": "CESI2026EV/IMG10001R00",
                    "as_of": "2026-11-25",
                }
            ]
        }
    )

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
    as_of: date


class DirectoryOut(BaseModel):
    items: list[CertificateOut]
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
