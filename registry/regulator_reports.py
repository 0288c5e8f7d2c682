"""Reports to the regulator (§6.3.3): every status change recorded in a period, as CSV (UTF-8
with BOM, for Excel), JSON or XLSX, signed; the monthly report, due by the 10th of the next
month, and the changes not reported by their deadline."""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import cast

from eventsourcing.application import AggregateNotFoundError
from openpyxl import Workbook

from registry.aggregates.chain import Stamp
from registry.aggregates.reports import REPORTS_ID, RegulatorReports
from registry.application import Registry
from registry.errors import InvalidInput, LifecycleConflict
from registry.projections.feed import Change
from registry.rules.dates import ONE_DAY, day_start_utc, local_date
from registry.signing import Keys

DEADLINE_DAY = 10  # the monthly report is due by the 10th of the following month
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EVENT_NAMES = {
    "Issued": "颁证",
    "Suspended": "暂停",
    "Restored": "恢复",
    "Revoked": "撤销",
    "Cancelled": "注销",
    "Expired": "过期",
    "ScopeNarrowed": "缩小认证范围",
    "LevelChanged": "级别变更",
    "HolderDetailsChanged": "获证组织信息变更",
    "Recertified": "再认证换证",
}
COLUMNS = [
    ("position", "序号"),
    ("certificate_no", "证书编号"),
    ("registration_no", "注册号"),
    ("holder_name", "获证组织"),
    ("uscc", "统一社会信用代码"),
    ("event", "事件"),
    ("event_name", "事件名称"),
    ("reason", "原因代码"),
    ("reason_text", "原因"),
    ("effective_date", "生效日期"),
    ("recorded_at", "记录时间"),
]


@dataclass(frozen=True)
class Report:
    body: bytes
    media_type: str
    filename: str
    signature: str  # detached JWS over `body`
    rows: int


class ReportItem(Change):
    event_name: str  # Chinese


def status_changes(registry: Registry, start: date, end: date) -> list[ReportItem]:
    """Every feed item recorded on a Beijing day from `start` to `end`, in position order."""
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to")
    registry.catch_up_projections()
    changes = registry.feed.recorded_between(day_start_utc(start), day_start_utc(end + ONE_DAY))
    return [{**change, "event_name": EVENT_NAMES[change["event"]]} for change in changes]


def _rows(items: list[ReportItem]) -> list[list[object]]:
    """Each item's values in the order of the report's columns."""
    return [[cast(dict[str, object], item)[key] for key, _ in COLUMNS] for item in items]


def render(items: list[ReportItem], fmt: str, start: date, end: date, keys: Keys) -> Report:
    if fmt not in FORMATS:
        raise InvalidInput(f"format is csv, json or xlsx, not {fmt!r}", field="format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([title for _, title in COLUMNS])
        for row in _rows(items):
            writer.writerow(["" if value is None else value for value in row])
        body = buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    elif fmt == "json":
        document = {"from": start.isoformat(), "to": end.isoformat(), "items": items}
        body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "状态变更"
        sheet.append([title for _, title in COLUMNS])
        for row in _rows(items):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        body = out.getvalue()
    _, signature = keys.sign_detached(body)
    name = f"status-changes-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Report(body, FORMATS[fmt], name, signature, len(items))


def month_bounds(month: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(f"month is YYYY-MM, not {month!r}", field="month") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - ONE_DAY


def deadline(month: str) -> date:
    _, last = month_bounds(month)
    return last + ONE_DAY * DEADLINE_DAY


def make_monthly(registry: Registry, keys: Keys, month: str, folder: Path, actor: str) -> Path:
    """Write the month's report (CSV, JSON and XLSX, each with a .jws signature) and record it."""
    start, end = month_bounds(month)
    today = registry.today()
    if end >= today:
        raise LifecycleConflict(
            f"{month} has not ended: its report can be made from {end + ONE_DAY}"
        )
    items = status_changes(registry, start, end)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for fmt in FORMATS:
        report = render(items, fmt, start, end, keys)
        path = folder / f"regulator-report-{month}.{fmt}"
        path.write_bytes(report.body)
        path.with_name(path.name + ".jws").write_text(report.signature + "\n")
        digest.update(report.body)
    reports = _reports(registry) or RegulatorReports.start(stamp=Stamp(actor, registry.clock()))
    reports.record(
        month=month,
        items=len(items),
        first_position=items[0]["position"] if items else None,
        last_position=items[-1]["position"] if items else None,
        sha256=digest.hexdigest(),
        made_on=today,
        stamp=Stamp(actor, registry.clock()),
    )
    registry.save(reports)
    return folder / f"regulator-report-{month}.csv"


@dataclass(frozen=True)
class Overdue:
    month: str
    deadline: date
    made_on: date | None  # None: never reported
    items: int


def overdue(registry: Registry) -> list[Overdue]:
    """Months with status changes whose report was not made by the 10th of the next month."""
    today = registry.today()
    made = {} if (reports := _reports(registry)) is None else reports.made
    registry.catch_up_projections()
    found = []
    for month, count in _months_with_changes(registry):
        due = deadline(month)
        reported = made.get(month)
        late = (reported is None and today > due) or (reported is not None and reported > due)
        if late:
            found.append(Overdue(month, due, reported, count))
    return found


def _months_with_changes(registry: Registry) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    last = 0
    while rows := registry.feed.recorded_times(last):
        for position, recorded_at in rows:
            month = local_date(datetime.fromisoformat(recorded_at)).isoformat()[:7]
            counts[month] = counts.get(month, 0) + 1
            last = position
    return sorted(counts.items())


def made_reports(registry: Registry) -> dict[str, date]:
    """Every month whose report was made, with the day it first was."""
    reports = _reports(registry)
    return {} if reports is None else dict(sorted(reports.made.items()))


def _reports(registry: Registry) -> RegulatorReports | None:
    try:
        return cast(RegulatorReports, registry.repository.get(REPORTS_ID))
    except AggregateNotFoundError:
        return None
