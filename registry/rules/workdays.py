"""Working days in China and the working-day limits of a certification (§5.2, §5.4, §5.7).

Public holidays and their make-up working days (调休) come from the maintained
`chinese-calendar` data; for a year it has no data for yet, Monday to Friday.
"""

from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar

ACCEPTANCE_WORKDAYS = 5  # §5.2: the application reviewed and answered within 5 working days
REVIEW_WORKDAYS = 20  # §5.4: from the full set of evaluation papers to the decision
DECISION_WORKDAYS = 60  # §5.7: from acceptance to decision, in general 60 working days


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar has no data for yet
        return day.weekday() < 5


def working_days_after(start: date, end: date) -> int:
    """The working days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


class LateStep(NamedTuple):
    step: str  # "acceptance", "review" or "decision"
    section: str
    working_days: int
    limit: int


def late_steps(
    application: date | None,
    acceptance: date | None,
    decision: date,
    papers_received: date | None = None,
) -> list[LateStep]:
    """The steps of a certification that took longer than the rule's working-day limits."""
    found = []
    if application is not None and acceptance is not None:
        took = working_days_after(application, acceptance)
        if took > ACCEPTANCE_WORKDAYS:
            found.append(LateStep("acceptance", "§5.2", took, ACCEPTANCE_WORKDAYS))
    if papers_received is not None:
        took = working_days_after(papers_received, decision)
        if took > REVIEW_WORKDAYS:
            found.append(LateStep("review", "§5.4", took, REVIEW_WORKDAYS))
    if acceptance is not None:
        took = working_days_after(acceptance, decision)
        if took > DECISION_WORKDAYS:
            found.append(LateStep("decision", "§5.7", took, DECISION_WORKDAYS))
    return found
