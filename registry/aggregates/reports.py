"""The regulator's monthly reports: which were made, when, over what (§6.3.3)."""

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, uuid5

from registry.aggregates.chain import Chained, Stamp

REPORTS_ID = uuid5(NAMESPACE_URL, "/certregistry/regulator-reports")


class RegulatorReports(Chained):
    """Every monthly report made: month, items, their positions, the digest of the file."""

    if TYPE_CHECKING:
        made: dict[str, date]  # month (YYYY-MM) -> the day its first report was made
        monthly: dict[str, "RegulatorReports.MonthlyReportMade"]  # month -> how it was made
        # month -> the last position its report held: a report by the former rule (by day
        # recorded) counts as bounded by the last change it listed
        bounds: dict[str, int]

    @classmethod
    def start(cls, *, stamp: Stamp) -> "RegulatorReports":
        return cls._begin(cls.Started, id=REPORTS_ID, stamp=stamp, effective_date=None)

    def record(
        self,
        *,
        month: str,
        items: int,
        first_position: int | None,
        last_position: int | None,
        sha256: str,
        made_on: date,
        stamp: Stamp,
    ) -> None:
        self._record(
            self.ReportMade,
            stamp=stamp,
            effective_date=made_on,
            month=month,
            items=items,
            first_position=first_position,
            last_position=last_position,
            sha256=sha256,
        )

    def record_monthly(
        self,
        *,
        month: str,
        items: int,
        up_to_position: int,
        after: tuple[str, int] | None,
        sha256: str,
        made_on: date,
        stamp: Stamp,
    ) -> None:
        """A month's report by the rule of `registry.reports.monthly_changes`: the changes
        effective by the month's end and stored by `up_to_position`, less those the report
        of month `after[0]` (stored by `after[1]`) held. `sha256`: its manifest's."""
        self._record(
            self.MonthlyReportMade,
            stamp=stamp,
            effective_date=made_on,
            month=month,
            items=items,
            up_to_position=up_to_position,
            after_month=None if after is None else after[0],
            after_position=None if after is None else after[1],
            sha256=sha256,
        )

    class Started(Chained.Created):
        def apply(self, reports: "RegulatorReports") -> None:
            reports.made = {}
            reports.monthly = {}
            reports.bounds = {}

    class ReportMade(Chained.Event):
        month: str
        items: int
        first_position: int | None
        last_position: int | None
        sha256: str

        def apply(self, reports: "RegulatorReports") -> None:
            assert self.effective_date is not None
            reports.made.setdefault(self.month, self.effective_date)
            reports.bounds.setdefault(self.month, self.last_position or 0)

    class MonthlyReportMade(Chained.Event):
        """A new event rather than a field added to ReportMade: a stored event's hash covers
        its fields, so the old one's fields stay as they are."""

        month: str
        items: int
        up_to_position: int
        after_month: str | None
        after_position: int | None
        sha256: str

        def apply(self, reports: "RegulatorReports") -> None:
            assert self.effective_date is not None
            reports.made.setdefault(self.month, self.effective_date)
            reports.monthly.setdefault(self.month, self)
            reports.bounds.setdefault(self.month, self.up_to_position)
