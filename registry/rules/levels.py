"""Service levels: what the evaluation must show (§5.3.5 Table 1) and the audit time (§5.3.1)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, TypedDict

from registry.errors import InvalidInput, RuleViolation

LEVEL_NAMES = {1: "规划级", 2: "规范级", 3: "集成级", 4: "优化级", 5: "引领级"}


class Thresholds(NamedTuple):
    not_met_max: int
    partially_met_max: int
    fully_met_min: int


# §5.3.5 Table 1; level 1 asks for the five functions and the platform, with no counts.
TABLE_1: dict[int, Thresholds | None] = {
    1: None,
    2: Thresholds(2, 10, 51),
    3: Thresholds(1, 20, 84),
    4: Thresholds(0, 16, 89),
    5: Thresholds(0, 10, 95),
}

# §5.3.1: on-site person-days, initial (and recertification, and raising a level) / surveillance.
INITIAL_PERSON_DAYS = {1: 4.0, 2: 4.0, 3: 5.0, 4: 5.0, 5: 6.0}
SURVEILLANCE_PERSON_DAYS = {1: 2.0, 2: 2.0, 3: 2.5, 4: 2.5, 5: 3.0}


MAX_CLAUSE_COUNT = 1000
MAX_PERSON_DAYS = 1000  # more is a typing error
LEVELS = range(min(TABLE_1), max(TABLE_1) + 1)  # §5.3.5 Table 1: levels 1 to 5


class EvaluationDoc(TypedDict):
    """The evaluation's counts as events store them."""

    not_met: int
    partially_met: int
    fully_met: int
    report_ref: str


@dataclass(frozen=True)
class Evaluation:
    """Counts of the characteristic evaluation report over the Appendix A clauses."""

    not_met: int
    partially_met: int
    fully_met: int
    report_ref: str = ""

    def to_dict(self) -> EvaluationDoc:
        return {
            "not_met": self.not_met,
            "partially_met": self.partially_met,
            "fully_met": self.fully_met,
            "report_ref": self.report_ref,
        }


def parse_evaluation(data: object) -> Evaluation | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "evaluation must be {not_met, partially_met, fully_met, report_ref}", field="evaluation"
        )
    counts = []
    for name in ("not_met", "partially_met", "fully_met"):
        value = data.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= MAX_CLAUSE_COUNT
        ):
            raise InvalidInput(
                f"evaluation.{name} must be a whole number of clauses, not {value!r}",
                field=f"evaluation.{name}",
            )
        counts.append(value)
    ref = data.get("report_ref") or ""
    if not isinstance(ref, str) or len(ref) > 300:
        raise InvalidInput(
            "evaluation.report_ref must be a short text", field="evaluation.report_ref"
        )
    not_met, partially_met, fully_met = counts
    return Evaluation(not_met, partially_met, fully_met, ref.strip())


def check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in TABLE_1:
        raise InvalidInput(f"level must be 1 to 5, not {level!r}", section="§5.1.2", field="level")
    return level


def check_evaluation_supports(level: int, evaluation: Evaluation | None) -> None:
    """Refuse a level that the evaluation's counts do not reach (§5.3.5 Table 1)."""
    thresholds = TABLE_1[check_level(level)]
    if thresholds is None:
        return
    if evaluation is None:
        raise RuleViolation(
            f"level {level} needs a characteristic evaluation", section="§5.3.5", field="evaluation"
        )
    failures = []
    if evaluation.not_met > thresholds.not_met_max:
        failures.append(f"not met {evaluation.not_met} > {thresholds.not_met_max}")
    if evaluation.partially_met > thresholds.partially_met_max:
        failures.append(
            f"partially met {evaluation.partially_met} > {thresholds.partially_met_max}"
        )
    if evaluation.fully_met < thresholds.fully_met_min:
        failures.append(f"fully met {evaluation.fully_met} < {thresholds.fully_met_min}")
    if failures:
        raise RuleViolation(
            f"the evaluation does not support level {level} ({LEVEL_NAMES[level]}): "
            + ", ".join(failures),
            section="§5.3.5 Table 1",
            field="evaluation",
        )


def check_person_days(person_days: object, *, minimum: float, what: str, section: str) -> float:
    """A number of on-site person-days in range, at least `minimum` for `what` (`section`)."""
    if isinstance(person_days, bool) or not isinstance(person_days, int | float):
        raise InvalidInput(
            f"person_days must be a number, not {person_days!r}", field="person_days"
        )
    if not person_days >= 0 or person_days > MAX_PERSON_DAYS:  # also refuses NaN
        raise InvalidInput(f"person_days {person_days!r} is out of range", field="person_days")
    if person_days < minimum:
        raise RuleViolation(
            f"{what} needs at least {minimum:g} on-site person-days, not {person_days:g}",
            section=section,
            field="person_days",
        )
    return float(person_days)


def check_initial_person_days(level: int, person_days: object) -> float:
    """Initial certification, recertification and raising a level (§5.3.1, §5.6, §5.5.6)."""
    return _check_table_person_days(INITIAL_PERSON_DAYS, level, person_days, "evaluation")


def check_surveillance_person_days(level: int, person_days: object) -> float:
    return _check_table_person_days(SURVEILLANCE_PERSON_DAYS, level, person_days, "surveillance")


def _check_table_person_days(
    table: dict[int, float], level: int, person_days: object, what: str
) -> float:
    """At least the §5.3.1 person-days of `table` for `level`."""
    minimum = table[level]
    return check_person_days(
        person_days, minimum=minimum, what=f"a level {level} {what}", section="§5.3.1"
    )
