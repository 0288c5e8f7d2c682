"""Service levels: what the evaluation must show (§5.3.5 Table 1) and the audit time (§5.3.1)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, NotRequired, TypedDict

from registry.errors import InvalidInput, RuleViolation
from registry.rules.clauses import clause_ids

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


MAX_CLAUSE_COUNT = 1000  # the API's bound; the catalogue's size is checked in the domain
MAX_PERSON_DAYS = 1000  # more is a typing error
LEVELS = range(min(TABLE_1), max(TABLE_1) + 1)  # §5.3.5 Table 1: levels 1 to 5

# §5.3.5 a, Table 1's first column: the function modules ①–⑧ by number, and which each
# level needs besides the interactive platform (交互平台).
FUNCTIONS = ("1", "2", "3", "4", "5", "6", "7", "8")
FIVE_FUNCTIONS = frozenset({"1", "5", "6", "7", "8"})
REQUIRED_FUNCTIONS: dict[int, frozenset[str]] = {
    1: FIVE_FUNCTIONS,
    2: FIVE_FUNCTIONS,
    3: frozenset(FUNCTIONS),
    4: frozenset(FUNCTIONS),
    5: frozenset(FUNCTIONS),
}
COUNTS = ("not_met", "partially_met", "fully_met")


class EvaluationDoc(TypedDict):
    """The evaluation as events store it. Events before the function modules were recorded
    (issue 13) lack `functions_met` and `platform_met`; level 1 may have no counts."""

    not_met: NotRequired[int]
    partially_met: NotRequired[int]
    fully_met: NotRequired[int]
    report_ref: str
    functions_met: NotRequired[list[str]]
    platform_met: NotRequired[bool]


@dataclass(frozen=True)
class Evaluation:
    """The characteristic evaluation report (§5.3.5): the function modules and platform met,
    and the counts of clauses not, partially and fully met (none for level 1)."""

    not_met: int | None
    partially_met: int | None
    fully_met: int | None
    report_ref: str = ""
    functions_met: frozenset[str] = frozenset(FUNCTIONS)
    platform_met: bool = True

    def to_dict(self) -> EvaluationDoc:
        doc: EvaluationDoc = {"report_ref": self.report_ref}
        if (
            self.not_met is not None
            and self.partially_met is not None
            and self.fully_met is not None
        ):
            doc |= {
                "not_met": self.not_met,
                "partially_met": self.partially_met,
                "fully_met": self.fully_met,
            }
        doc["functions_met"] = sorted(self.functions_met)
        doc["platform_met"] = self.platform_met
        return doc


def parse_evaluation(data: object) -> Evaluation | None:
    """The evaluation of a command; its counts, when given, are all three, each no more
    than the clause catalogue holds."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "evaluation must be {functions_met, platform_met, not_met, partially_met, "
            "fully_met, report_ref}",
            field="evaluation",
        )
    given = [name for name in COUNTS if data.get(name) is not None]
    if given and len(given) < len(COUNTS):
        missing = next(name for name in COUNTS if name not in given)
        raise InvalidInput(
            "the evaluation's counts go together: not met, partially met and fully met",
            field=f"evaluation.{missing}",
        )
    counts = [_count(data.get(name), name) for name in given]
    ref = data.get("report_ref") or ""
    if not isinstance(ref, str) or len(ref) > 300:
        raise InvalidInput(
            "evaluation.report_ref must be a short text", field="evaluation.report_ref"
        )
    not_met, partially_met, fully_met = counts or (None, None, None)
    return Evaluation(
        not_met,
        partially_met,
        fully_met,
        ref.strip(),
        _functions(data.get("functions_met")),
        _flag(data.get("platform_met"), "evaluation.platform_met"),
    )


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            f"evaluation.{name} must be a whole number of clauses, not {value!r}",
            field=f"evaluation.{name}",
        )
    if value > (total := len(clause_ids())):
        raise InvalidInput(
            f"evaluation.{name} counts {value} clauses; the catalogue holds {total}",
            section="§5.3.5 Table 1",
            field=f"evaluation.{name}",
        )
    return value


def _functions(value: object) -> frozenset[str]:
    field = "evaluation.functions_met"
    if not isinstance(value, list | tuple) or not all(isinstance(f, str) for f in value):
        raise InvalidInput(
            'evaluation.functions_met must list the function modules met, e.g. ["1", "5"]',
            section="§5.3.5 a",
            field=field,
        )
    unknown = sorted(set(value) - set(FUNCTIONS))
    if unknown:
        raise InvalidInput(
            f"function modules are numbered 1 to 8, not {unknown[0][:10]!r}",
            section="§5.3.5 a",
            field=field,
        )
    if len(set(value)) != len(value):
        raise InvalidInput("a function module is listed twice", field=field)
    return frozenset(value)


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", section="§5.3.5 a", field=field)
    return value


def check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in TABLE_1:
        raise InvalidInput(f"level must be 1 to 5, not {level!r}", section="§5.1.2", field="level")
    return level


def check_evaluation_supports(
    level: int, evaluation: Evaluation | None, *, section: str = "§5.3.5 Table 1"
) -> None:
    """Refuse a level that the evaluation does not reach (§5.3.5 Table 1): the function
    modules and the platform of its row, then its counts (none for level 1). `section` is
    what a refusal cites (§5.5.3 (3) for a surveillance)."""
    check_level(level)
    if evaluation is None:
        raise RuleViolation(
            f"level {level} needs a characteristic evaluation", section="§5.3.5", field="evaluation"
        )
    failures = []
    missing = sorted(REQUIRED_FUNCTIONS[level] - evaluation.functions_met)
    if missing:
        failures.append("function modules not met: " + ", ".join(missing))
    if not evaluation.platform_met:
        failures.append("the interactive platform is not met")
    thresholds = TABLE_1[level]
    if thresholds is not None:
        failures += _count_failures(thresholds, evaluation)
    if failures:
        raise RuleViolation(
            f"the evaluation does not support level {level} ({LEVEL_NAMES[level]}): "
            + "; ".join(failures),
            section=section,
            field="evaluation",
        )


def _count_failures(thresholds: Thresholds, evaluation: Evaluation) -> list[str]:
    not_met, partially_met, fully_met = (
        evaluation.not_met,
        evaluation.partially_met,
        evaluation.fully_met,
    )
    if not_met is None or partially_met is None or fully_met is None:
        return ["the counts of clauses not, partially and fully met are missing"]
    failures = []
    if not_met > thresholds.not_met_max:
        failures.append(f"not met {not_met} > {thresholds.not_met_max}")
    if partially_met > thresholds.partially_met_max:
        failures.append(f"partially met {partially_met} > {thresholds.partially_met_max}")
    if fully_met < thresholds.fully_met_min:
        failures.append(f"fully met {fully_met} < {thresholds.fully_met_min}")
    return failures


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
