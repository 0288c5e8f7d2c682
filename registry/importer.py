"""Bulk import: certificates from CSV (current state and, optionally, their history).

Each row is checked by the same commands as the API; a bad row is reported with its line
number and nothing of it is stored, and the rest goes on. Rows are saved in batches (one
transaction each) and the projections catch up after each batch. Nothing is read to check
for a row imported before: the store refuses it (its number, or the record of a row without
one, exists), the batch is saved again row by row, and that row is skipped; so an
interrupted import can be run again with nothing doubled.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Recording

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Stamp
from registry.aggregates.command_record import CommandRecord
from registry.application import Registry
from registry.errors import InvalidInput, LifecycleConflict, RegistryError, RuleViolation
from registry.rules.levels import COUNTS
from registry.rules.lifecycle import COMMAND_NAMES, CommandName, Status
from registry.rules.numbers import parse_number, registration_no, registration_year, sequence_of
from registry.spreadsheets import Header, read_rows

BATCH = 200
REQUIRED = ("holder_name", "uscc", "address", "level", "decision_date", "person_days", "sites")
COLUMNS = (
    "registration_no",
    "holder_name",
    "holder_name_en",
    "uscc",
    "address",
    "level",
    "decision_date",
    "issue_date",
    "application_date",
    "acceptance_date",
    "papers_received_date",
    "signatory",
    "person_days",
    "not_met",
    "partially_met",
    "fully_met",
    "functions_met",
    "platform_met",
    "report_ref",
    "sites",
    "history",
    "status",
    "status_date",
    "reason",
    "details",
)
# A terminal or suspended status at import: the command that puts the certificate there.
STATUS_COMMANDS: dict[Status, CommandName] = {
    Status.SUSPENDED: "suspend",
    Status.REVOKED: "revoke",
    Status.CANCELLED: "cancel",
}


# The columns (and the fields the rules name) as a registrar calls them, for the Chinese half
# of a row's refusal.
COLUMN_NAMES = {
    "registration_no": "注册号",
    "holder_name": "获证组织名称",
    "holder_name_en": "获证组织英文名称",
    "uscc": "统一社会信用代码",
    "address": "地址",
    "level": "认证级别",
    "decision_date": "认证决定日期",
    "issue_date": "颁证日期",
    "application_date": "申请日期",
    "acceptance_date": "受理日期",
    "signatory": "签发人",
    "person_days": "现场审核人日",
    "not_met": "不满足条款数",
    "partially_met": "部分满足条款数",
    "fully_met": "完全满足条款数",
    "functions_met": "满足的功能模块",
    "platform_met": "交互平台",
    "report_ref": "评价报告编号",
    "evaluation": "评价结果",
    "sites": "认证场所",
    "site_address": "场所地址",
    "activity": "场所的活动",
    "history": "历史记录",
    "status": "证书状态",
    "status_date": "状态变化日期",
    "reason": "原因",
    "details": "说明",
}
# A field the rules name (`holder.uscc`, `scope.sites.address`) -> the column it comes from.
FIELD_COLUMNS = {
    "holder.name": "holder_name",
    "holder.name_en": "holder_name_en",
    "holder.uscc": "uscc",
    "holder.address": "address",
    "scope.sites": "sites",
    "scope.sites.address": "site_address",
    "scope.sites.activities": "activity",
}


class RowRefused(InvalidInput):
    """A value of a row the importer itself refuses, said in Chinese and in English."""

    def __init__(self, chinese: str, english: str, *, field: str | None = None):
        super().__init__(english, field=field)
        self.chinese = chinese


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0  # already in the registry (a resumed import)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, "中文 / English")


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a CSV (UTF-8 or GB18030) or XLSX file."""
    return read_rows(path, Header(COLUMNS, REQUIRED))


class Importer:
    def __init__(self, registry: Registry, actor: str = "import", *, legacy: bool = False):
        self.registry = registry
        self.actor = actor
        self.legacy = legacy  # admits decisions before the rule took effect
        self._next: dict[int, int] = {}  # year -> next free sequence

    def run(
        self,
        rows: Iterable[tuple[int, dict[str, str]]],
        *,
        progress: Callable[[int], object] = lambda _: None,
    ) -> ImportResult:
        result = ImportResult()
        batch: list[Pending] = []
        for line, row in rows:
            try:
                batch.append(self.pending(line, row))
            except (RegistryError, ValueError, TypeError, KeyError) as error:
                result.errors.append((line, _message(error)))
            progress(1)
            if len(batch) >= BATCH:
                self._save(batch, result)
                batch = []
        if batch:
            self._save(batch, result)
        return result

    def pending(self, line: int, row: dict[str, str]) -> "Pending":
        """The row's certificate and, for a row without a number, the durable record of the
        row that makes a second import of it a no-op."""
        record = None
        if not row.get("registration_no"):
            key = _row_key(row)
            cert = self.certificate(row)
            record = CommandRecord.accept(
                key=key,
                fingerprint=key,
                registration_no=cert.registration_no,
                version=cert.version,
                answered_on=self.registry.today(),
                stamp=Stamp(self.actor, self.registry.clock()),
            )
            return Pending(line, row, cert, record)
        return Pending(line, row, self.certificate(row), None)

    def certificate(self, row: dict[str, str]) -> Certificate:
        """One row as a certificate with its pending events; nothing is saved here."""
        stamp = Stamp(self.actor, self.registry.clock())
        decided = _date(row["decision_date"], "decision_date")
        number = self._number(row.get("registration_no", ""), decided)
        level = _int(row["level"], "level")
        evaluation = _evaluation(row)
        cert = Certificate.issue(
            registration_no=number,
            holder={
                "name": row["holder_name"],
                "name_en": row.get("holder_name_en", ""),
                "uscc": row["uscc"],
                "address": row["address"],
            },
            level=level,
            sites=_json(row["sites"], "sites"),
            decision_date=decided,
            issue_date=_date(row["issue_date"], "issue_date") if row.get("issue_date") else None,
            person_days=_float(row["person_days"], "person_days"),
            evaluation=evaluation,
            stamp=stamp,
            legacy=self.legacy,
            application_date=_optional_date(row, "application_date"),
            acceptance_date=_optional_date(row, "acceptance_date"),
            papers_received_date=_optional_date(row, "papers_received_date"),
            signatory=row.get("signatory") or None,
        )
        for step in _json(row.get("history") or "[]", "history"):
            _apply(cert, dict(step), stamp)
        status = row.get("status", "") or Status.VALID
        if status in STATUS_COMMANDS:
            arguments: dict[str, Any] = {"effective_date": _date(row["status_date"], "status_date")}
            if status == Status.CANCELLED:
                arguments["request_ref"] = row.get("details") or "导入"
            else:
                arguments |= {"reason": row.get("reason", ""), "details": row.get("details", "")}
            cert.run(STATUS_COMMANDS[Status(status)], arguments, stamp)
        elif status not in (Status.VALID, Status.EXPIRED):  # expiry follows from the dates
            raise RowRefused(
                f"证书状态应为 valid、suspended、revoked 或 cancelled，而不是 {status!r}",
                f"status is valid, suspended, revoked or cancelled, not {status!r}",
                field="status",
            )
        return cert

    def _number(self, given: str, decided: date) -> str:
        if given:
            ref = parse_number(given)
            if ref.revision is not None or registration_year(ref.registration_no) != decided.year:
                raise RowRefused(
                    "注册号应为 CESI{YYYY}EV/IMG1{NNNN}，YYYY 为认证决定的年份",
                    "registration_no is CESI{YYYY}EV/IMG1{NNNN} with YYYY the decision year",
                    field="registration_no",
                )
            self._next[decided.year] = max(
                self._next.get(decided.year, 1), sequence_of(ref.registration_no) + 1
            )
            return ref.registration_no
        if decided.year not in self._next:
            self._next[decided.year] = sequence_of(self.registry.next_registration_no(decided.year))
        sequence = self._next[decided.year]
        self._next[decided.year] += 1
        return registration_no(decided.year, sequence)

    def _save(self, batch: list["Pending"], result: ImportResult) -> None:
        saved = self._saved_together(batch, result)
        if saved is not None:  # the projector takes the events and certificates just built
            self.registry.projector.project_saved(saved, (item.cert for item in batch))
            return
        # Rows stored before, or a number taken.
        fresh = [item for item in batch if not self._stored(item)]
        result.skipped += len(batch) - len(fresh)
        # The failed save has collected the aggregates' events: the rows are made again.
        fresh = [self.pending(item.line, item.row) for item in fresh]
        if self._saved_together(fresh, result) is None:  # a number taken, or twice in the file
            for item in fresh:
                self._save_one(item, result)
        self.registry.projector.catch_up()

    def _saved_together(
        self, items: list["Pending"], result: ImportResult
    ) -> list[Recording[UUID]] | None:
        """Save the rows in one transaction and return what was recorded; None, with nothing
        saved, if one of their numbers or records exists already."""
        try:
            recordings = self.registry.save(*(a for p in items for a in p.aggregates))
        except IntegrityError:
            self._next.clear()
            return None
        result.imported += len(items)
        return recordings

    def _stored(self, item: "Pending") -> bool:
        """Whether an earlier run stored this row: its number, or the record of a row
        without one, exists (one indexed read, nothing decoded; a resumed import of a
        million rows skips the half it stored in seconds)."""
        stored = item.cert if item.record is None else item.record
        return self.registry.stored(stored.id)

    def _save_one(self, item: "Pending", result: ImportResult) -> None:
        """Save one row after its batch failed: a row already imported (its number, or the
        record of a row without one, exists) is skipped; a number taken meanwhile by another
        writer is allocated afresh once. The failed save has collected the aggregates'
        events, so the row is made again each time."""
        for attempt in (1, 2):
            item = self.pending(item.line, item.row)
            try:
                self.registry.save(*item.aggregates)
                result.imported += 1
                return
            except IntegrityError:
                if item.record is None or self.registry.stored(item.record.id):
                    result.skipped += 1
                    return
                if attempt == 2:
                    taken = item.cert.registration_no
                    result.errors.append((item.line, f"注册号 {taken} 已被占用 / {taken} is taken"))
                    return


@dataclass(frozen=True)
class Pending:
    line: int
    row: dict[str, str]
    cert: Certificate
    record: CommandRecord | None

    @property
    def aggregates(self) -> list[Certificate | CommandRecord]:
        return [self.cert] if self.record is None else [self.cert, self.record]


def _row_key(row: dict[str, str]) -> str:
    """The idempotency key of a row without a number: its content's digest."""
    return "import:" + hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()


def _apply(cert: Certificate, step: dict[str, Any], stamp: Stamp) -> None:
    command = step.pop("command", None)
    if command not in COMMAND_NAMES:
        names = ", ".join(COMMAND_NAMES)
        raise RowRefused(
            f"历史记录的命令应为以下之一：{names}",
            f"history command must be one of {names}",
            field="history",
        )
    dated = ("date", "effective_date", "decision_date", "corrective_deadline", "restore_deadline")
    for key in (*dated, "demand_date", "occurred_on"):
        if isinstance(step.get(key), str):
            step[key] = _date(step[key], key)
    if isinstance(step.get("nonconformities"), list):
        step["nonconformities"] = [
            n | {"deadline": _date(n["deadline"], "deadline")}
            if isinstance(n, dict) and isinstance(n.get("deadline"), str)
            else n
            for n in step["nonconformities"]
        ]
    cert.run(cast(CommandName, command), step, stamp)


def _message(error: Exception) -> str:
    """A row's refusal in Chinese, then in English: the importer's own words in both; the
    rules' (English) detail after a Chinese sentence naming the column and the section."""
    if isinstance(error, RowRefused):
        return f"{error.chinese} / {error}"
    if isinstance(error, RegistryError):
        return f"{_chinese(error)} / {error}"
    if isinstance(error, KeyError):
        name = str(error.args[0]) if error.args else ""
        return f"缺少{_column(name)}的值 / missing value {error}"
    return f"该行无法导入 / {error}"


def _chinese(error: RegistryError) -> str:
    """What a refusal of the rules is about, in Chinese: the column, the kind, the section."""
    column = "" if error.field is None else _column(error.field)
    section = f"（CESI-SC-OD13 {error.section}）" if error.section else ""
    if isinstance(error, RuleViolation):
        return f"{column}不符合认证规则{section}"
    if isinstance(error, LifecycleConflict):
        return f"{column}与证书的状态或历史不符{section}"
    return f"{column or '该行'}的值不正确{section}"


def _column(field: str) -> str:
    """`holder.uscc` -> 统一社会信用代码（uscc）; a field of no column keeps its own name."""
    column = FIELD_COLUMNS.get(field, field.removeprefix("evaluation."))
    name = COLUMN_NAMES.get(column)
    return f"{name}（{column}）" if name else f"字段 {field} "


def _evaluation(row: dict[str, str]) -> dict[str, Any] | None:
    """The row's evaluation: counts (none for level 1), `functions_met` as `1,5,6,7,8` and
    `platform_met` as `true` or `false`; None when the row has none of them."""
    counts = {k: row.get(k, "") for k in COUNTS}
    functions, platform = row.get("functions_met", ""), row.get("platform_met", "")
    if not any(counts.values()) and not functions and not platform:
        return None
    return {
        **{k: _int(v, k) for k, v in counts.items() if v},
        "functions_met": [f.strip() for f in functions.split(",") if f.strip()],
        "platform_met": _bool(platform, "platform_met"),
        "report_ref": row.get("report_ref", ""),
    }


def _optional_date(row: dict[str, str], field: str) -> date | None:
    return _date(row[field], field) if row.get(field) else None


def _bool(text: str, field: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise RowRefused(
            f"{_column(field)}应为 true 或 false，而不是 {text!r}",
            f"{field} must be true or false, not {text!r}",
            field=field,
        )
    return value == "true"


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowRefused(
            f"{_column(field)}应为日期 YYYY-MM-DD，而不是 {text!r}",
            f"{field} must be a date YYYY-MM-DD, not {text!r}",
            field=field,
        ) from None


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RowRefused(
            f"{_column(field)}应为整数，而不是 {text!r}",
            f"{field} must be a whole number, not {text!r}",
            field=field,
        ) from None


def _float(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RowRefused(
            f"{_column(field)}应为数字，而不是 {text!r}",
            f"{field} must be a number, not {text!r}",
            field=field,
        ) from None


def _json(text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise RowRefused(
            f"{_column(field)}应为 JSON", f"{field} must be JSON", field=field
        ) from None
