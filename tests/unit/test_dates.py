from datetime import UTC, date, datetime

from registry.rules.dates import first_day_of_period_ending, last_day_of_period, local_date


def test_three_year_validity_ends_the_day_before_the_third_anniversary() -> None:
    assert last_day_of_period(date(2026, 5, 11), months=36) == date(2029, 5, 10)


def test_validity_from_the_first_of_a_month_ends_on_the_last_day_of_the_previous_month() -> None:
    assert last_day_of_period(date(2026, 3, 1), months=36) == date(2029, 2, 28)


def test_validity_from_a_leap_day_ends_on_the_last_day_of_february() -> None:
    assert last_day_of_period(date(2028, 2, 29), months=36) == date(2031, 2, 28)


def test_six_months_from_the_end_of_august_end_at_the_end_of_february() -> None:
    assert last_day_of_period(date(2026, 8, 31), months=6) == date(2027, 2, 28)


def test_six_months_from_the_first_of_march_end_on_the_last_day_of_august() -> None:
    assert last_day_of_period(date(2026, 3, 1), months=6) == date(2026, 8, 31)


def test_six_months_from_the_29th_of_august_end_at_the_end_of_february() -> None:
    assert last_day_of_period(date(2025, 8, 29), months=6) == date(2026, 2, 28)


def test_six_month_window_before_expiry_opens_six_calendar_months_earlier() -> None:
    assert first_day_of_period_ending(date(2029, 5, 10), months=6) == date(2028, 11, 11)


def test_the_registry_day_is_beijing_time() -> None:
    assert local_date(datetime(2026, 11, 24, 16, 30, tzinfo=UTC)) == date(2026, 11, 25)
