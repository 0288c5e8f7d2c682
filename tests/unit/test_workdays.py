"""Working days in China and the certification's working-day limits (§5.2, §5.7)."""

from datetime import date

from registry.rules.workdays import LateStep, is_workday, late_steps, working_days_after


def test_a_public_holiday_is_not_a_working_day() -> None:
    assert not is_workday(date(2026, 10, 1))  # 国庆节


def test_a_make_up_saturday_is_a_working_day() -> None:
    assert is_workday(date(2026, 10, 10))  # 2026's National Day make-up Saturday
    assert not is_workday(date(2026, 10, 11))  # the Sunday after it


def test_a_year_without_calendar_data_counts_monday_to_friday() -> None:
    assert is_workday(date(2031, 1, 6))  # a Monday
    assert not is_workday(date(2031, 1, 4))  # a Saturday


def test_working_days_skip_the_national_day_week() -> None:
    assert working_days_after(date(2026, 9, 30), date(2026, 10, 9)) == 2  # 10-08 and 10-09


def test_an_acceptance_on_the_fifth_working_day_is_in_time() -> None:
    assert late_steps(date(2026, 3, 2), date(2026, 3, 9), date(2026, 4, 1)) == []


def test_an_acceptance_on_the_sixth_working_day_is_late() -> None:
    assert late_steps(date(2026, 3, 2), date(2026, 3, 10), date(2026, 4, 1)) == [
        LateStep("acceptance", "§5.2", 6, 5)
    ]


def test_a_decision_after_sixty_working_days_is_late() -> None:
    (late,) = late_steps(None, date(2026, 3, 2), date(2026, 6, 30))

    assert (late.step, late.section, late.limit) == ("decision", "§5.7", 60)
    assert late.working_days > 60


# §5.4: 20 working days from the evaluation papers (2025-09-19) to the decision, across the
# National Day week (10-01 to 10-08 off, 09-28 and 10-11 worked): the 20th is 2025-10-23.
def test_a_decision_on_the_twentieth_working_day_after_the_papers_is_in_time() -> None:
    assert late_steps(None, None, date(2025, 10, 23), papers_received=date(2025, 9, 19)) == []


def test_a_decision_on_the_twenty_first_working_day_after_the_papers_is_late() -> None:
    assert late_steps(None, None, date(2025, 10, 24), papers_received=date(2025, 9, 19)) == [
        LateStep("review", "§5.4", 21, 20)
    ]
