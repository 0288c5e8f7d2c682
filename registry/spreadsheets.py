"""Import files as rows: CSV in UTF-8 (with or without BOM) or GB18030/GBK, and XLSX workbooks;
a certificate's sites may be one row per site and activity, as a registrar keeps them in Excel."""

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from openpyxl import load_workbook

from registry.errors import InvalidInput

Row = tuple[int, dict[str, str]]  # (line number in the file, column -> text)
SAMPLE = 1 << 20  # bytes read to tell the encoding
CHINESE = ("gb18030", "gbk", "gb2312")
SITE_COLUMNS = ("site_address", "activity")
# The columns of the certificate itself: a row that leaves them all empty continues the
# certificate above it with one more site or activity.
OWN_COLUMNS = ("registration_no", "holder_name", "uscc", "decision_date")


@dataclass(frozen=True)
class Header:
    columns: tuple[str, ...]  # every column a file may have
    required: tuple[str, ...]

    def check(self, names: Iterable[str] | None) -> None:
        names = [n for n in names or [] if n]
        site_rows = all(c in names for c in SITE_COLUMNS)
        missing = [c for c in self.required if c not in names and not (c == "sites" and site_rows)]
        if missing:
            listed = ", ".join(missing)
            raise InvalidInput(f"表头缺少列：{listed} / the header lacks {listed}")
        known = (*self.columns, *SITE_COLUMNS)
        unknown = [c for c in names if c not in known]
        if unknown:
            raise InvalidInput(
                f"未知列 {unknown[0]!r} / unknown column {unknown[0]!r}; "
                f"列为 / the columns are: {', '.join(known)}"
            )


def read_rows(path: Path, header: Header) -> Iterator[Row]:
    """The data rows of a CSV or XLSX file, with one-row-per-site lists folded into `sites`."""
    rows = _xlsx_rows(path, header) if _is_xlsx(path) else _csv_rows(path, header)
    return fold_sites(rows)


def _is_xlsx(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError as error:
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: OSError) -> InvalidInput:
    return InvalidInput(f"{path}: 无法读取文件 / cannot be read ({error.strerror or error})")


def encoding_of(sample: bytes) -> str:
    """utf-8-sig for UTF-8 (with or without BOM); gb18030 for GB18030, GBK or GB2312."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is not None and best.encoding.replace("_", "").lower() in CHINESE:
        return "gb18030"  # a superset of GBK and GB2312: decoding with it loses nothing
    guess = f" (it looks like {best.encoding})" if best is not None else ""
    raise InvalidInput(
        "文件编码既不是 UTF-8 也不是 GB18030/GBK，请另存为 CSV UTF-8 / "
        f"the file is neither UTF-8 nor GB18030/GBK{guess}: save it as CSV UTF-8"
    )


def _csv_rows(path: Path, header: Header) -> Iterator[Row]:
    try:
        with path.open("rb") as raw:
            encoding = encoding_of(raw.read(SAMPLE))
            raw.seek(0)
            file = io.TextIOWrapper(raw, encoding=encoding, newline="")
            reader = csv.DictReader(file)
            header.check(reader.fieldnames)
            try:
                for row in reader:
                    yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{path}:{reader.line_num + 1}: 该行编码与文件其余部分不一致 / "
                    f"not {encoding} text"
                ) from None
    except OSError as error:
        raise _unreadable(path, error) from None


def _xlsx_rows(path: Path, header: Header) -> Iterator[Row]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise InvalidInput(f"{path}: 不是 XLSX 工作簿 / not an XLSX workbook ({error})") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        names = [_text(v) for v in next(rows, ())]
        header.check(names)
        for line, values in enumerate(rows, start=2):
            texts = [_text(v) for v in values]
            if any(texts):
                yield line, {k: v for k, v in zip(names, texts, strict=False) if k}
    finally:
        book.close()


def _text(value: Any) -> str:
    """A cell as the text a CSV would hold: dates ISO, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def fold_sites(rows: Iterable[Row]) -> Iterator[Row]:
    """Rows with `site_address` and `activity` become one row per certificate with `sites`
    (JSON): a row whose certificate columns are all empty continues the one above. The
    certificate keeps the line number of its first row."""
    first: Row | None = None
    sites: dict[str, list[str]] = {}
    for line, row in rows:
        site_row = any(row.get(c) for c in SITE_COLUMNS)
        continues = site_row and not any(row.get(c) for c in OWN_COLUMNS)
        if first is not None and not continues:
            yield _with_sites(first, sites)
            first, sites = None, {}
        if not site_row:
            yield line, row
            continue
        if first is None:
            first = line, row
        activities = sites.setdefault(row.get("site_address", ""), [])
        if row.get("activity"):
            activities.append(row["activity"])
    if first is not None:
        yield _with_sites(first, sites)


def _with_sites(first: Row, sites: dict[str, list[str]]) -> Row:
    line, row = first
    try:
        listed = json.loads(row["sites"]) if row.get("sites") else []
    except ValueError:
        return line, row  # the importer refuses the row's `sites`, naming its line
    listed += [{"address": a, "activities": acts} for a, acts in sites.items()]
    values = {k: v for k, v in row.items() if k not in SITE_COLUMNS}
    return line, values | {"sites": json.dumps(listed, ensure_ascii=False)}
