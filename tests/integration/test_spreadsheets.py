"""Import files as Excel leaves them: GB18030/GBK or UTF-8 CSV, XLSX, one row per site."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from registry.application import Registry
from registry.errors import InvalidInput
from registry.importer import Importer, read_csv
from registry.rules.values import SiteDoc
from tests.examples import SITES
from tests.integration.test_import import GOOD

SITE_ROWS = [
    {"site_address": str(site["address"]), "activity": activity}
    for site in SITES
    for activity in site["activities"]
]
ONE_ROW_PER_SITE = [{k: v for k, v in GOOD.items() if k != "sites"} | SITE_ROWS[0], *SITE_ROWS[1:]]


def csv_text(rows: list[dict[str, str]]) -> str:
    names = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def imported_sites(registry: Registry, path: Path) -> list[SiteDoc]:
    result = Importer(registry).run(read_csv(path))
    assert (result.imported, result.errors) == (1, [])
    return registry.verify(number="CESI2026EV/IMG10001")["scope"]["sites"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(
    registry: Registry, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(csv_text([GOOD]).encode(encoding))

    sites = imported_sites(registry, path)

    assert sites == SITES
    assert registry.verify(number="CESI2026EV/IMG10001")["holder"]["name"] == GOOD["holder_name"]


def test_sites_may_be_one_row_per_site_and_activity(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(csv_text(ONE_ROW_PER_SITE), encoding="utf-8")

    assert imported_sites(registry, path) == SITES


def test_an_xlsx_workbook_is_read_like_a_csv(registry: Registry, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    names = list(dict.fromkeys(k for row in ONE_ROW_PER_SITE for k in row))
    sheet.append(names)
    for row in ONE_ROW_PER_SITE:  # numbers as numbers, as Excel stores them
        sheet.append([int(v) if v.isdigit() else v for v in (row.get(n, "") for n in names)])
    path = tmp_path / "in.xlsx"
    book.save(path)

    assert imported_sites(registry, path) == SITES


def test_a_continuation_row_keeps_the_line_of_its_certificate(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(csv_text([*ONE_ROW_PER_SITE, ONE_ROW_PER_SITE[0]]), encoding="utf-8")

    lines = [line for line, _ in read_csv(path)]

    assert lines == [2, 5]


def test_a_file_in_neither_utf8_nor_gb18030_is_refused_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    latin = {"holder_name": "Société Générale Café", "address": "Pâtisserie, 3 rue Hôtel-Dieu"}
    path.write_bytes(csv_text([{**GOOD, **latin, "sites": "[]"}]).encode("cp1252"))

    with pytest.raises(InvalidInput, match=r"编码.*neither UTF-8 nor GB18030"):
        list(read_csv(path))


def test_a_missing_column_is_named_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(csv_text([{k: v for k, v in GOOD.items() if k != "uscc"}]), encoding="utf-8")

    with pytest.raises(InvalidInput, match="表头缺少列：uscc / the header lacks uscc"):
        list(read_csv(path))


def test_sites_in_json_still_import(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(csv_text([GOOD]), encoding="utf-8")

    [(line, row)] = list(read_csv(path))

    assert (line, json.loads(row["sites"])) == (2, SITES)
