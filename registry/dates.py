"""Date arithmetic of the rule: periods in calendar months, the registry's time zone."""

from datetime import UTC, date, datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta

# Beijing time: the certification body decides in it, and China keeps no daylight saving.
REGISTRY_TZ = timezone(timedelta(hours=8), "CST")

ONE_DAY = timedelta(days=1)


def last_day_of_period(start: date, *, months: int) -> date:
    """The last day of a period of `months` calendar months that begins on `start`.

    The period includes its first day, so a 3-year certificate issued on 2026-05-11 is
    valid until 2029-05-10 (§6.1); a month without the corresponding day ends the period
    on its last day (2028-02-29 + 3 years ends on 2031-02-28).
    """
    return (start - ONE_DAY) + relativedelta(months=months)


def first_day_of_period_ending(end: date, *, months: int) -> date:
    """The first day of the period of `months` calendar months that ends on `end`."""
    return (end + ONE_DAY) - relativedelta(months=months)


def local_date(moment: datetime) -> date:
    """The calendar date of an aware moment in the registry's time zone."""
    return moment.astimezone(REGISTRY_TZ).date()


def end_of_year(year: int) -> date:
    return date(year, 12, 31)


def day_start_utc(day: date) -> str:
    """The start of a Beijing day as UTC ISO text: how recorded times are stored and compared."""
    return datetime.combine(day, datetime.min.time(), REGISTRY_TZ).astimezone(UTC).isoformat()
