"""A report's files written a row at a time: the same bytes as the whole document at once,
and a spreadsheet that goes on in further sheets rather than past Excel's last row."""

import io
import json

from openpyxl import load_workbook

from registry.report_writers import COLUMNS, SHEET, TITLES, XlsxRows, write

START, END = "2026-11-01", "2026-11-30"


def item(position: int, holder: str = "深圳市定制家居科技有限公司") -> dict[str, object]:
    values: dict[str, object] = {key: f"{key}-{position}" for key, _ in COLUMNS}
    return values | {"position": position, "holder_name": holder, "reason": None}


def written(fmt: str, items: list[dict[str, object]]) -> bytes:
    out = io.BytesIO()
    write(items, {fmt: out}, START, END)
    return out.getvalue()


def test_the_json_report_written_by_rows_is_the_document_dumped_at_once() -> None:
    for items in ([], [item(1)], [item(1), item(2, 'a "quoted"\nname\t'), item(3)]):
        document = {"from": START, "to": END, "items": items}

        body = written("json", items)

        assert body == json.dumps(document, ensure_ascii=False, indent=1).encode()


def test_the_csv_report_has_a_bom_a_title_row_and_one_line_an_item() -> None:
    body = written("csv", [item(1), item(2)])

    lines = body.decode("utf-8-sig").split("\r\n")
    assert body.startswith(b"\xef\xbb\xbf")
    assert lines[0] == ",".join(TITLES)
    assert [line.split(",")[0] for line in lines[1:-1]] == ["1", "2"]


def test_a_long_spreadsheet_goes_on_in_further_sheets_each_with_the_titles() -> None:
    out = io.BytesIO()
    rows = [item(n) for n in range(1, 8)]
    sheets = XlsxRows(out, START, END, rows_per_sheet=4)  # titles and three items a sheet
    for row in rows:
        sheets.add(row)
    sheets.close()

    book = load_workbook(out, read_only=True)
    assert book.sheetnames == [SHEET, f"{SHEET} 2", f"{SHEET} 3"]
    found = [list(sheet.values) for sheet in book.worksheets]
    assert all(list(values[0]) == TITLES for values in found)
    assert [values[0] for sheet in found for values in sheet[1:]] == list(range(1, 8))


def test_every_format_is_written_from_one_pass_over_the_items() -> None:
    outs = {fmt: io.BytesIO() for fmt in ("csv", "json", "xlsx")}

    count = write(iter([item(1), item(2)]), outs, START, END)  # an iterator: read once

    assert count == 2
    assert len(json.loads(outs["json"].getvalue())["items"]) == 2
    assert outs["csv"].getvalue().count(b"\r\n") == 3
    assert len(list(load_workbook(outs["xlsx"], read_only=True).active.values)) == 3
