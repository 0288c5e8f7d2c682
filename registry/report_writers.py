"""A regulator report's rows written into its files as they come: CSV (UTF-8 with a BOM, for
Excel), JSON and XLSX. Nothing holds the whole report, so its size is bounded by the disk, not
by memory: the first monthly report after importing a registry lists every change it ever had
(a million certificates, five million rows)."""

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any, BinaryIO, Protocol, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# The column titles a CNCA submission uses (README maps them to the JSON fields).
COLUMNS = [
    ("position", "序号"),
    ("certificate_no", "证书编号"),
    ("registration_no", "注册号"),
    ("holder_name", "获证组织名称"),
    ("uscc", "统一社会信用代码"),
    ("project", "认证项目"),
    ("event", "事件"),
    ("event_name", "事件名称"),
    ("status", "证书状态"),
    ("reason", "原因代码"),
    ("reason_text", "原因"),
    ("effective_date", "状态变化日期"),
    ("recorded_at", "记录时间"),
]
TITLES = [title for _, title in COLUMNS]
SHEET = "状态变更"
# The most rows a worksheet may have (Excel's limit), its title row included: a longer report
# goes on in further sheets, `状态变更 2`, `状态变更 3`, each with the titles again.
SHEET_ROWS = 1_048_576
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Item = Mapping[str, Any]


class RowWriter(Protocol):
    def add(self, item: Item) -> None: ...

    def close(self) -> None: ...


class CsvRows:
    """One line an item, CRLF, after a BOM; a text cell a spreadsheet would run stays text."""

    def __init__(self, out: IO[bytes], start: str, end: str) -> None:
        self.text = _text(out)
        self.text.write("\ufeff")  # the BOM makes Excel read UTF-8
        self.lines = csv.writer(self.text, lineterminator="\r\n")
        self.lines.writerow(TITLES)

    def add(self, item: Item) -> None:
        self.lines.writerow(["" if item[key] is None else _inert(item[key]) for key, _ in COLUMNS])

    def close(self) -> None:
        self.text.detach()  # flushed into `out`, which stays open


class JsonRows:
    """`{"from", "to", "items": […]}`, byte for byte what `json.dumps(document,
    ensure_ascii=False, indent=1)` writes, an item at a time."""

    def __init__(self, out: IO[bytes], start: str, end: str) -> None:
        self.text = _text(out)
        empty = json.dumps({"from": start, "to": end, "items": []}, ensure_ascii=False, indent=1)
        self.text.write(empty.removesuffix("[]\n}") + "[")
        self.first = True

    def add(self, item: Item) -> None:
        self.text.write("\n  " if self.first else ",\n  ")
        self.text.write(json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n  "))
        self.first = False

    def close(self) -> None:
        self.text.write("]\n}" if self.first else "\n ]\n}")
        self.text.detach()


class XlsxRows:
    """A write-only workbook: rows go to openpyxl's temporary file as they come (a sheet held
    whole, and looked up row by row, made a month of 100k changes quadratic in time and over
    700 MB), and the workbook is zipped into `out` at the end."""

    def __init__(
        self, out: IO[bytes], start: str, end: str, *, rows_per_sheet: int = SHEET_ROWS
    ) -> None:
        self.out = out
        self.book = Workbook(write_only=True)
        self.rows_per_sheet = rows_per_sheet
        self._next_sheet()

    def _next_sheet(self) -> None:
        number = len(self.book.worksheets) + 1
        self.sheet = self.book.create_sheet(SHEET if number == 1 else f"{SHEET} {number}")
        self.sheet.append(TITLES)
        self.rows = 1

    def add(self, item: Item) -> None:
        if self.rows == self.rows_per_sheet:
            self._next_sheet()
        self.sheet.append([_as_text(self.sheet, item[key]) for key, _ in COLUMNS])
        self.rows += 1

    def close(self) -> None:
        self.book.save(self.out)


WRITERS: dict[str, type[CsvRows] | type[JsonRows] | type[XlsxRows]] = {
    "csv": CsvRows,
    "json": JsonRows,
    "xlsx": XlsxRows,
}


def write(items: Iterable[Item], files: Mapping[str, IO[bytes]], start: str, end: str) -> int:
    """Every item into each of `files` (format -> binary file), in one pass; how many."""
    writers: list[RowWriter] = [WRITERS[fmt](out, start, end) for fmt, out in files.items()]
    count = 0
    for item in items:
        for writer in writers:
            writer.add(item)
        count += 1
    for writer in writers:
        writer.close()
    return count


def _text(out: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 text into `out`, buffered, newlines as written."""
    return io.TextIOWrapper(cast(BinaryIO, out), encoding="utf-8", newline="")


def _inert(value: object) -> object:
    """A text cell that a spreadsheet would run, with a leading `'` that keeps it text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _as_text(sheet: Any, value: object) -> object:
    """A cell value; openpyxl reads a leading = as a formula, so such a string stays text."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell
