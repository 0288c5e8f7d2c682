"""Reports to the regulator (§6.3.3): every status change recorded in a period, as CSV (UTF-8
with BOM, for Excel), JSON or XLSX, signed; the monthly report, due by the 10th of the next
month, and the changes not reported by their deadline; and the check of a report against its
signed manifest that anyone holding the registry's public keys can run."""

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import file_digest
from pathlib import Path
from typing import Any, Literal, cast

from eventsourcing.application import AggregateNotFoundError

from registry import canonical
from registry.aggregates.chain import Stamp
from registry.aggregates.reports import REPORTS_ID, RegulatorReports
from registry.application import Registry
from registry.errors import InvalidInput, LifecycleConflict, RegistryError
from registry.projections.feed import Change
from registry.report_writers import write
from registry.rules.dates import ONE_DAY, day_start_utc, local_date
from registry.signing import REPORT_TYP, Keys, detached_header, verify_detached

DEADLINE_DAY = 10  # the monthly report is due by the 10th of the following month
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILES = (*FORMATS, "manifest.json")  # a monthly report's files
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
# The certificate's status right after each change (证书状态).
STATUS_AFTER = {"Suspended": "暂停", "Revoked": "撤销", "Cancelled": "注销", "Expired": "过期"}
PROJECT = "大规模个性化定制服务认证"  # 认证项目: the certification of CESI-SC-OD13


@dataclass(frozen=True)
class Report:
    body: bytes
    media_type: str
    filename: str
    signature: str  # detached JWS over `body`
    rows: int
    manifest: bytes  # RFC 8785 JSON {from, to, format, generated_at, sha256}: binds the period
    manifest_signature: str  # detached JWS over `manifest`


class ReportItem(Change):
    event_name: str  # Chinese
    status: str  # 证书状态 right after the change, Chinese
    project: str  # 认证项目


def status_changes(registry: Registry, start: date, end: date) -> list[ReportItem]:
    """Every feed item recorded on a Beijing day from `start` to `end`, in position order."""
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to")
    registry.catch_up_projections()
    changes = registry.feed.recorded_between(day_start_utc(start), day_start_utc(end + ONE_DAY))
    return [_item(change) for change in changes]


def monthly_changes(
    registry: Registry, month: str, up_to_position: int, after: tuple[str, int] | None
) -> Iterator[ReportItem]:
    """The monthly rule (§6.3.3): every status change *effective* by the month's last day
    (Beijing) and stored by `up_to_position` (the log's head when the report is made), less
    what the previous report held (effective by *its* month's end and stored by *its*
    position). Both bounds only grow from one report to the next, so each change is in the
    first report whose bounds reach it: a change recorded late (backdated) goes into the
    month it is effective in if that report is not made yet, else into the next; none is
    dropped or doubled."""
    _, end = month_bounds(month)
    less = None if after is None else (month_bounds(after[0])[1].isoformat(), after[1])
    changes = registry.feed.effective_and_stored_by(end.isoformat(), up_to_position, less)
    return (_item(change) for change in changes)


def _item(change: Change) -> ReportItem:
    return {
        **change,
        "event_name": EVENT_NAMES[change["event"]],
        "status": STATUS_AFTER.get(change["event"], "有效"),
        "project": PROJECT,
    }


def render(
    items: list[ReportItem],
    fmt: str,
    start: date,
    end: date,
    keys: Keys,
    *,
    generated_at: datetime,
) -> Report:
    if fmt not in FORMATS:
        raise InvalidInput(f"format is csv, json or xlsx, not {fmt!r}", field="format")
    out = io.BytesIO()
    write(items, {fmt: out}, start.isoformat(), end.isoformat())
    body = out.getvalue()
    _, signature = keys.sign_detached(body, REPORT_TYP)
    # The body alone does not say its period (two empty months are the same bytes): the
    # manifest does, and names the body by its digest.
    manifest = canonical.dumps(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "format": fmt,
            "generated_at": generated_at.isoformat(),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    )
    _, manifest_signature = keys.sign_detached(manifest, REPORT_TYP)
    name = f"status-changes-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Report(body, FORMATS[fmt], name, signature, len(items), manifest, manifest_signature)


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
    """Write the month's report (CSV, JSON and XLSX, each with a .jws signature, and a signed
    manifest of the three) and record it. Made again, a month's report holds the same
    changes (its recorded bound is kept) and nothing new is recorded."""
    start, end = month_bounds(month)
    today = registry.today()
    if end >= today:
        raise LifecycleConflict(
            f"{month} has not ended: its report can be made from {end + ONE_DAY}"
        )
    # The bound is read before catching up: the feed then holds every change it covers.
    head = registry.recorder.max_notification_id() or 0
    registry.catch_up_projections()
    reports = _reports(registry) or RegulatorReports.start(stamp=Stamp(actor, registry.clock()))
    made = reports.monthly.get(month)
    later = sorted(m for m in reports.monthly if m > month)
    if made is None and later:
        raise LifecycleConflict(
            f"the report of {later[0]} is made: {month}'s changes are in it (reports follow "
            "one another in order)"
        )
    if made is not None:
        up_to = made.up_to_position
        after = None if made.after_month is None else (made.after_month, made.after_position or 0)
    else:
        up_to = head
        after = _previous(reports, month)
    folder.mkdir(parents=True, exist_ok=True)
    parts = {fmt: _part(folder, month, fmt) for fmt in FORMATS}
    try:
        with ExitStack() as stack:
            outs = {fmt: stack.enter_context(path.open("xb")) for fmt, path in parts.items()}
            items = write(
                monthly_changes(registry, month, up_to, after),
                outs,
                start.isoformat(),
                end.isoformat(),
            )
        signatures: dict[str, bytes] = {}  # file suffix -> its detached signature
        files = {}
        for fmt, path in parts.items():
            with path.open("rb") as body:
                digest = file_digest(body, "sha256").hexdigest()
            files[fmt] = {"sha256": digest, "bytes": path.stat().st_size}
            signatures[f"{fmt}.jws"] = _signature(keys.sign_detached_file(path, REPORT_TYP))
        manifest = canonical.dumps(
            {
                "month": month,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "rule": MONTHLY_RULE,
                "items": items,
                "up_to_position": up_to,
                "after": None if after is None else {"month": after[0], "up_to_position": after[1]},
                "files": files,
            }
        )
        if made is None:  # two processes making it at once: the second fails here, writes nothing
            reports.record_monthly(
                month=month,
                items=items,
                up_to_position=up_to,
                after=after,
                sha256=hashlib.sha256(manifest).hexdigest(),
                made_on=today,
                stamp=Stamp(actor, registry.clock()),
            )
            registry.save(reports)
        # The signatures and manifest first: a file is served only once it is in place, and
        # then with its signature.
        small = {
            **signatures,
            "manifest.json": manifest,
            "manifest.json.jws": _signature(keys.sign_detached(manifest, REPORT_TYP)),
        }
        for suffix, content in small.items():
            (folder / f"regulator-report-{month}.{suffix}").write_bytes(content)
        for fmt, path in parts.items():
            path.replace(folder / f"regulator-report-{month}.{fmt}")
    finally:
        for path in parts.values():
            path.unlink(missing_ok=True)
    return folder / f"regulator-report-{month}.csv"


def _part(folder: Path, month: str, fmt: str) -> Path:
    """Where a report's file is written before it is recorded: a name of its own, so that two
    processes making the same report never write into one file."""
    return folder / f".regulator-report-{month}.{fmt}.{uuid.uuid4().hex}.part"


def _signature(signed: tuple[str, str]) -> bytes:
    """A `.jws` file's content: the detached JWS of (kid, JWS) and a newline."""
    return (signed[1] + "\n").encode()


MONTHLY_RULE = (
    "changes effective by the month's last day (Beijing) and stored by up_to_position, "
    "less those effective by the previous report's month end and stored by its up_to_position"
)


def _previous(reports: RegulatorReports, month: str) -> tuple[str, int] | None:
    """The latest report before `month` and the position it was bounded by."""
    earlier = [m for m in reports.bounds if m < month]
    return None if not earlier else (max(earlier), reports.bounds[max(earlier)])


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


@dataclass(frozen=True)
class MonthReport:
    """Where one month's report stands: `made` (on `made_on`), `due` (by `deadline`),
    `overdue` (changes not reported by the deadline) or `nothing` (no changes, past it)."""

    month: str
    deadline: date
    made_on: date | None
    state: Literal["made", "due", "overdue", "nothing"]


def month_report(
    registry: Registry, month: str, late_months: list[Overdue] | None = None
) -> MonthReport:
    """The state of `month`'s report, due by the 10th of the following month (§6.3.3);
    `late_months`, when the caller has them, spares reading the feed again."""
    due = deadline(month)
    made_on = None if (reports := _reports(registry)) is None else reports.made.get(month)
    if made_on is not None:
        return MonthReport(month, due, made_on, "made")
    if registry.today() <= due:
        return MonthReport(month, due, None, "due")
    late = any(
        o.month == month for o in (overdue(registry) if late_months is None else late_months)
    )
    return MonthReport(month, due, None, "overdue" if late else "nothing")


def _months_with_changes(registry: Registry) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    last = 0
    while rows := registry.feed.recorded_times(last):
        for position, recorded_at in rows:
            month = local_date(datetime.fromisoformat(recorded_at)).isoformat()[:7]
            counts[month] = counts.get(month, 0) + 1
            last = position
    return sorted(counts.items())


def monthly_reports(registry: Registry, folder: Path) -> list[dict[str, Any]]:
    """Every month reported, oldest first: its period, when it was made, how many changes,
    its bounds, the digest of its manifest, and which of its files `folder` holds."""
    reports = _reports(registry)
    listed = []
    for month, made_on in sorted(({} if reports is None else reports.made).items()):
        start, end = month_bounds(month)
        made = None if reports is None else reports.monthly.get(month)
        signature = folder / f"regulator-report-{month}.manifest.json.jws"
        listed.append(
            {
                "month": month,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "made_on": made_on.isoformat(),
                "made_at": None if made is None else made.timestamp.isoformat(),
                "items": None if made is None else made.items,
                "up_to_position": None if made is None else made.up_to_position,
                "manifest_sha256": None if made is None else made.sha256,
                "signature": signature.read_text().strip() if signature.exists() else None,
                "formats": [f for f in FILES if report_file(folder, month, f)],
            }
        )
    return listed


def report_file(folder: Path, month: str, fmt: str) -> Path | None:
    """A monthly report's file (csv, json, xlsx or manifest.json) if `folder` holds it."""
    month_bounds(month)  # refuses what is not a month
    if fmt not in FILES:
        raise InvalidInput(f"format is csv, json, xlsx or manifest.json, not {fmt!r}")
    path = folder / f"regulator-report-{month}.{fmt}"
    return path if path.is_file() else None


def reports_made(registry: Registry) -> dict[str, date]:
    """Month (YYYY-MM) -> the day its report was first made."""
    reports = _reports(registry)
    return {} if reports is None else dict(sorted(reports.made.items()))


def _reports(registry: Registry) -> RegulatorReports | None:
    try:
        return cast(RegulatorReports, registry.repository.get(REPORTS_ID))
    except AggregateNotFoundError:
        return None


class ReportMismatch(RegistryError):
    """A report its signed manifest does not vouch for."""

    slug = "report-mismatch"
    title = "The report does not match its signed manifest"


@dataclass(frozen=True)
class Vouched:
    """What a signed manifest says of the report it names."""

    format: str
    start: str
    end: str
    month: str | None  # a monthly report's month; None for a period report
    kid: str  # the key that signed the manifest


def check_report(
    body: bytes | io.BufferedReader, manifest: bytes, signature: str, jwks: dict[str, Any]
) -> Vouched:
    """The report `body` as its manifest vouches for it: the manifest signed for reports
        (`report+jws`) by a key of `jwks`, and naming the body's SHA-256 (a monthly manifest
        names each of its files, a period report's its one body). A body may be an open file: it
    is hashed as it is read, never held whole. Raises `ReportMismatch`."""
    if not verify_detached(signature.strip(), manifest, jwks, REPORT_TYP):
        raise ReportMismatch(
            "the manifest's signature does not verify with the key set: the manifest was "
            "changed, or a key the registry does not publish signed it"
        )
    try:
        document = json.loads(manifest)
        files = document.get("files") or {document["format"]: {"sha256": document["sha256"]}}
        digests = {str(fmt): str(entry["sha256"]) for fmt, entry in files.items()}
        start, end = str(document["from"]), str(document["to"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ReportMismatch("the signed file is not a report's manifest") from None
    digest = (
        hashlib.sha256(body) if isinstance(body, bytes) else file_digest(body, "sha256")
    ).hexdigest()
    fmt = next((f for f, named in digests.items() if named == digest), None)
    if fmt is None:
        raise ReportMismatch(
            f"its SHA-256 {digest[:16]}… is not one the signed manifest names: the report "
            "was changed, or the manifest is another report's"
        )
    month = document.get("month")
    kid = str((detached_header(signature.strip()) or {}).get("kid"))
    return Vouched(fmt, start, end, None if month is None else str(month), kid)
