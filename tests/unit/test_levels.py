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

FIVE = frozenset({"1", "5", "6", "7", "8"})
EIGHT = frozenset("12345678")
# §5.3.5 Table 1: the exact thresholds of each level (each count is at most the catalogue's
# 104; levels 3-5 at every threshold at once count 105, and are accepted).
BOUNDARIES = {2: (2, 10, 51), 3: (1, 20, 84), 4: (0, 16, 89), 5: (0, 10, 95)}
MODULES = {2: FIVE, 3: EIGHT, 4: EIGHT, 5: EIGHT}


Counts = tuple[int, int, int] | None  # None: no counts (level 1)


def evaluation(
    counts: Counts, functions: frozenset[str] = EIGHT, platform: bool = True
) -> Evaluation:
    not_met, partially, fully = counts or (None, None, None)
    return Evaluation(not_met, partially, fully, functions_met=functions, platform_met=platform)


@pytest.mark.parametrize(("level", "counts"), BOUNDARIES.items())
def test_evaluation_at_the_table_1_boundary_supports_the_level(
    level: int, counts: tuple[int, int, int]
) -> None:
    check_evaluation_supports(level, evaluation(counts, MODULES[level]))


@pytest.mark.parametrize(("level", "counts"), BOUNDARIES.items())
@pytest.mark.parametrize("worse", [(1, 0, 0), (0, 1, 0), (0, 0, -1)])
def test_evaluation_one_clause_short_of_table_1_is_refused(
    level: int, counts: tuple[int, int, int], worse: tuple[int, int, int]
) -> None:
    not_met, partially, fully = (c + w for c, w in zip(counts, worse, strict=True))

    with pytest.raises(RuleViolation, match=r"does not support level"):
        check_evaluation_supports(level, evaluation((not_met, partially, fully), MODULES[level]))


@pytest.mark.parametrize("level", [1, 2])
def test_levels_1_and_2_need_exactly_the_five_functions_and_the_platform(level: int) -> None:
    counts = None if level == 1 else (2, 10, 51)

    check_evaluation_supports(level, evaluation(counts, FIVE))


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("missing", ["1", "5", "6", "7", "8"])
def test_a_level_without_one_of_its_functions_is_refused(level: int, missing: str) -> None:
    functions = (FIVE if level <= 2 else EIGHT) - {missing}

    with pytest.raises(RuleViolation, match=f"function modules not met: {missing}") as raised:
        check_evaluation_supports(level, evaluation(BOUNDARIES.get(level), functions))
    assert raised.value.section == "§5.3.5 Table 1"


@pytest.mark.parametrize("level", [3, 4, 5])
def test_levels_3_to_5_without_functions_2_to_4_are_refused(level: int) -> None:
    with pytest.raises(RuleViolation, match="function modules not met: 2, 3, 4"):
        check_evaluation_supports(level, evaluation(BOUNDARIES[level], FIVE))


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_a_level_without_the_interactive_platform_is_refused(level: int) -> None:
    with pytest.raises(RuleViolation, match="interactive platform"):
        check_evaluation_supports(level, evaluation(BOUNDARIES.get(level), EIGHT, platform=False))


def test_level_1_needs_no_counts() -> None:
    check_evaluation_supports(1, Evaluation(None, None, None, functions_met=FIVE))


def test_level_1_needs_an_evaluation_of_its_functions() -> None:
    with pytest.raises(RuleViolation, match="needs a characteristic evaluation"):
        check_evaluation_supports(1, None)


def test_level_2_and_above_need_the_counts() -> None:
    with pytest.raises(RuleViolation, match=r"counts .* are missing"):
        check_evaluation_supports(2, Evaluation(None, None, None, functions_met=FIVE))


def test_level_2_and_above_need_an_evaluation() -> None:
    with pytest.raises(RuleViolation, match="needs a characteristic evaluation"):
        check_evaluation_supports(2, None)


def test_counts_of_the_whole_catalogue_are_accepted() -> None:
    parsed = parse_evaluation(
        {
            "not_met": 0,
            "partially_met": 9,
            "fully_met": 95,
            "functions_met": list(EIGHT),
            "platform_met": True,
        }
    )

    assert parsed is not None
    assert parsed.fully_met == 95


def test_counts_beyond_the_catalogue_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="the catalogue holds 104") as raised:
        parse_evaluation(
            {
                "not_met": 0,
                "partially_met": 10,
                "fully_met": 105,
                "functions_met": list(EIGHT),
                "platform_met": True,
            }
        )
    assert raised.value.section == "§5.3.5 Table 1"


def test_parsed_evaluation_is_stored_with_its_modules() -> None:
    parsed = parse_evaluation({"functions_met": ["8", "1", "5", "6", "7"], "platform_met": True})

    assert parsed is not None
    assert parsed.to_dict() == {
        "report_ref": "",
        "functions_met": ["1", "5", "6", "7", "8"],
        "platform_met": True,
    }


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


MODULES_MET = {"functions_met": ["1", "5", "6", "7", "8"], "platform_met": True}


@pytest.mark.parametrize(
    "data",
    [
        MODULES_MET | {"not_met": -1, "partially_met": 0, "fully_met": 0},
        MODULES_MET | {"not_met": 0, "partially_met": 0.5, "fully_met": 0},
        MODULES_MET | {"not_met": 0, "partially_met": 0},
        MODULES_MET | {"not_met": True, "partially_met": 0, "fully_met": 0},
        {"not_met": 0, "partially_met": 0, "fully_met": 60},
        MODULES_MET | {"functions_met": "1,5,6,7,8"},
        MODULES_MET | {"functions_met": ["1", "9"]},
        MODULES_MET | {"functions_met": ["1", "1"]},
        MODULES_MET | {"platform_met": "true"},
        {"functions_met": ["1"]},
        [1, 2, 3],
    ],
)
def test_malformed_evaluation_is_invalid_input(data: object) -> None:
    with pytest.raises(InvalidInput):
        parse_evaluation(data)
