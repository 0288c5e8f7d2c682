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

    class Started(Chained.Created):
        def apply(self, reports: "RegulatorReports") -> None:
            reports.made = {}

    class ReportMade(Chained.Event):
        month: str
        items: int
        first_position: int | None
        last_position: int | None
        sha256: str

        def apply(self, reports: "RegulatorReports") -> None:
            assert self.effective_date is not None
            reports.made.setdefault(self.month, self.effective_date)
