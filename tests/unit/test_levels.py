import pytest

from registry.errors import InvalidInput, RuleViolation
from registry.rules.levels import (
    Evaluation,
    check_evaluation_supports,
    check_initial_person_days,
    check_level,
    check_surveillance_person_days,
    parse_evaluation,
)

# §5.3.5 Table 1: the exact boundary of each level passes, one clause worse fails.
BOUNDARIES = {2: (2, 10, 51), 3: (1, 20, 84), 4: (0, 16, 89), 5: (0, 10, 95)}


@pytest.mark.parametrize(("level", "counts"), BOUNDARIES.items())
def test_evaluation_at_the_table_1_boundary_supports_the_level(
    level: int, counts: tuple[int, int, int]
) -> None:
    check_evaluation_supports(level, Evaluation(*counts))


@pytest.mark.parametrize(("level", "counts"), BOUNDARIES.items())
@pytest.mark.parametrize("worse", [(1, 0, 0), (0, 1, 0), (0, 0, -1)])
def test_evaluation_one_clause_short_of_table_1_is_refused(
    level: int, counts: tuple[int, int, int], worse: tuple[int, int, int]
) -> None:
    not_met, partially, fully = (c + w for c, w in zip(counts, worse, strict=True))

    with pytest.raises(RuleViolation, match=r"does not support level"):
        check_evaluation_supports(level, Evaluation(not_met, partially, fully))


def test_level_1_needs_no_counts() -> None:
    check_evaluation_supports(1, None)


def test_level_2_and_above_need_an_evaluation() -> None:
    with pytest.raises(RuleViolation, match="needs a characteristic evaluation"):
        check_evaluation_supports(2, None)


@pytest.mark.parametrize("level", [0, 6, "3", True, None])
def test_level_outside_1_to_5_is_refused(level: object) -> None:
    with pytest.raises(InvalidInput):
        check_level(level)


@pytest.mark.parametrize(("level", "days"), [(1, 4), (2, 4), (3, 5), (4, 5), (5, 6)])
def test_initial_person_days_meet_the_table(level: int, days: float) -> None:
    assert check_initial_person_days(level, days) == days
    with pytest.raises(RuleViolation) as raised:
        check_initial_person_days(level, days - 0.5)
    assert raised.value.section == "§5.3.1"


@pytest.mark.parametrize(("level", "days"), [(1, 2), (2, 2), (3, 2.5), (4, 2.5), (5, 3)])
def test_surveillance_person_days_meet_the_table(level: int, days: float) -> None:
    assert check_surveillance_person_days(level, days) == days
    with pytest.raises(RuleViolation):
        check_surveillance_person_days(level, days - 0.5)


@pytest.mark.parametrize("days", [-1, float("nan"), float("inf"), "5", None])
def test_absurd_person_days_are_invalid_input(days: object) -> None:
    with pytest.raises(InvalidInput):
        check_initial_person_days(3, days)


@pytest.mark.parametrize(
    "data",
    [
        {"not_met": -1, "partially_met": 0, "fully_met": 0},
        {"not_met": 0, "partially_met": 0.5, "fully_met": 0},
        {"not_met": 0, "partially_met": 0},
        {"not_met": True, "partially_met": 0, "fully_met": 0},
        [1, 2, 3],
    ],
)
def test_malformed_evaluation_is_invalid_input(data: object) -> None:
    with pytest.raises(InvalidInput):
        parse_evaluation(data)
