"""Date arithmetic of the rule: periods in calendar months, the registry's time zone."""

from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

from dateutil.relativedelta import relativedelta

# Beijing time: the certification body decides in it, and China keeps no daylight saving.
REGISTRY_TZ = timezone(timedelta(hours=8), "CST")

ONE_DAY = timedelta(days=1)
# Dates outside these are typing errors (legacy imports reach back to 1900) and would
# overflow the arithmetic of periods.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


@lru_cache(maxsize=1 << 14)  # pure, and asked of the same few dates again and again
def last_day_of_period(start: date, *, months: int) -> date:
    """The last day of a period of `months` calendar months that begins on `start`.

    The period includes its first day and ends the day before the corresponding day, so a
    3-year certificate issued on 2026-05-11 is valid until 2029-05-10 (§6.1); where the last
    month has no corresponding day, the period ends on that month's last day (Civil Code
    art. 202): 2026-08-31 + 6 months ends on 2027-02-28, 2028-02-29 + 3 years on 2031-02-28.
    """
    corresponding = start + relativedelta(months=months)  # clamped to the month's end
    return corresponding if corresponding.day != start.day else corresponding - ONE_DAY


def first_day_of_period_ending(end: date, *, months: int) -> date:
    """The first day of the period of `months` calendar months that ends on `end`."""
    return (end + ONE_DAY) - relativedelta(months=months)


def local_date(moment: datetime) -> date:
    """The calendar date of an aware moment in the registry's time zone."""
    return moment.astimezone(REGISTRY_TZ).date()


def day_start_utc(day: date) -> str:
    """The start of a Beijing day as UTC ISO text: how recorded times are stored and compared."""
    return datetime.combine(day, datetime.min.time(), REGISTRY_TZ).astimezone(UTC).isoformat()
