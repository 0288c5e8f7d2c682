"""Shared sample data: a level 3 holder in Shenzhen, and the clock's today."""

from datetime import UTC, date, datetime
from typing import Any

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Stamp
from registry.rules.clauses import catalogue

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
TODAY = date(2026, 11, 25)
DECISION = date(2026, 5, 11)
STAMP = Stamp("registrar-alice", NOW)

HOLDER = {
    "name": "深圳市定制家居科技有限公司",
    "name_en": "Shenzhen Custom Home Technology Co., Ltd.",
    "uscc": "91440300708461136T",
    "address": "广东省深圳市南山区科技园南区 1 号",
}
SITES = [
    {"address": "广东省深圳市南山区科技园南区 1 号", "activities": ["全屋定制家具的设计与交付"]},
    {"address": "广东省东莞市松山湖 8 号", "activities": ["定制家具生产制造", "物流配送"]},
]
FIVE = ["1", "5", "6", "7", "8"]  # §5.3.5 Table 1: the function modules of levels 1 and 2
EIGHT = ["1", "2", "3", "4", "5", "6", "7", "8"]
EVALUATIONS: dict[int, dict[str, Any]] = {
    1: {"functions_met": FIVE, "platform_met": True, "report_ref": "TR-1"},
    2: {"not_met": 2, "partially_met": 10, "fully_met": 51, "report_ref": "TR-2"},
    3: {"not_met": 1, "partially_met": 19, "fully_met": 84, "report_ref": "TR-3"},
    4: {"not_met": 0, "partially_met": 15, "fully_met": 89, "report_ref": "TR-4"},
    5: {"not_met": 0, "partially_met": 9, "fully_met": 95, "report_ref": "TR-5"},
}
for _level in (2, 3, 4, 5):
    EVALUATIONS[_level] |= {"functions_met": FIVE if _level == 2 else EIGHT, "platform_met": True}
INITIAL_DAYS = {1: 4, 2: 4, 3: 5, 4: 5, 5: 6}

CLAUSE_IDS = [c.id for c in catalogue()]
# Two samples of at least half the catalogue that together cover it: the first holds every
# Appendix A clause (credited only with a characteristic evaluation, §5.3.5).
FIRST_HALF = [c.id for c in catalogue() if c.appendix == "A"]
SECOND_HALF = CLAUSE_IDS[len(CLAUSE_IDS) // 2 :]


def issue_request(level: int = 3, **overrides: Any) -> dict[str, Any]:
    """The body of an issue command, as the README's tour shows it."""
    request: dict[str, Any] = {
        "holder": dict(HOLDER),
        "level": level,
        "scope": {"sites": [dict(s) for s in SITES]},
        "decision_date": DECISION,
        "person_days": INITIAL_DAYS[level],
        "evaluation": EVALUATIONS[level],
    }
    request.update(overrides)
    return request


def new_certificate(level: int = 3, stamp: Stamp = STAMP, **overrides: Any) -> Certificate:
    request = issue_request(level, **overrides)
    scope = request.pop("scope")
    return Certificate.issue(
        registration_no="CESI2026EV/IMG10007",
        sites=scope["sites"],
        issue_date=request.pop("issue_date", None),
        stamp=stamp,
        **request,
    )


def surveillance(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": date(2026, 11, 2),
        "person_days": 2.5,
        "management_audit": True,
        "characteristic_evaluation": True,
        "clauses": FIRST_HALF,
        "outcome": "conforming",
        "corrective_deadline": None,
        "report_ref": "SR-2026-01",
    }
    body.update(overrides)
    return body


def cycle_surveillances() -> list[dict[str, Any]]:
    """The two surveillances of a certificate decided 2024-01-10, each by its due date
    (§5.5.2), so that it may be recertified in its window from 2026-07-10 (§5.5.1 b)."""
    return [
        surveillance(date=date(2024, 12, 2), report_ref="SR-2024-01"),
        surveillance(
            date=date(2025, 11, 3),
            clauses=SECOND_HALF,
            characteristic_evaluation=False,
            report_ref="SR-2025-01",
        ),
    ]


def recertifiable_certificate() -> Certificate:
    """A level 3 certificate decided 2024-01-10 with its cycle's surveillances recorded."""
    cert = new_certificate(decision_date=date(2024, 1, 10))
    for body in cycle_surveillances():
        cert.surveil(**body, stamp=STAMP)
    return cert
